"""The coordinator says who teaches a class on the class page: the teacher then sees the
class's students, and no longer once removed."""

import pytest

from accounts.models import ClassTeacher, PersonRole, PersonStatus
from tests.accounts.factories import PersonFactory, SchoolClassFactory, teaches

pytestmark = pytest.mark.django_db


@pytest.fixture
def school_class(school_a):
    return SchoolClassFactory(school=school_a, name="7c")


@pytest.fixture
def student(school_class):
    return PersonFactory(
        school=school_class.school, school_class=school_class, last_name="Çelik-O'Brien"
    )


@pytest.fixture
def teacher_person(teacher, school_a):
    """The teacher's Person, teaching another class for now."""
    return teaches(teacher, SchoolClassFactory(school=school_a, name="5a"))


def test_the_coordinator_adds_a_class_teacher_and_the_teacher_sees_the_students(
    client_for, coordinator, teacher, teacher_person, school_class, student
):
    assert client_for(teacher).get(f"/people/{student.pk}/").status_code == 404
    client = client_for(coordinator)
    page = client.get(f"/classes/{school_class.pk}/").content.decode()
    assert "Noch keine Lehrkraft unterrichtet diese Klasse" in page
    assert f'value="{teacher_person.pk}"' in page

    response = client.post(
        f"/classes/{school_class.pk}/teachers/",
        {"teacher": teacher_person.pk, "is_class_teacher": "on"},
        follow=True,
    )

    html = response.content.decode()
    assert f"{teacher_person.full_name} unterrichtet jetzt die Klasse 7c." in html
    assert "Klassenleitung" in html
    link = ClassTeacher.objects.get(school_class=school_class)
    assert (link.teacher, link.is_class_teacher) == (teacher_person, True)
    assert client_for(teacher).get(f"/people/{student.pk}/").status_code == 200


def test_removing_the_teacher_takes_the_students_out_of_their_sight(
    client_for, coordinator, teacher, teacher_person, school_class, student
):
    teaches(teacher, school_class)
    client = client_for(coordinator)

    response = client.post(
        f"/classes/{school_class.pk}/teachers/{teacher_person.pk}/remove/", follow=True
    )

    assert "unterrichtet die Klasse 7c nicht mehr" in response.content.decode()
    assert not ClassTeacher.objects.filter(school_class=school_class).exists()
    assert client_for(teacher).get(f"/people/{student.pk}/").status_code == 404


def test_only_a_working_teacher_of_the_school_can_be_added(
    client_for, coordinator, school_class, student, school_b
):
    elsewhere = PersonFactory(school=school_b, role=PersonRole.TEACHER, school_class=None)
    gone = PersonFactory(
        school=school_class.school,
        role=PersonRole.TEACHER,
        school_class=None,
        status=PersonStatus.DISABLED,
    )
    client = client_for(coordinator)
    for forged in (elsewhere.pk, gone.pk, student.pk, "x", ""):
        response = client.post(f"/classes/{school_class.pk}/teachers/", {"teacher": forged})
        assert response.status_code == 422, forged
        html = response.content.decode()
        assert "Bitte wählen Sie eine Lehrkraft aus der Liste." in html
    assert not ClassTeacher.objects.exists()


def test_a_coordinator_of_another_school_cannot_touch_the_class(
    client_for, school_class, teacher_person, school_b
):
    from core.models import Role
    from tests.factories import UserFactory

    other = UserFactory(username="koord-b", role=Role.COORDINATOR, schools=[school_b])
    client = client_for(other)
    url = f"/classes/{school_class.pk}/teachers/"
    assert client.post(url, {"teacher": teacher_person.pk}).status_code == 404
    assert not ClassTeacher.objects.filter(school_class=school_class).exists()


def test_the_teacher_sees_who_teaches_the_class_but_no_form(
    client_for, teacher, teacher_person, school_class
):
    teaches(teacher, school_class, class_teacher=True)
    html = client_for(teacher).get(f"/classes/{school_class.pk}/").content.decode()
    assert teacher_person.sort_name in html and "Klassenleitung" in html
    assert "Lehrkraft hinzufügen" not in html and "Entfernen" not in html
