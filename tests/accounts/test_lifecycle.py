import datetime

import pytest

from accounts.lifecycle import people_lifecycle_advance
from accounts.logins import taken_logins
from accounts.models import Person, PersonRole, PersonStatus, ReleasedLogin
from tests.accounts.factories import PersonFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def tolerated(days: int, **kwargs) -> Person:
    return PersonFactory(status=PersonStatus.TOLERATED, tolerated_at=days_ago(days), **kwargs)


def disabled(days: int, **kwargs) -> Person:
    return PersonFactory(
        status=PersonStatus.DISABLED,
        tolerated_at=days_ago(days + 30),
        disabled_at=days_ago(days),
        **kwargs,
    )


def status_of(person: Person) -> str:
    person.refresh_from_db()
    return person.status


def test_a_student_tolerated_for_30_days_is_disabled_one_for_29_days_is_not(school_a):
    due = tolerated(30, school=school_a)
    not_yet = tolerated(29, school=school_a)

    counts = people_lifecycle_advance(TODAY)

    assert counts == {"disable": 1, "delete": 0}
    assert status_of(due) == PersonStatus.DISABLED
    assert due.disabled_at == TODAY
    assert status_of(not_yet) == PersonStatus.TOLERATED


def test_teachers_and_staff_have_the_teachers_periods(school_a):
    teacher_59 = tolerated(59, school=school_a, role=PersonRole.TEACHER)
    teacher_60 = tolerated(60, school=school_a, role=PersonRole.TEACHER)
    staff_60 = tolerated(60, school=school_a, role=PersonRole.STAFF, birth_date=None)
    teacher_disabled_89 = disabled(89, school=school_a, role=PersonRole.TEACHER)
    teacher_disabled_90 = disabled(90, school=school_a, role=PersonRole.TEACHER)

    people_lifecycle_advance(TODAY)

    assert status_of(teacher_59) == PersonStatus.TOLERATED
    assert status_of(teacher_60) == PersonStatus.DISABLED
    assert status_of(staff_60) == PersonStatus.DISABLED
    assert status_of(teacher_disabled_89) == PersonStatus.DISABLED
    assert status_of(teacher_disabled_90) == PersonStatus.DELETED


def test_a_student_disabled_for_60_days_is_deleted_like_the_import_deletes(school_a):
    person = disabled(
        60, school=school_a, login="sean.obrien", first_name="Sean", external_id="4711"
    )
    person_dn = f"uid=sean.obrien,ou=students,ou={school_a.number},dc=example"
    Person.objects.filter(pk=person.pk).update(dn=person_dn)

    assert people_lifecycle_advance(TODAY) == {"disable": 0, "delete": 1}

    person.refresh_from_db()
    assert person.status == PersonStatus.DELETED
    assert person.deleted_at == TODAY
    assert person.login == f"deleted.{person.pk}"
    assert (person.first_name, person.last_name, person.external_id) == ("", "", "")
    assert person.school_class is None
    # The entry's DN stays, for the next sync to remove the entry.
    assert person.dn == person_dn
    assert ReleasedLogin.objects.filter(login="sean.obrien").exists()
    assert "sean.obrien" in taken_logins()


def test_one_run_takes_one_step_a_person_disabled_today_is_not_deleted_today(school_a):
    long_gone = tolerated(400, school=school_a)

    people_lifecycle_advance(TODAY)
    people_lifecycle_advance(TODAY)

    assert status_of(long_gone) == PersonStatus.DISABLED
    assert long_gone.disabled_at == TODAY
    people_lifecycle_advance(TODAY + datetime.timedelta(days=60))
    assert status_of(long_gone) == PersonStatus.DELETED


def test_active_people_and_every_school_are_handled(school_a, school_b):
    active = PersonFactory(school=school_a)
    in_a = tolerated(31, school=school_a)
    in_b = tolerated(31, school=school_b)

    assert people_lifecycle_advance(TODAY) == {"disable": 2, "delete": 0}

    assert status_of(active) == PersonStatus.ACTIVE
    assert status_of(in_a) == status_of(in_b) == PersonStatus.DISABLED


def test_the_periods_follow_the_settings(school_a, settings):
    settings.LERNSTATT_TOLERATE_DAYS_STUDENT = 5
    settings.LERNSTATT_DELETE_DAYS_STUDENT = 7
    short = tolerated(5, school=school_a)
    gone = disabled(7, school=school_a)

    people_lifecycle_advance(TODAY)

    assert status_of(short) == PersonStatus.DISABLED
    assert status_of(gone) == PersonStatus.DELETED


def test_a_step_without_a_date_is_taken_at_once(school_a):
    # Rows from before the dates were recorded: the import treats them as due, so does this.
    person = PersonFactory(school=school_a, status=PersonStatus.TOLERATED, tolerated_at=None)

    people_lifecycle_advance(TODAY)

    assert status_of(person) == PersonStatus.DISABLED


def test_nothing_due_writes_nothing(school_a):
    person = tolerated(3, school=school_a)
    before = Person.objects.get(pk=person.pk).updated_at

    assert people_lifecycle_advance(TODAY) == {"disable": 0, "delete": 0}
    assert Person.objects.get(pk=person.pk).updated_at == before
