import logging

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory

from accounts.directory.apply import directory_apply
from accounts.lifecycle import people_disable
from accounts.models import PersonRole, PersonStatus
from accounts.passwords import password_ldap_hash
from core.models import Role, User
from tests.accounts.factories import PersonFactory
from tests.factories import UserFactory
from tests.ldapserver import free_port

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


def admin_entry(directory, uid: str, password: str) -> None:
    """An entry an IT admin made by hand, outside Lernstatt's school OUs."""
    escaped = uid.replace(",", "\\,").replace("+", "\\+")
    directory.ldif_add(
        f"dn: uid={escaped},{directory.base_dn}\n"
        "objectClass: inetOrgPerson\n"
        f"uid: {uid}\n"
        "cn: Admin\n"
        "sn: Admin\n"
        f"userPassword: {password_ldap_hash(password)}\n"
    )


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
    people_disable([kraus], today=kraus.created_at.date())
    assert directory_apply().errors == []

    assert login("karin.kraus", password) is None


def test_a_tolerated_teacher_gets_no_new_user(passwords, kraus):
    kraus.status = PersonStatus.TOLERATED
    kraus.save()

    assert login("karin.kraus", passwords["karin.kraus"]) is None
    assert not User.objects.filter(username="karin.kraus").exists()


def test_an_existing_user_of_another_role_is_left_as_it_is(passwords, school_b):
    coordinator = UserFactory(
        username="karin.kraus", role=Role.COORDINATOR, schools=[school_b], first_name="K."
    )

    user = login("karin.kraus", passwords["karin.kraus"])

    assert user == coordinator
    user.refresh_from_db()
    assert (user.role, user.first_name) == (Role.COORDINATOR, "K.")
    assert list(user.schools.all()) == [school_b]


def test_an_existing_teacher_user_follows_the_persons_school_and_name(
    passwords, school_a, school_b
):
    UserFactory(username="karin.kraus", role=Role.TEACHER, schools=[school_b], first_name="K.")

    user = login("karin.kraus", passwords["karin.kraus"])

    assert list(user.schools.all()) == [school_a]
    assert user.first_name == "Karin"


def test_a_user_deactivated_in_lernstatt_stays_locked_out(passwords):
    UserFactory(username="karin.kraus", role=Role.TEACHER, is_active=False)

    assert login("karin.kraus", passwords["karin.kraus"]) is None


def test_an_it_admin_with_a_directory_entry_logs_in_with_that_password(ldap_directory):
    admin = UserFactory(username="it.admin", role=Role.IT_ADMIN, password=None)
    admin.set_unusable_password()
    admin.save()
    admin_entry(ldap_directory, "it.admin", "Dir3ctory-secret")

    assert login("it.admin", "Dir3ctory-secret") == admin
    assert login("it.admin", "wrong") is None
    # A directory entry alone makes no user.
    admin_entry(ldap_directory, "someone.else", "Dir3ctory-secret")
    assert login("someone.else", "Dir3ctory-secret") is None


def test_an_it_admin_logs_in_on_the_admin_page_with_the_directory_password(ldap_directory):
    admin = UserFactory(username="it.admin", role=Role.IT_ADMIN, is_staff=True, password=None)
    admin.set_unusable_password()
    admin.save()
    admin_entry(ldap_directory, "it.admin", "Dir3ctory-secret")
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
    UserFactory(username="ad,min+it", role=Role.IT_ADMIN)
    UserFactory(username="ad", role=Role.IT_ADMIN)
    admin_entry(ldap_directory, "ad,min+it", "Comma-and-plus1")

    assert login("ad,min+it", "Comma-and-plus1").username == "ad,min+it"
    assert login("ad", "Comma-and-plus1") is None
    assert login("ad,min", "Comma-and-plus1") is None


def test_a_uid_found_twice_is_refused(ldap_directory, school_a):
    UserFactory(username="twice", role=Role.IT_ADMIN)
    admin_entry(ldap_directory, "twice", "Same-password1")
    ldap_directory.ldif_add(
        f"dn: ou=more,{ldap_directory.base_dn}\nobjectClass: organizationalUnit\nou: more\n"
    )
    ldap_directory.ldif_add(
        f"dn: uid=twice,ou=more,{ldap_directory.base_dn}\n"
        "objectClass: inetOrgPerson\nuid: twice\ncn: T\nsn: T\n"
        f"userPassword: {password_ldap_hash('Same-password1')}\n"
    )

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
