import io
import logging

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.directory.apply import directory_apply
from accounts.lifecycle import people_disable
from accounts.models import Person, PersonRole, PersonStatus
from accounts.passwords import password_ldap_hash
from core.models import Role, User
from demo.slapd import free_port
from tests.accounts.factories import PersonFactory
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


@pytest.fixture
def kraus(school_a):
    return PersonFactory(
        school=school_a,
        role=PersonRole.TEACHER,
        school_class=None,
        first_name="Karin",
        last_name="Kraus",
        login="karin.kraus",
        short_code="KR",
    )


@pytest.fixture
def student(school_a):
    return PersonFactory(school=school_a, login="anna.schmidt")


@pytest.fixture
def passwords(ldap_directory, kraus, student):
    """The synced directory's initial passwords, login → password."""
    run = directory_apply()
    assert run.errors == []
    return run.new_passwords


def admin_entry(directory, uid: str, password: str) -> str:
    """An entry an IT admin made by hand, outside Lernstatt's school OUs; its DN."""
    escaped = uid.replace(",", "\\,").replace("+", "\\+")
    dn = f"uid={escaped},{directory.base_dn}"
    directory.ldif_add(
        f"dn: {dn}\n"
        "objectClass: inetOrgPerson\n"
        f"uid: {uid}\n"
        "cn: Admin\n"
        "sn: Admin\n"
        f"userPassword: {password_ldap_hash(password)}\n"
    )
    return dn


def link(user, dn):
    """What an IT admin does with `manage.py directory_link USERNAME DN`."""
    call_command("directory_link", user.username, dn, stdout=io.StringIO())
    user.refresh_from_db()


def login(username, password):
    # As the login page does: the login throttle (axes) needs the request.
    request = RequestFactory().post("/login/", REMOTE_ADDR="192.0.2.10")
    return authenticate(request, username=username, password=password)


def test_a_teacher_logs_in_with_the_directory_password_and_gets_a_teacher_user(
    passwords, kraus, school_a
):
    user = login("karin.kraus", passwords["karin.kraus"])

    assert user is not None
    assert (user.username, user.role) == ("karin.kraus", Role.TEACHER)
    assert (user.first_name, user.last_name) == ("Karin", "Kraus")
    assert list(user.schools.all()) == [school_a]
    assert not user.has_usable_password()
    assert user.backend == "accounts.directory.login.DirectoryBackend"
    # The second login finds the same user.
    assert login("karin.kraus", passwords["karin.kraus"]) == user
    assert User.objects.filter(username="karin.kraus").count() == 1


def test_a_wrong_or_empty_password_is_refused(passwords):
    assert login("karin.kraus", passwords["karin.kraus"] + "x") is None
    assert login("karin.kraus", "") is None
    assert not User.objects.filter(username="karin.kraus").exists()


def test_an_empty_password_is_refused_without_asking_the_directory(passwords, settings, caplog):
    # The directory would take an empty password as an anonymous bind and accept it.
    # Pointed at a port where nobody answers, asking it would log a warning.
    settings.LDAP_URL = f"ldap://127.0.0.1:{free_port()}"

    with caplog.at_level(logging.WARNING):
        assert login("karin.kraus", "") is None
        assert login("karin.kraus", None) is None

    # The login throttle (axes) logs the failed attempt; the directory logs nothing.
    assert [record for record in caplog.records if not record.name.startswith("axes")] == []


def test_a_students_directory_password_never_logs_in(passwords, student):
    assert login("anna.schmidt", passwords["anna.schmidt"]) is None
    # Not even when a Lernstatt user happens to have the student's login as name.
    UserFactory(username="anna.schmidt", role=Role.IT_ADMIN)
    assert login("anna.schmidt", passwords["anna.schmidt"]) is None


def test_a_disabled_teacher_cannot_log_in_though_the_user_exists(passwords, kraus, school_a):
    password = passwords["karin.kraus"]
    assert login("karin.kraus", password) is not None
    people_disable([kraus], today=timezone.localdate())
    assert directory_apply().errors == []

    assert login("karin.kraus", password) is None


def test_a_tolerated_teacher_gets_no_new_user(passwords, kraus):
    kraus.status = PersonStatus.TOLERATED
    kraus.save()

    assert login("karin.kraus", passwords["karin.kraus"]) is None
    assert not User.objects.filter(username="karin.kraus").exists()


def test_a_user_named_like_a_teachers_login_is_never_logged_in_with_the_teachers_password(
    passwords, school_b, kraus
):
    # Made before names were reserved: the name alone links nothing.
    coordinator = UserFactory(
        username="karin.kraus", role=Role.COORDINATOR, schools=[school_b], first_name="K."
    )

    assert login("karin.kraus", passwords["karin.kraus"]) is None
    assert login("Karin.Kraus", passwords["karin.kraus"]) is None

    coordinator.refresh_from_db()
    assert (coordinator.role, coordinator.first_name) == (Role.COORDINATOR, "K.")
    assert list(coordinator.schools.all()) == [school_b]
    kraus.refresh_from_db()
    assert kraus.user is None


def test_the_teachers_linked_user_follows_the_persons_school_and_name(
    passwords, kraus, school_a, school_b
):
    linked = UserFactory(username="kk", role=Role.TEACHER, schools=[school_b], first_name="K.")
    Person.objects.filter(pk=kraus.pk).update(user=linked)
    kraus.refresh_from_db()

    user = login("karin.kraus", passwords["karin.kraus"])

    assert user == linked
    assert list(user.schools.all()) == [school_a]
    assert user.first_name == "Karin"
    assert user.directory_dn == kraus.dn


def test_a_linked_user_deactivated_in_lernstatt_stays_locked_out(passwords, kraus):
    assert login("karin.kraus", passwords["karin.kraus"]) is not None
    User.objects.filter(username="karin.kraus").update(is_active=False)

    assert login("karin.kraus", passwords["karin.kraus"]) is None


def test_an_it_admin_linked_to_a_directory_entry_logs_in_with_that_password(ldap_directory):
    admin = UserFactory(username="it.admin", role=Role.IT_ADMIN, password=None)
    admin.set_unusable_password()
    admin.save()
    dn = admin_entry(ldap_directory, "it.admin", "Dir3ctory-secret")
    # An entry whose uid is the user's name is not the user's until an IT admin links it.
    assert login("it.admin", "Dir3ctory-secret") is None

    link(admin, dn)

    assert admin.directory_dn == dn and admin.directory_uuid
    assert login("it.admin", "Dir3ctory-secret") == admin
    assert login("it.admin", "wrong") is None
    # A directory entry alone makes no user.
    admin_entry(ldap_directory, "someone.else", "Dir3ctory-secret")
    assert login("someone.else", "Dir3ctory-secret") is None


def test_a_link_by_dn_alone_holds_on_to_the_entry_found_at_the_first_login(ldap_directory):
    admin = UserFactory(username="it.admin", role=Role.IT_ADMIN)
    dn = admin_entry(ldap_directory, "it.admin", "Dir3ctory-secret")
    # As the user's admin page stores it: the DN only.
    admin.directory_dn = dn
    admin.save()

    assert login("it.admin", "Dir3ctory-secret") == admin
    admin.refresh_from_db()
    first_uuid = admin.directory_uuid
    assert first_uuid
    # Someone replaces the entry by another one at the same DN: not the linked entry.
    conn = ldap_directory.server.connect()
    conn.delete(dn)
    conn.unbind()
    admin_entry(ldap_directory, "it.admin", "An0ther-secret")

    assert login("it.admin", "An0ther-secret") is None
    admin.refresh_from_db()
    assert admin.directory_uuid == first_uuid


def test_an_it_admin_logs_in_on_the_admin_page_with_the_directory_password(ldap_directory):
    admin = UserFactory(username="it.admin", role=Role.IT_ADMIN, is_staff=True, password=None)
    admin.set_unusable_password()
    admin.save()
    link(admin, admin_entry(ldap_directory, "it.admin", "Dir3ctory-secret"))
    client = Client()

    refused = client.post(
        "/admin/login/?next=/admin/", {"username": "it.admin", "password": "wrong"}
    )
    assert refused.status_code == 200  # the form again, with an error
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "it.admin", "password": "Dir3ctory-secret"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("username", ["*", "*)(uid=*", "karin.kraus)(uid=*", "karin*"])
def test_filter_characters_in_a_username_match_nobody(passwords, username):
    # A user of that name exists, so the directory is asked; `*` must not be a wildcard.
    UserFactory(username=username, role=Role.IT_ADMIN)

    assert login(username, passwords["karin.kraus"]) is None


def test_commas_and_plus_signs_in_a_uid_neither_break_nor_match_others(ldap_directory):
    admin = UserFactory(username="ad,min+it", role=Role.IT_ADMIN)
    UserFactory(username="ad", role=Role.IT_ADMIN)
    link(admin, admin_entry(ldap_directory, "ad,min+it", "Comma-and-plus1"))

    assert login("ad,min+it", "Comma-and-plus1").username == "ad,min+it"
    assert login("ad", "Comma-and-plus1") is None
    assert login("ad,min", "Comma-and-plus1") is None


def _second_entry(ldap_directory, uid, password):
    ldap_directory.ldif_add(
        f"dn: ou=more,{ldap_directory.base_dn}\nobjectClass: organizationalUnit\nou: more\n"
    )
    dn = f"uid={uid},ou=more,{ldap_directory.base_dn}"
    ldap_directory.ldif_add(
        f"dn: {dn}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: T\nsn: T\n"
        f"userPassword: {password_ldap_hash(password)}\n"
    )
    return dn


def test_of_two_entries_with_one_uid_only_the_linked_one_logs_in(ldap_directory):
    admin = UserFactory(username="twice", role=Role.IT_ADMIN)
    link(admin, admin_entry(ldap_directory, "twice", "Admins-password1"))
    _second_entry(ldap_directory, "twice", "Other-password1")

    assert login("twice", "Admins-password1") == admin
    assert login("twice", "Other-password1") is None


def test_a_password_that_fits_two_linked_entries_of_one_uid_logs_nobody_in(ldap_directory):
    first = UserFactory(username="twice", role=Role.IT_ADMIN)
    second = UserFactory(username="twice2", role=Role.COORDINATOR)
    link(first, admin_entry(ldap_directory, "twice", "Same-password1"))
    link(second, _second_entry(ldap_directory, "twice", "Same-password1"))

    assert login("twice", "Same-password1") is None


def test_without_a_directory_local_passwords_still_work(db, settings):
    settings.LDAP_URL = ""
    UserFactory(username="lokal", password="local-pass-123")

    assert login("lokal", "local-pass-123").username == "lokal"
    assert login("lokal", "wrong") is None


def test_a_directory_that_is_down_is_logged_without_username_or_password(
    ldap_directory, settings, caplog
):
    settings.LDAP_URL = f"ldap://127.0.0.1:{free_port()}"
    settings.LDAP_CONNECT_TIMEOUT = 1
    UserFactory(username="lokal", password="local-pass-123")
    UserFactory(username="it.admin", role=Role.IT_ADMIN)

    with caplog.at_level(logging.DEBUG):
        assert login("it.admin", "Secret-in-the-form1") is None
        assert login("lokal", "local-pass-123").username == "lokal"

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings, "a directory that is down is worth a warning"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Secret-in-the-form1" not in logged
    assert "local-pass-123" not in logged
    assert "it.admin" not in logged


def test_a_successful_or_failed_login_logs_no_password(passwords, caplog):
    with caplog.at_level(logging.DEBUG):
        login("karin.kraus", passwords["karin.kraus"])
        login("karin.kraus", "Wrong-password-9")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert passwords["karin.kraus"] not in logged
    assert "Wrong-password-9" not in logged
