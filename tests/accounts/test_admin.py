"""Classes, people, released logins and sync runs in the Django admin: for IT admins only,
saved through the same services as the API, never an initial password."""

import datetime

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    DirectorySyncRun,
    InitialPassword,
    Person,
    PersonRole,
    ReleasedLogin,
    SchoolClass,
)
from core.models import Role
from tests.accounts.factories import PersonFactory, SchoolClassFactory
from tests.factories import UserFactory


@pytest.fixture
def admin_client(db) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory(username="itadmin", role=Role.IT_ADMIN, is_staff=True))
    return client


def test_initial_passwords_are_not_in_the_admin():
    assert InitialPassword not in admin.site._registry
    for model in (SchoolClass, Person, ReleasedLogin, DirectorySyncRun):
        assert model in admin.site._registry


def test_people_are_listed_filtered_and_searched_by_name_login_and_id(admin_client, school_a):
    PersonFactory(school=school_a, last_name="Müller", login="anna.mueller", external_id="4711")
    PersonFactory(school=school_a, last_name="Kaya", login="elif.kaya")
    url = reverse("admin:accounts_person_changelist")
    for query in ("Müller", "anna.mue", "4711"):
        page = admin_client.get(url, {"q": query}).content.decode()
        assert "anna.mueller" in page and "elif.kaya" not in page
    page = admin_client.get(url, {"role__exact": "teacher"}).content.decode()
    assert "anna.mueller" not in page
    assert admin_client.get(url, {"status__exact": "active"}).status_code == 200


def test_person_change_page_shows_directory_state_read_only_and_keeps_the_login(
    admin_client, school_a
):
    person = PersonFactory(
        school=school_a, login="anna.mueller", dn="uid=anna.mueller,ou=x", uid_number=10001
    )
    url = reverse("admin:accounts_person_change", args=[person.pk])
    page = admin_client.get(url).content.decode()
    assert "uid=anna.mueller,ou=x" in page
    assert 'name="dn"' not in page and 'name="uid_number"' not in page
    assert 'name="login"' not in page
    response = admin_client.post(
        url,
        {
            "first_name": "Anna",
            "last_name": "Schmidt",
            "birth_date": "2015-02-01",
            "short_code": "",
            "school_class": person.school_class_id,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert (person.last_name, person.login, person.uid_number) == ("Schmidt", "anna.mueller", 10001)


def test_person_added_in_the_admin_gets_a_login(admin_client, school_a):
    response = admin_client.post(
        reverse("admin:accounts_person_add"),
        {
            "school": school_a.pk,
            "role": "staff",
            "external_id": "",
            "first_name": "Hans",
            "last_name": "Hauswart",
            "birth_date": "",
            "short_code": "",
            "school_class": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Person.objects.get(last_name="Hauswart").login == "hans.hauswart"


def test_admin_form_shows_the_services_message_next_to_the_field(admin_client, school_a):
    response = admin_client.post(
        reverse("admin:accounts_person_add"),
        {"school": school_a.pk, "role": "teacher", "first_name": "Tom", "last_name": "Kurz"},
    )
    assert response.status_code == 200
    assert "Students and teachers need a date of birth." in response.content.decode()
    assert not Person.objects.filter(last_name="Kurz").exists()


def test_people_cannot_be_deleted_in_the_admin(admin_client, school_a):
    person = PersonFactory(school=school_a)
    response = admin_client.get(reverse("admin:accounts_person_delete", args=[person.pk]))
    assert response.status_code == 403


def test_class_with_students_is_not_deleted_from_the_admin(admin_client, school_a):
    school_class = SchoolClassFactory(school=school_a, name="5a")
    PersonFactory(school=school_a, school_class=school_class)
    url = reverse("admin:accounts_schoolclass_delete", args=[school_class.pk])
    admin_client.post(url, {"post": "yes"})
    assert SchoolClass.objects.filter(pk=school_class.pk).exists()


def test_released_logins_and_sync_runs_are_read_only(admin_client, school_a):
    login = ReleasedLogin.objects.create(login="alt.login", released_at=timezone.now())
    run = DirectorySyncRun.objects.create(school=school_a, duration=datetime.timedelta(seconds=3))
    assert admin_client.get(reverse("admin:accounts_releasedlogin_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:accounts_directorysyncrun_change", args=[run.pk]))
    assert page.status_code == 200
    assert admin_client.get(reverse("admin:accounts_directorysyncrun_add")).status_code == 403
    assert admin_client.get(reverse("admin:accounts_releasedlogin_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:accounts_releasedlogin_delete", args=[login.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert ReleasedLogin.objects.filter(pk=login.pk).exists()


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TEACHER])
def test_staff_who_are_not_it_admins_see_nothing(school_a, role):
    client = Client()
    client.force_login(UserFactory(role=role, is_staff=True, schools=[school_a]))
    person = PersonFactory(school=school_a)
    assert client.get(reverse("admin:accounts_person_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_person_change", args=[person.pk])).status_code == 403
    assert client.get(reverse("admin:accounts_schoolclass_changelist")).status_code == 403


def test_teacher_role_is_kept_on_the_change_page(admin_client, school_a):
    teacher = PersonFactory(school=school_a, role=PersonRole.TEACHER, school_class=None)
    page = admin_client.get(reverse("admin:accounts_person_change", args=[teacher.pk]))
    assert 'name="role"' not in page.content.decode()
