"""Finding class: taking over an account through the directory login.

The attacker is a school IT coordinator with a session of their own. They can create
people at their school, sync the school's directory and reset the passwords of its
people; with these they try to log in as an IT admin whose username looks like a login.
A directory login maps to a user only through a stored link, never through a name."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.directory.apply import directory_apply
from accounts.models import Person, PersonRole
from accounts.passwords import password_ldap_hash
from core.models import Role, User
from tests.accounts.factories import PersonFactory, teaches
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

ADMIN_PASSWORD = "Local-admin-pass1"


@pytest.fixture
def first_last(db):
    """The demo city's kind of IT admin: named like a login, with a local password."""
    return UserFactory(
        username="first.last", role=Role.IT_ADMIN, is_staff=True, password=ADMIN_PASSWORD
    )


def _json(client, method, url, data=None):
    return getattr(client, method)(url, data or {}, content_type="application/json")


def _namesake_with_new_password(client, school, commit, *, force_login: str | None = None):
    """As the coordinator: a staff member "First Last", synced, with a fresh password."""
    created = _json(
        client,
        "post",
        "/api/v1/people",
        {"school": school.number, "role": "staff", "first_name": "First", "last_name": "Last"},
    )
    assert created.status_code == 201, created.content
    person = Person.objects.get(pk=created.json()["id"])
    if force_login:
        # Data from before logins were kept apart from usernames.
        Person.objects.filter(pk=person.pk).update(login=force_login)
        person.refresh_from_db()
    with commit(execute=True):
        synced = _json(client, "post", "/api/v1/directory/sync", {"school": school.number})
    assert synced.status_code == 202, synced.content
    reset = client.post(f"/api/v1/people/{person.pk}/password-reset")
    assert reset.status_code == 200, reset.content
    return person, reset.json()["password"]


def _log_in(username: str, password: str) -> Client:
    browser = Client()
    browser.post("/login/", {"username": username, "password": password})
    return browser


def _assert_not_the_admin(browser: Client) -> None:
    me = browser.get("/api/v1/me")
    if me.status_code == 200:
        assert me.json()["username"] != "first.last"
        assert me.json()["role"] != Role.IT_ADMIN
    else:
        assert me.status_code == 401
    assert browser.get("/admin/").status_code != 200


def test_the_reproduction_ends_with_no_admin_session(
    ldap_directory,
    first_last,
    coordinator,
    school_a,
    client_for,
    django_capture_on_commit_callbacks,
):
    person, password = _namesake_with_new_password(
        client_for(coordinator), school_a, django_capture_on_commit_callbacks
    )

    assert person.login != "first.last"
    for username in ("first.last", "First.Last", person.login):
        _assert_not_the_admin(_log_in(username, password))
    # The admin's own password still works.
    admin = _log_in("first.last", ADMIN_PASSWORD)
    assert admin.get("/api/v1/me").json()["role"] == Role.IT_ADMIN


def test_a_namesake_from_before_the_fix_with_the_admins_name_as_login_gets_no_admin_session(
    ldap_directory,
    first_last,
    coordinator,
    school_a,
    client_for,
    django_capture_on_commit_callbacks,
):
    person, password = _namesake_with_new_password(
        client_for(coordinator),
        school_a,
        django_capture_on_commit_callbacks,
        force_login="first.last",
    )

    for username in ("first.last", "FIRST.LAST", " first.last "):
        _assert_not_the_admin(_log_in(username, password))
    person.refresh_from_db()
    assert person.user is None
    assert User.objects.filter(username__iexact="first.last").count() == 1


def _admins_entry(directory, password: str) -> str:
    directory.ldif_add(
        f"dn: ou=admins,{directory.base_dn}\nobjectClass: organizationalUnit\nou: admins\n"
    )
    dn = f"uid=first.last,ou=admins,{directory.base_dn}"
    directory.ldif_add(
        f"dn: {dn}\nobjectClass: inetOrgPerson\nuid: first.last\ncn: First Last\nsn: Last\n"
        f"userPassword: {password_ldap_hash(password)}\n"
    )
    return dn


@pytest.fixture
def admin_in_ou_admins(ldap_directory):
    """An IT admin without a local password, linked to their entry in ou=admins."""
    admin = UserFactory(username="first.last", role=Role.IT_ADMIN, is_staff=True, password=None)
    admin.set_unusable_password()
    admin.save()
    dn = _admins_entry(ldap_directory, "Admins-directory-pass1")
    call_command("directory_link", "first.last", dn, stdout=io.StringIO())
    return admin


def test_the_admin_in_ou_admins_still_logs_in_after_a_namesake_is_created_and_synced(
    admin_in_ou_admins, coordinator, school_a, client_for, django_capture_on_commit_callbacks
):

    person, password = _namesake_with_new_password(
        client_for(coordinator), school_a, django_capture_on_commit_callbacks
    )

    assert person.login != "first.last"  # the uid exists in the directory already
    browser = _log_in("first.last", "Admins-directory-pass1")
    assert browser.get("/api/v1/me").json()["username"] == "first.last"
    assert browser.get("/admin/").status_code == 200
    _assert_not_the_admin(_log_in("first.last", password))


def test_the_admin_in_ou_admins_logs_in_beside_a_namesake_with_the_same_uid(
    admin_in_ou_admins, coordinator, school_a, client_for, django_capture_on_commit_callbacks
):
    # Two entries with uid=first.last below the base: the admin's and a synced person's.
    _person, password = _namesake_with_new_password(
        client_for(coordinator),
        school_a,
        django_capture_on_commit_callbacks,
        force_login="first.last",
    )

    browser = _log_in("first.last", "Admins-directory-pass1")
    assert browser.get("/api/v1/me").json()["username"] == "first.last"
    _assert_not_the_admin(_log_in("first.last", password))


def test_a_new_login_is_never_a_username_or_a_uid_found_anywhere_below_the_base(
    ldap_directory, coordinator, school_a, client_for
):
    UserFactory(username="Erika.Muster", role=Role.CITY_STAFF)
    _admins_entry(ldap_directory, "whatever-Pass1")  # uid=first.last in ou=admins
    client = client_for(coordinator)

    made = [
        _json(
            client,
            "post",
            "/api/v1/people",
            {"school": school_a.number, "role": "staff", "first_name": first, "last_name": last},
        ).json()["login"]
        for first, last in (("Erika", "Muster"), ("First", "Last"))
    ]

    assert made == ["erika.muster2", "first.last2"]


def test_a_username_can_never_be_made_equal_to_a_persons_login(db, school_a, it_admin):
    PersonFactory(school=school_a, role=PersonRole.TEACHER, school_class=None, login="karl.k")

    for name in ("karl.k", "Karl.K"):
        with pytest.raises(ValidationError) as refused:
            User(username=name, password="x").full_clean()
        assert "username" in refused.value.message_dict
    # The IT admin's add form of the Django admin says so too.
    admin = Client()
    admin.force_login(it_admin)
    it_admin.is_staff = True
    it_admin.save()
    response = admin.post(
        "/admin/core/user/add/",
        {
            "username": "karl.k",
            "password1": "Sehr-langes-Pass1",
            "password2": "Sehr-langes-Pass1",
            "usable_password": "true",
            "role": Role.COORDINATOR,
        },
    )
    assert response.status_code == 200
    assert "username" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="karl.k").exists()


def test_createsuperuser_refuses_a_persons_login(db, school_a):
    PersonFactory(school=school_a, role=PersonRole.TEACHER, school_class=None, login="karl.k")

    with pytest.raises(CommandError, match="Anmeldename einer Person"):
        call_command(
            "createsuperuser",
            username="karl.k",
            email="",
            interactive=False,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not User.objects.filter(username="karl.k").exists()


@pytest.fixture
def synced(ldap_directory, school_a, school_b, it_admin):
    """A teacher, a staff member and a student of school A with directory entries."""
    people = {
        "teacher": PersonFactory(
            school=school_a, role=PersonRole.TEACHER, school_class=None, login="t.eacher"
        ),
        "staff": PersonFactory(
            school=school_a,
            role=PersonRole.STAFF,
            school_class=None,
            birth_date=None,
            login="s.taff",
        ),
        "student": PersonFactory(school=school_a, login="s.tudent"),
    }
    assert directory_apply(actor=it_admin).errors == []
    for person in people.values():
        person.refresh_from_db()
    return people


def _link(person, user):
    Person.objects.filter(pk=person.pk).update(user=user)


def _reset(client, person):
    return client.post(f"/api/v1/people/{person.pk}/password-reset")


def _reset_page(client, person):
    return client.post(f"/people/{person.pk}/password-reset/")


@pytest.mark.parametrize("role", [Role.IT_ADMIN, Role.CITY_STAFF])
def test_a_coordinator_cannot_reset_the_account_of_a_user_with_more_rights(
    synced, coordinator, client_for, role
):
    _link(synced["staff"], UserFactory(username="boss", role=role))
    client = client_for(coordinator)

    assert _reset(client, synced["staff"]).status_code == 404
    assert _reset_page(client, synced["staff"]).status_code == 404
    detail = client.get(f"/people/{synced['staff'].pk}/")
    assert f"/people/{synced['staff'].pk}/password-reset/" not in detail.content.decode()


def test_a_coordinator_cannot_reset_a_coordinator_who_reaches_another_school(
    synced, coordinator, school_a, school_b, client_for
):
    other = UserFactory(username="other.coord", role=Role.COORDINATOR, schools=[school_a, school_b])
    _link(synced["teacher"], other)
    client = client_for(coordinator)

    assert _reset(client, synced["teacher"]).status_code == 404
    # One of the same school and no more is within reach.
    other.schools.set([school_a])
    assert _reset(client, synced["teacher"]).status_code == 200


def test_a_teacher_resets_no_teacher_or_staff_account(synced, teacher, client_for):
    teaches(teacher, synced["student"].school_class)
    client = client_for(teacher)

    for kind in ("teacher", "staff"):
        assert _reset(client, synced[kind]).status_code == 404
        assert _reset_page(client, synced[kind]).status_code == 404
    assert _reset(client, synced["student"]).status_code == 200


def test_with_the_directory_down_no_login_is_handed_out_and_nothing_is_written(
    ldap_directory, settings, coordinator, school_a, client_for
):
    from demo.slapd import free_port

    settings.LDAP_URL = f"ldap://127.0.0.1:{free_port()}"
    settings.LDAP_CONNECT_TIMEOUT = 1

    response = _json(
        client_for(coordinator),
        "post",
        "/api/v1/people",
        {"school": school_a.number, "role": "staff", "first_name": "First", "last_name": "Last"},
    )

    assert response.status_code == 503
    assert response.json()["code"] == "directory_unavailable"
    assert "Verzeichnis" in response.json()["message"]
    assert not Person.objects.exists()


def test_an_it_admin_links_a_user_on_its_admin_page(ldap_directory, it_admin, client_for):
    admin_user = UserFactory(username="first.last", role=Role.IT_ADMIN, is_staff=True)
    dn = _admins_entry(ldap_directory, "Admins-directory-pass1")
    it_admin.is_staff = True
    it_admin.save()
    page = client_for(it_admin)
    form = page.get(f"/admin/core/user/{admin_user.pk}/change/").context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "directory_uuid")
    }
    data.update(
        {
            "schools": [],
            "groups": [],
            "user_permissions": [],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "01.12.2026",
            "date_joined_1": "10:00:00",
            "directory_dn": dn,
        }
    )

    saved = page.post(f"/admin/core/user/{admin_user.pk}/change/", data)

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    admin_user.refresh_from_db()
    assert (admin_user.directory_dn, admin_user.directory_uuid) == (dn, "")
    browser = _log_in("first.last", "Admins-directory-pass1")
    assert browser.get("/api/v1/me").json()["username"] == "first.last"
    admin_user.refresh_from_db()
    assert admin_user.directory_uuid  # held on to from the first login on
