"""Who looked at or changed whose data is recorded in one log that IT admins read."""

import datetime

import pytest
from django.utils import timezone

from accounts.access_log import access_log_record
from accounts.classlists import class_lists_download
from accounts.directory.apply import directory_apply
from accounts.models import AccessLogEntry
from accounts.password_reset import password_reset
from accounts.rosters import school_year_of
from privacy.retention import privacy_retention_run
from tests.accounts.factories import PersonFactory, SchoolClassFactory, teaches

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(school_a, teacher):
    """A student of class 5a, which the teacher teaches."""
    anna = PersonFactory(
        school=school_a,
        school_class=SchoolClassFactory(school=school_a, name="5a", school_year=2026),
        first_name="Anna",
        last_name="Müller",
        login="anna.mueller",
    )
    teaches(teacher, anna.school_class)
    return anna


def entries(person):
    return list(
        AccessLogEntry.objects.filter(person=person).values_list("actor_name", "action", "via")
    )


def test_viewing_a_person_over_the_api_is_recorded(client_for, coordinator, anna):
    response = client_for(coordinator).get(f"/api/v1/people/{anna.pk}")

    assert response.status_code == 200
    assert entries(anna) == [("koord", "view", "api")]
    assert AccessLogEntry.objects.get().actor_id == coordinator.pk


def test_viewing_a_person_on_the_web_page_is_recorded(client_for, teacher, anna):
    response = client_for(teacher).get(f"/people/{anna.pk}/")

    assert response.status_code == 200
    assert entries(anna) == [("lehrer", "view", "web")]


def test_a_person_out_of_reach_leaves_no_entry(client_for, teacher, school_b):
    other = PersonFactory(school=school_b)

    response = client_for(teacher).get(f"/api/v1/people/{other.pk}")

    assert response.status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_lists_and_searches_are_not_recorded(client_for, coordinator, anna):
    client = client_for(coordinator)
    assert client.get("/api/v1/people", {"q": "Anna"}).status_code == 200
    assert client.get("/people/", {"q": "Anna"}).status_code == 200

    assert not AccessLogEntry.objects.exists()


def test_a_change_is_recorded_with_the_fields(client_for, coordinator, anna):
    response = client_for(coordinator).patch(
        f"/api/v1/people/{anna.pk}", {"first_name": "Anne"}, content_type="application/json"
    )

    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.via, entry.detail) == ("change", "api", "first_name")


def test_a_refused_change_leaves_no_entry(client_for, coordinator, anna):
    response = client_for(coordinator).patch(
        f"/api/v1/people/{anna.pk}", {"first_name": ""}, content_type="application/json"
    )

    assert response.status_code == 422
    assert not AccessLogEntry.objects.exists()


@pytest.mark.integration
def test_a_teachers_password_reset_is_recorded(ldap_directory, anna, it_admin, teacher):
    assert directory_apply(actor=it_admin).errors == []

    password_reset(actor=teacher, person_id=anna.pk)

    assert entries(anna) == [("lehrer", "password_reset", "api")]


def test_a_class_list_records_everyone_on_it(coordinator, school_a):
    this_year = SchoolClassFactory(school=school_a, name="6b", school_year=_school_year())
    students = [PersonFactory(school=school_a, school_class=this_year) for _ in range(5)]

    class_lists_download(actor=coordinator, school_number=school_a.number, classes=[this_year.pk])

    assert sorted(AccessLogEntry.objects.values_list("person_id", flat=True)) == sorted(
        p.pk for p in students
    )
    assert set(AccessLogEntry.objects.values_list("actor_name", "action", "via")) == {
        ("koord", "class_list", "api")
    }


def _school_year() -> int:
    return school_year_of(timezone.localdate())


def test_the_it_admin_reads_the_log_filtered_by_person_and_actor(
    client_for, it_admin, coordinator, teacher, anna, school_a, django_assert_max_num_queries
):
    bert = PersonFactory(school=school_a)
    access_log_record(actor=teacher, action="view", via="web", people=[anna])
    access_log_record(actor=coordinator, action="view", via="api", people=[anna, bert])
    for _ in range(20):
        access_log_record(actor=coordinator, action="view", via="api", people=[bert])
    client = client_for(it_admin)

    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/access-log", {"person": anna.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(e["actor"], e["via"], e["person"]) for e in body["items"]] == [
        ("koord", "api", anna.pk),
        ("lehrer", "web", anna.pk),
    ]
    by_teacher = client.get("/api/v1/access-log", {"actor": "LEHRER"}).json()
    assert [e["person"] for e in by_teacher["items"]] == [anna.pk]
    with django_assert_max_num_queries(6):
        page = client.get("/api/v1/access-log", {"limit": 5}).json()
    assert page["count"] == 23 and len(page["items"]) == 5


@pytest.mark.parametrize("role", ["coordinator", "teacher", "city_staff"])
def test_only_it_admins_read_the_log(client_for, role_users, role, anna):
    access_log_record(actor=role_users["it_admin"], action="view", via="api", people=[anna])

    response = client_for(role_users[role]).get("/api/v1/access-log")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_bad_filter_values_are_refused_naming_the_field(client_for, it_admin):
    response = client_for(it_admin).get("/api/v1/access-log", {"person": "zwei"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["person"]


def test_entries_older_than_the_period_are_purged(settings, it_admin, anna):
    settings.LERNSTATT_ACCESS_LOG_DAYS = 365
    access_log_record(actor=it_admin, action="view", via="api", people=[anna])
    access_log_record(actor=it_admin, action="change", via="web", people=[anna])
    old, recent = AccessLogEntry.objects.order_by("pk")
    AccessLogEntry.objects.filter(pk=old.pk).update(
        at=timezone.now() - datetime.timedelta(days=366)
    )
    AccessLogEntry.objects.filter(pk=recent.pk).update(
        at=timezone.now() - datetime.timedelta(days=364)
    )

    assert privacy_retention_run(dry_run=True)["access_log_deleted"] == 1
    assert AccessLogEntry.objects.count() == 2
    counts = privacy_retention_run()

    assert counts["access_log_deleted"] == 1
    assert list(AccessLogEntry.objects.values_list("pk", flat=True)) == [recent.pk]


def test_the_admin_shows_the_log_read_only(client_for, it_admin, anna):
    access_log_record(actor=it_admin, action="view", via="api", people=[anna])
    it_admin.is_staff = True
    it_admin.save()
    client = client_for(it_admin)

    listing = client.get("/admin/accounts/accesslogentry/")
    entry = AccessLogEntry.objects.get()
    change = client.get(f"/admin/accounts/accesslogentry/{entry.pk}/change/")

    assert listing.status_code == 200 and "Anna Müller" in listing.content.decode()
    assert change.status_code == 200
    assert client.get("/admin/accounts/accesslogentry/add/").status_code == 403
