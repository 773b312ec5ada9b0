"""A teacher reaches the students of the classes they teach and no one else of their
school: tried through every page and endpoint that shows or acts on people. The link is
ClassTeacher, from the teacher's Person (linked to their Lernstatt user), never a name."""

import pytest

from accounts.models import ClassTeacher, PersonRole
from tests.accounts.factories import PersonFactory, SchoolClassFactory, teaches
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(school_a, teacher):
    """Class 5a (the teacher's) with Mia, class 6b (a colleague's) with Olga, and the
    colleague Kurt, all of school A."""
    mine = SchoolClassFactory(school=school_a, name="5a")
    theirs = SchoolClassFactory(school=school_a, name="6b")
    me = teaches(teacher, mine)
    mia = PersonFactory(school=school_a, school_class=mine, first_name="Mia", last_name="Meins")
    olga = PersonFactory(
        school=school_a, school_class=theirs, first_name="Olga", last_name="Fremdklasse"
    )
    kurt = PersonFactory(
        school=school_a,
        role=PersonRole.TEACHER,
        school_class=None,
        first_name="Kurt",
        last_name="Kollegenname",
    )
    ClassTeacher.objects.create(school_class=theirs, teacher=kurt, is_class_teacher=True)
    return {"mine": mine, "theirs": theirs, "me": me, "mia": mia, "olga": olga, "kurt": kurt}


def test_the_people_and_class_pages_show_only_the_teachers_classes(client_for, teacher, world):
    client = client_for(teacher)
    people = client.get("/people/").content.decode()
    assert "Meins" in people
    assert "Fremdklasse" not in people and "Kollegenname" not in people
    found = client.get("/people/", {"q": "Olga"}).content.decode()
    assert "Fremdklasse" not in found
    classes = client.get("/classes/").content.decode()
    assert "5a" in classes and "6b" not in classes

    assert client.get(f"/people/{world['mia'].pk}/").status_code == 200
    for other in ("olga", "kurt"):
        assert client.get(f"/people/{world[other].pk}/").status_code == 404
        assert client.get(f"/people/{world[other].pk}/password-reset/").status_code == 404
    assert client.get(f"/classes/{world['mine'].pk}/").status_code == 200
    assert client.get(f"/classes/{world['theirs'].pk}/").status_code == 404


def test_the_api_answers_a_teacher_only_for_their_classes(client_for, teacher, world):
    client = client_for(teacher, language="en")
    people = client.get("/api/v1/people").json()["items"]
    assert {p["last_name"] for p in people} == {"Meins", world["me"].last_name}
    assert [c["name"] for c in client.get("/api/v1/classes").json()["items"]] == ["5a"]
    for other in ("olga", "kurt"):
        assert client.get(f"/api/v1/people/{world[other].pk}").status_code == 404
        assert client.post(f"/api/v1/people/{world[other].pk}/password-reset").status_code == 404
    assert client.get(f"/api/v1/classes/{world['theirs'].pk}").status_code == 404
    # Filtering by the other class finds no one rather than an error that confirms it.
    assert client.get("/api/v1/people", {"school_class": world["theirs"].pk}).json()["count"] == 0


def test_a_teacher_requests_no_loan_for_a_student_of_another_class(client_for, teacher, world):
    client = client_for(teacher, language="en")
    form = client.get(f"/loans/new/?school_class={world['theirs'].pk}")
    assert "Fremdklasse" not in form.content.decode()
    response = client.post(
        "/api/v1/loans",
        {
            "students": [world["olga"].pk],
            "category": "laptop",
            "starts_on": "2030-01-07",
            "ends_on": "2030-02-07",
            "reason": "distance_learning",
        },
        content_type="application/json",
    )
    assert response.status_code == 404
    assert "Olga" not in response.content.decode()


def test_the_class_lists_are_the_teachers_classes_only(client_for, teacher, world, school_a):
    client = client_for(teacher, language="en")
    response = client.post(
        "/api/v1/class-lists",
        {"school": school_a.number, "classes": [world["theirs"].pk]},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_a_teacher_without_a_linked_person_sees_no_student(client_for, school_a, world):
    """A teacher user whom no Person (and so no class) is linked to: nobody, not the
    whole school."""
    stranger = UserFactory(username="neu", role="teacher", schools=[school_a])
    client = client_for(stranger)
    assert client.get("/api/v1/people").json()["count"] == 0
    assert client.get(f"/people/{world['mia'].pk}/").status_code == 404


def test_a_teacher_named_like_the_class_teacher_gets_nothing_from_the_name(
    client_for, school_a, world
):
    """Identity comes from the link to the user, never from a matching name or login."""
    kurt = world["kurt"]
    twin = UserFactory(
        username=kurt.login,
        first_name=kurt.first_name,
        last_name=kurt.last_name,
        role="teacher",
        schools=[school_a],
    )
    client = client_for(twin)
    assert client.get(f"/people/{world['olga'].pk}/").status_code == 404
    assert client.get("/api/v1/people").json()["count"] == 0


def test_a_teacher_may_not_change_who_teaches_a_class(client_for, teacher, world):
    client = client_for(teacher)
    url = f"/classes/{world['theirs'].pk}/teachers/"
    assert client.post(url, {"teacher": world["me"].pk}).status_code == 403
    assert (
        client.post(
            f"/classes/{world['mine'].pk}/teachers/", {"teacher": world["kurt"].pk}
        ).status_code
        == 403
    )
    remove = f"/classes/{world['theirs'].pk}/teachers/{world['kurt'].pk}/remove/"
    assert client.post(remove).status_code == 403
    assert set(ClassTeacher.objects.values_list("teacher__last_name", flat=True)) == {
        world["me"].last_name,
        "Kollegenname",
    }
