"""Classes and people over the API: scoped reads, private fields, edits that keep the login,
and validation errors that name the field."""

import datetime
import json

import pytest

from accounts.models import Person, PersonRole, PersonStatus, SchoolClass
from tests.accounts.factories import PersonFactory, SchoolClassFactory, teaches


def patch(client, url, data):
    return client.patch(url, json.dumps(data), "application/json")


def post(client, url, data):
    return client.post(url, json.dumps(data), "application/json")


@pytest.fixture
def class_5a(school_a):
    return SchoolClassFactory(school=school_a, name="5a", school_year=2026)


@pytest.fixture
def anna(school_a, class_5a):
    return PersonFactory(
        school=school_a,
        school_class=class_5a,
        first_name="Anna",
        last_name="Müller",
        login="anna.mueller",
        external_id="4711",
        birth_date=datetime.date(2015, 2, 1),
    )


def test_teacher_sees_the_students_of_their_classes_without_birth_dates_and_ids(
    client_for, teacher, anna, class_5a, school_a, school_b
):
    me = teaches(teacher, class_5a)
    PersonFactory(school=school_b, last_name="Fremd")
    PersonFactory(school=school_a, last_name="Andereklasse")
    PersonFactory(school=school_a, role=PersonRole.TEACHER, school_class=None, last_name="Kollege")
    response = client_for(teacher).get("/api/v1/people")
    assert response.status_code == 200
    body = response.json()
    assert {item["last_name"] for item in body["items"]} == {"Müller", me.last_name}
    (row,) = [item for item in body["items"] if item["last_name"] == "Müller"]
    assert (row["login"], row["school_class"]["name"], row["school"]["number"]) == (
        "anna.mueller",
        "5a",
        "165432",
    )
    assert row["birth_date"] is None
    assert row["external_id"] is None


def test_coordinator_sees_birth_date_and_id(client_for, coordinator, anna):
    row = client_for(coordinator).get(f"/api/v1/people/{anna.pk}").json()
    assert row["birth_date"] == "2015-02-01"
    assert row["external_id"] == "4711"


def test_person_and_class_of_another_school_are_not_found(client_for, teacher, school_b):
    other = PersonFactory(school=school_b)
    client = client_for(teacher, language="en")
    response = client.get(f"/api/v1/people/{other.pk}")
    assert response.status_code == 404
    assert response.json()["message"] == "Person not found."
    assert client.get(f"/api/v1/classes/{other.school_class_id}").status_code == 404


def test_people_are_filtered_searched_and_ordered(client_for, coordinator, school_a, anna):
    class_6b = SchoolClassFactory(school=school_a, name="6b")
    PersonFactory(school=school_a, school_class=class_6b, first_name="Ben", last_name="Adler")
    PersonFactory(school=school_a, role=PersonRole.TEACHER, first_name="Clara", last_name="Zander")
    PersonFactory(school=school_a, status=PersonStatus.TOLERATED, last_name="Weg")
    PersonFactory(school=school_a, status=PersonStatus.DELETED, last_name="", first_name="")
    client = client_for(coordinator)

    def names(**params):
        items = client.get("/api/v1/people", params).json()["items"]
        return [item["last_name"] for item in items]

    assert names() == ["Adler", "Müller", "Weg", "Zander"]  # the deleted are left out
    assert names(ordering="-last_name") == ["Zander", "Weg", "Müller", "Adler"]
    assert names(school_class=class_6b.pk) == ["Adler"]
    assert names(role="teacher") == ["Zander"]
    assert names(status="tolerated") == ["Weg"]
    assert names(status="deleted") == [""]
    assert names(q="ann mül") == ["Müller"]
    assert names(q="anna.mu") == ["Müller"]
    assert names(school="123456") == []


def test_unknown_ordering_names_the_field(client_for, coordinator):
    response = client_for(coordinator, language="en").get("/api/v1/people?ordering=password")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "ordering"
    assert "Sort by one of" in error["message"]


def test_people_list_takes_the_same_queries_for_few_and_many(
    client_for, coordinator, school_a, django_assert_num_queries
):
    client = client_for(coordinator)
    PersonFactory.create_batch(2, school=school_a)
    client.get("/api/v1/people")  # session and user loaded once
    with django_assert_num_queries(5) as few:
        client.get("/api/v1/people")
    PersonFactory.create_batch(30, school=school_a)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/people")
    assert response.json()["count"] == 32


def test_staff_member_gets_a_login_and_a_namesake_a_numbered_one(
    client_for, coordinator, school_a, anna
):
    client = client_for(coordinator)
    response = post(
        client,
        "/api/v1/people",
        {"school": "165432", "role": "staff", "first_name": "Anna", "last_name": "Müller"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["login"] == "anna.mueller2"
    assert response.json()["birth_date"] is None
    assert Person.objects.get(login="anna.mueller2").role == PersonRole.STAFF


def test_new_person_errors_name_each_field(client_for, coordinator, school_a, class_5a):
    client = client_for(coordinator, language="en")
    response = post(
        client,
        "/api/v1/people",
        {
            "school": "165432",
            "role": "teacher",
            "first_name": "Tom",
            "last_name": "",
            "school_class": class_5a.pk,
        },
    )
    assert response.status_code == 422
    errors = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert errors == {
        "last_name": "This field cannot be blank.",
        "school_class": "Only students belong to a class.",
        "birth_date": "Students and teachers need a date of birth.",
    }
    assert not Person.objects.filter(first_name="Tom").exists()


def test_class_of_another_school_is_not_found_for_a_new_person(client_for, coordinator, school_b):
    other_class = SchoolClassFactory(school=school_b)
    response = post(
        client_for(coordinator, language="en"),
        "/api/v1/people",
        {
            "school": "165432",
            "role": "student",
            "first_name": "Tom",
            "last_name": "Kurz",
            "birth_date": "2015-01-01",
            "school_class": other_class.pk,
        },
    )
    assert response.status_code == 404
    assert response.json()["errors"] == [{"field": "school_class", "message": "Class not found."}]


def test_short_code_taken_in_the_school_is_refused(client_for, coordinator, school_a):
    PersonFactory(school=school_a, role=PersonRole.TEACHER, short_code="MÜL")
    response = post(
        client_for(coordinator, language="en"),
        "/api/v1/people",
        {
            "school": "165432",
            "role": "teacher",
            "first_name": "Max",
            "last_name": "Müller",
            "birth_date": "1980-01-01",
            "short_code": "mül",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "short_code", "message": "The short code mül already belongs to someone else."}
    ]


def test_new_name_keeps_the_login_and_a_move_changes_the_class(
    client_for, coordinator, school_a, anna
):
    class_6a = SchoolClassFactory(school=school_a, name="6a")
    response = patch(
        client_for(coordinator),
        f"/api/v1/people/{anna.pk}",
        {"last_name": "Schmidt", "school_class": class_6a.pk},
    )
    assert response.status_code == 200, response.content
    anna.refresh_from_db()
    assert (anna.last_name, anna.login, anna.school_class) == ("Schmidt", "anna.mueller", class_6a)


def test_patch_refuses_null_name_unknown_fields_and_deleted_people(
    client_for, coordinator, school_a, anna
):
    client = client_for(coordinator, language="en")
    response = patch(client, f"/api/v1/people/{anna.pk}", {"first_name": None, "login": "x"})
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"first_name", "login"}
    gone = PersonFactory(school=school_a, status=PersonStatus.DELETED, school_class=None)
    response = patch(client, f"/api/v1/people/{gone.pk}", {"first_name": "Wieder"})
    assert response.status_code == 409


def test_teacher_may_not_change_people(client_for, teacher, anna):
    assert (
        patch(client_for(teacher), f"/api/v1/people/{anna.pk}", {"first_name": "X"}).status_code
        == 403
    )


def test_classes_are_listed_with_their_students_and_filtered(
    client_for, teacher, school_a, anna, class_5a
):
    teaches(teacher, class_5a, SchoolClassFactory(school=school_a, name="Q1", school_year=2025))
    SchoolClassFactory(school=school_a, name="6c")  # not the teacher's
    client = client_for(teacher)
    items = client.get("/api/v1/classes").json()["items"]
    assert [(c["name"], c["school_year_label"], c["student_count"]) for c in items] == [
        ("5a", "2026/27", 1),
        ("Q1", "2025/26", 0),
    ]
    assert [c["name"] for c in client.get("/api/v1/classes?school_year=2025").json()["items"]] == [
        "Q1"
    ]
    assert [c["name"] for c in client.get("/api/v1/classes?q=q").json()["items"]] == ["Q1"]


def test_class_name_is_unique_per_school_and_year_case_ignored(client_for, coordinator, class_5a):
    client = client_for(coordinator, language="en")
    response = post(
        client, "/api/v1/classes", {"school": "165432", "name": "5A", "school_year": 2026}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "name", "message": "There is already a class 5A in 2026/27."}
    ]
    response = post(
        client, "/api/v1/classes", {"school": "165432", "name": "5A", "school_year": 2027}
    )
    assert response.status_code == 201
    assert response.json()["school_year_label"] == "2027/28"


def test_school_year_out_of_range_names_the_field(client_for, coordinator, school_a):
    response = post(
        client_for(coordinator, language="en"),
        "/api/v1/classes",
        {"school": "165432", "name": "7c", "school_year": 1999},
    )
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["school_year"]


def test_class_with_students_cannot_be_deleted_an_empty_one_can(
    client_for, coordinator, class_5a, anna, school_a
):
    client = client_for(coordinator, language="en")
    response = client.delete(f"/api/v1/classes/{class_5a.pk}")
    assert response.status_code == 409
    assert response.json()["message"] == (
        "Class 5a still has 1 student; move them to another class first."
    )
    empty = SchoolClassFactory(school=school_a, name="9z")
    assert client.delete(f"/api/v1/classes/{empty.pk}").status_code == 204
    assert not SchoolClass.objects.filter(pk=empty.pk).exists()


def test_class_rename_keeps_its_students(client_for, coordinator, class_5a, anna):
    response = patch(client_for(coordinator), f"/api/v1/classes/{class_5a.pk}", {"name": "6a"})
    assert response.status_code == 200
    assert response.json()["student_count"] == 1
    anna.refresh_from_db()
    assert anna.school_class.name == "6a"


def test_the_coordinator_sets_who_teaches_a_class_over_the_api(
    client_for, coordinator, teacher, anna, class_5a, school_a
):
    me = teaches(teacher, SchoolClassFactory(school=school_a, name="9z"))
    admin = client_for(coordinator, language="en")
    url = f"/api/v1/classes/{class_5a.pk}/teachers"
    assert client_for(teacher).get(f"/api/v1/people/{anna.pk}").status_code == 404

    response = admin.put(
        f"{url}/{me.pk}", json.dumps({"is_class_teacher": True}), content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json() == {
        "person_id": me.pk,
        "name": me.sort_name,
        "short_code": me.short_code,
        "is_class_teacher": True,
    }
    assert [t["person_id"] for t in admin.get(url).json()] == [me.pk]
    assert client_for(teacher).get(f"/api/v1/people/{anna.pk}").status_code == 200
    # A student is no teacher: the field is named.
    refused = admin.put(f"{url}/{anna.pk}", "{}", content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "teacher"

    assert admin.delete(f"{url}/{me.pk}").status_code == 204
    assert admin.delete(f"{url}/{me.pk}").status_code == 404
    assert client_for(teacher).get(f"/api/v1/people/{anna.pk}").status_code == 404
