"""A teacher resets a student's password: the new one works at once, the old one no
longer, it is shown once and written nowhere else."""

import logging

import pytest
from django.utils import translation
from ldap3.core.exceptions import LDAPBindError, LDAPInvalidCredentialsResult

from accounts.directory.apply import directory_apply
from accounts.handout import initial_passwords_take
from accounts.models import InitialPassword, Person, PersonStatus
from accounts.password_reset import password_reset
from core.errors import Conflict, DirectoryUnavailable, NotFound, PermissionDenied
from tests.accounts.factories import PersonFactory, SchoolClassFactory, teaches

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def point_at(settings, directory) -> None:
    settings.LDAP_URL = directory.url
    settings.LDAP_START_TLS = False
    settings.LDAP_BIND_DN = directory.bind_dn
    settings.LDAP_BIND_PASSWORD = directory.bind_password
    settings.LDAP_BASE_DN = directory.base_dn


@pytest.fixture
def accounts(school_a, school_b, it_admin, teacher):
    """A student and a teacher of school A and a student of school B, in the directory,
    with the initial password of each (login → password). The `teacher` user teaches the
    student's class."""
    people = {
        "anna": PersonFactory(
            school=school_a,
            school_class=SchoolClassFactory(school=school_a, name="5a"),
            first_name="Anna",
            last_name="Müller",
            login="anna.mueller",
        ),
        "kraus": PersonFactory(
            school=school_a, role="teacher", school_class=None, short_code="KR", login="kr"
        ),
        "bert": PersonFactory(school=school_b, login="bert.b"),
    }
    teaches(teacher, people["anna"].school_class)
    run = directory_apply(actor=it_admin)
    assert run.errors == []
    for person in people.values():
        person.refresh_from_db()
    return people, dict(run.new_passwords)


def can_bind(directory, dn, password):
    try:
        directory.server.connect(user=dn, password=password).unbind()
    except (LDAPBindError, LDAPInvalidCredentialsResult):
        return False
    return True


def test_the_new_password_binds_and_the_old_one_no_longer(ldap_directory, accounts, teacher):
    people, initial = accounts
    anna = people["anna"]

    login, password = password_reset(actor=teacher, person_id=anna.pk)

    assert login == "anna.mueller"
    assert len(password) == 10 and password != initial["anna.mueller"]
    assert can_bind(ldap_directory, anna.dn, password)
    assert not can_bind(ldap_directory, anna.dn, initial["anna.mueller"])


def test_the_kept_initial_password_is_forgotten_so_no_list_prints_it(
    ldap_directory, accounts, coordinator
):
    people, _initial = accounts
    anna = people["anna"]
    assert InitialPassword.objects.filter(person=anna).exists()

    password_reset(actor=coordinator, person_id=anna.pk)

    assert initial_passwords_take([anna.pk]) == {}


def test_a_teacher_resets_only_students_of_their_school(ldap_directory, accounts, teacher):
    people, initial = accounts
    for other in ("kraus", "bert"):
        with pytest.raises(NotFound):
            password_reset(actor=teacher, person_id=people[other].pk)
    assert can_bind(ldap_directory, people["kraus"].dn, initial["kr"])


def test_a_teacher_resets_no_student_of_a_class_they_do_not_teach(
    ldap_directory, accounts, teacher, it_admin, school_a
):
    """Same school, another class: not found, and the student's password still works."""
    other = PersonFactory(school=school_a, first_name="Olga", last_name="Ost", login="olga.ost")
    run = directory_apply(actor=it_admin)
    other.refresh_from_db()
    with pytest.raises(NotFound):
        password_reset(actor=teacher, person_id=other.pk)
    assert can_bind(ldap_directory, other.dn, run.new_passwords["olga.ost"])


def test_coordinators_reset_teachers_of_their_schools_only(ldap_directory, accounts, coordinator):
    people, _initial = accounts
    _login, password = password_reset(actor=coordinator, person_id=people["kraus"].pk)
    assert can_bind(ldap_directory, people["kraus"].dn, password)
    with pytest.raises(NotFound):
        password_reset(actor=coordinator, person_id=people["bert"].pk)


def test_city_staff_may_not_reset_passwords(ldap_directory, accounts, city_staff):
    people, _initial = accounts
    with pytest.raises(PermissionDenied):
        password_reset(actor=city_staff, person_id=people["anna"].pk)


def test_a_disabled_student_is_refused_with_a_reason(ldap_directory, accounts, teacher):
    people, initial = accounts
    anna = people["anna"]
    Person.objects.filter(pk=anna.pk).update(status=PersonStatus.DISABLED)

    with pytest.raises(Conflict) as caught, translation.override("en"):
        password_reset(actor=teacher, person_id=anna.pk)

    assert caught.value.status == 409
    assert caught.value.message == (
        "The account of Anna Müller is disabled: its password cannot be reset."
    )
    assert can_bind(ldap_directory, anna.dn, initial["anna.mueller"])


def test_a_student_without_a_directory_entry_is_refused_with_a_reason(
    ldap_directory, school_a, teacher
):
    newcomer = PersonFactory(school=school_a, first_name="Nina", last_name="Neu", login="nina")
    teaches(teacher, newcomer.school_class)
    with pytest.raises(Conflict) as caught, translation.override("en"):
        password_reset(actor=teacher, person_id=newcomer.pk)
    assert caught.value.message.startswith("Nina Neu has no account in the directory yet.")


def test_an_entry_missing_from_the_directory_is_named(ldap_directory, accounts, teacher):
    people, _initial = accounts
    anna = people["anna"]
    ldap_directory.server.connect().delete(anna.dn)

    with pytest.raises(Conflict) as caught, translation.override("en"):
        password_reset(actor=teacher, person_id=anna.pk)

    assert caught.value.message.startswith(f"The directory has no entry {anna.dn} for Anna")
    assert InitialPassword.objects.filter(person=anna).exists()


def test_directory_down_is_503_and_nothing_changes(slapd_factory, settings, school_a, teacher):
    server = slapd_factory()
    directory = server.subtree()
    point_at(settings, directory)
    anna = PersonFactory(school=school_a, login="anna.mueller")
    teaches(teacher, anna.school_class)
    run = directory_apply()
    anna.refresh_from_db()
    initial = run.new_passwords["anna.mueller"]
    server.stop()

    with pytest.raises(DirectoryUnavailable) as caught:
        password_reset(actor=teacher, person_id=anna.pk)

    assert caught.value.status == 503
    assert InitialPassword.objects.filter(person=anna).exists()
    server.start()
    assert can_bind(directory, anna.dn, initial)


def test_the_password_is_in_no_log_line(ldap_directory, accounts, teacher, caplog):
    people, _initial = accounts
    caplog.set_level(logging.DEBUG)

    _login, password = password_reset(actor=teacher, person_id=people["anna"].pk)

    assert "Password of anna.mueller" in caplog.text
    assert "reset by lehrer" in caplog.text
    assert password not in caplog.text


# -- over the API ---------------------------------------------------------------------------


def test_the_api_shows_the_new_password_once_and_no_cache_keeps_it(
    ldap_directory, accounts, teacher, client_for
):
    people, _initial = accounts
    anna = people["anna"]

    response = client_for(teacher).post(f"/api/v1/people/{anna.pk}/password-reset")

    assert response.status_code == 200
    body = response.json()
    assert body["login"] == "anna.mueller"
    assert can_bind(ldap_directory, anna.dn, body["password"])
    assert response["Cache-Control"] == "no-store"


def test_the_api_answers_404_409_and_503_in_the_error_shape(
    slapd_factory, settings, school_a, school_b, teacher, client_for
):
    server = slapd_factory()
    point_at(settings, server.subtree())
    anna = PersonFactory(school=school_a, login="anna.mueller")
    other = PersonFactory(school=school_b, login="bert.b")
    gone = PersonFactory(school=school_a, login="gina", status=PersonStatus.DISABLED)
    teaches(teacher, anna.school_class, gone.school_class)
    directory_apply()
    client = client_for(teacher, language="en")

    assert client.post(f"/api/v1/people/{other.pk}/password-reset").status_code == 404
    response = client.post(f"/api/v1/people/{gone.pk}/password-reset")
    assert (response.status_code, response.json()["code"]) == (409, "account_not_working")
    server.stop()
    response = client.post(f"/api/v1/people/{anna.pk}/password-reset")
    assert (response.status_code, response.json()["code"]) == (503, "directory_unavailable")
    assert set(response.json()) == {"message", "code", "errors"}
