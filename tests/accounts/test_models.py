import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import translation

from accounts.models import Person, PersonRole, PersonStatus, SchoolClass
from tests.accounts.factories import PersonFactory, SchoolClassFactory


def test_school_year_is_shown_as_schools_write_it(db):
    assert SchoolClassFactory.build(school_year=2026).school_year_label == "2026/27"
    assert SchoolClassFactory.build(school_year=2099).school_year_label == "2099/00"
    assert str(SchoolClassFactory.build(name="5a", school_year=2026)) == "5a (2026/27)"


def test_class_names_are_unique_per_school_and_year_ignoring_case(school_a, school_b):
    SchoolClass.objects.create(school=school_a, name="5a", school_year=2026)
    # The same name is fine next year and at another school.
    SchoolClass.objects.create(school=school_a, name="5a", school_year=2027)
    SchoolClass.objects.create(school=school_b, name="5a", school_year=2026)
    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolClass.objects.create(school=school_a, name="5A", school_year=2026)


def test_school_year_outside_the_plausible_range_is_rejected(school_a):
    school_class = SchoolClass(school=school_a, name="Q1", school_year=26)
    with pytest.raises(ValidationError) as exc:
        school_class.full_clean()
    assert "school_year" in exc.value.error_dict


def test_external_id_is_unique_per_school_when_given(school_a, school_b):
    PersonFactory(school=school_a, external_id="4711")
    PersonFactory(school=school_b, external_id="4711")
    PersonFactory(school=school_a, external_id="")
    PersonFactory(school=school_a, external_id="")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(school=school_a, external_id="4711")


def test_short_code_is_unique_per_school_ignoring_case(school_a, school_b):
    PersonFactory(school=school_a, role=PersonRole.TEACHER, short_code="MUE")
    PersonFactory(school=school_b, role=PersonRole.TEACHER, short_code="MUE")
    PersonFactory(school=school_a, role=PersonRole.TEACHER, short_code="")
    PersonFactory(school=school_a, role=PersonRole.TEACHER, short_code="")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(school=school_a, role=PersonRole.TEACHER, short_code="mue")


def test_login_is_unique_across_the_city(school_a, school_b):
    PersonFactory(school=school_a, login="anna.mueller")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(school=school_b, login="anna.mueller")


def test_a_person_cannot_be_saved_without_a_login(school_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(school=school_a, login="")


@pytest.mark.parametrize(
    "login", ["Anna.Mueller", "anna.müller", ".anna", "anna mueller", "a" * 21, "anna@x"]
)
def test_login_outside_the_allowed_characters_and_length_is_rejected(school_a, login):
    person = PersonFactory.build(school=school_a, school_class=None, role=PersonRole.STAFF)
    person.login = login
    with pytest.raises(ValidationError) as exc:
        person.full_clean()
    assert "login" in exc.value.error_dict


def test_a_valid_person_passes_validation(school_a):
    school_class = SchoolClassFactory(school=school_a)
    person = PersonFactory.build(school=school_a, school_class=school_class, login="a.b-c_9")
    person.full_clean()


def test_only_students_belong_to_a_class(school_a):
    school_class = SchoolClassFactory(school=school_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(school=school_a, role=PersonRole.TEACHER, school_class=school_class)
    teacher = PersonFactory.build(
        school=school_a, role=PersonRole.TEACHER, school_class=school_class
    )
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            teacher.full_clean()
        assert exc.value.message_dict["school_class"] == ["Only students belong to a class."]


def test_a_student_cannot_be_in_a_class_of_another_school(school_a, school_b):
    other_class = SchoolClassFactory(school=school_b)
    student = PersonFactory.build(school=school_a, school_class=other_class)
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            student.full_clean()
        assert exc.value.message_dict["school_class"] == ["The class belongs to another school."]


def test_birth_date_may_be_missing_only_for_staff(school_a):
    PersonFactory(school=school_a, role=PersonRole.STAFF, birth_date=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(school=school_a, role=PersonRole.TEACHER, birth_date=None)
    student = PersonFactory.build(school=school_a, school_class=None, birth_date=None)
    with pytest.raises(ValidationError) as exc:
        student.full_clean()
    assert "birth_date" in exc.value.error_dict


def test_uid_numbers_are_unique_but_may_be_missing(school_a):
    PersonFactory(school=school_a, uid_number=None)
    PersonFactory(school=school_a, uid_number=None)
    PersonFactory(school=school_a, uid_number=10001)
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(school=school_a, uid_number=10001)


def test_a_new_person_is_active_and_not_yet_in_the_directory(school_a):
    person = PersonFactory(school=school_a)
    person.refresh_from_db()
    assert person.status == PersonStatus.ACTIVE
    assert (person.dn, person.uid_number, person.last_synced_at) == ("", None, None)
    assert person.has_working_account


def test_names_are_shown_for_letters_and_class_lists():
    person = Person(first_name="Anna", last_name="Müller", login="anna.mueller")
    assert person.full_name == "Anna Müller"
    assert person.sort_name == "Müller, Anna"
    assert str(person) == "Anna Müller (anna.mueller)"
    assert Person(first_name="", last_name="Müller").sort_name == "Müller"


@pytest.mark.parametrize(
    ("status", "works"),
    [
        (PersonStatus.ACTIVE, True),
        (PersonStatus.TOLERATED, True),
        (PersonStatus.DISABLED, False),
        (PersonStatus.DELETED, False),
    ],
)
def test_only_active_and_tolerated_people_have_a_working_account(status, works):
    assert Person(status=status, birth_date=datetime.date(2014, 1, 1)).has_working_account is works


def test_a_class_with_students_cannot_be_deleted(school_a):
    student = PersonFactory(school=school_a)
    with pytest.raises(ProtectedError):
        student.school_class.delete()
    assert SchoolClass.objects.filter(pk=student.school_class_id).exists()
