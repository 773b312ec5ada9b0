"""Planning and applying a roster: matching, moves, logins, the lifecycle of people who
leave, year rollover, all or nothing."""

import datetime
import json

import pytest
from django.utils import translation

from accounts.models import Person, PersonRole, PersonStatus, ReleasedLogin, SchoolClass
from accounts.rosters import roster_apply, roster_preview
from core.errors import NotFound, PermissionDenied, ValidationFailed
from tests.accounts.roster_files import schild_students, schild_teachers

SPRING = datetime.date(2026, 3, 2)  # school year 2025/26
AUTUMN = datetime.date(2026, 9, 1)  # school year 2026/27

CLASS_5A = [
    ("5a", "Müller", "Anna", "01.02.2015", "101"),
    ("5a", "Müller", "Anna", "09.09.2014", "102"),
    ("5a", "O'Brien", "Sean", "03.03.2015", "103"),
    ("5a", "Nguyễn", "Lan", "04.04.2015", "104"),
    ("5a", "Al-Hassan", "Ali", "05.05.2015", "105"),
    ("5a", "Kaya", "E", "06.06.2015", "106"),
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def run(actor, school, rows, *, today, apply=True, kind="students"):
    build = schild_students if kind == "students" else schild_teachers
    service = roster_apply if apply else roster_preview
    return service(
        actor=actor,
        school=school,
        kind=kind,
        data=build(rows, encoding="utf-8"),
        filename="x.csv",
        today=today,
    )


def logins(school):
    return dict(Person.objects.filter(school=school).values_list("external_id", "login").order_by())


def person(school, external_id):
    return Person.objects.get(school=school, external_id=external_id)


def test_first_import_creates_people_classes_and_logins_and_the_second_changes_nothing(
    it_admin, school_a
):
    report = run(it_admin, school_a, CLASS_5A, today=AUTUMN)

    assert report.applied
    assert report.counts["create"] == 6
    # The report is stored as JSON with the import job, and returned by the API.
    assert json.loads(json.dumps(report.as_dict()))["counts"]["create"] == 6
    assert [row.login for row in report.rows] == [
        "anna.mueller",
        "anna.mueller2",
        "sean.obrien",
        "lan.nguyen",
        "ali.alhassan",
        "e.kaya",
    ]
    assert logins(school_a)["102"] == "anna.mueller2"
    assert list(SchoolClass.objects.values_list("school_id", "name", "school_year")) == [
        (school_a.id, "5a", 2026)
    ]
    assert {p.school_class.name for p in Person.objects.all()} == {"5a"}

    again = run(it_admin, school_a, CLASS_5A, today=AUTUMN)
    assert again.counts["unchanged"] == 6
    assert sum(again.counts.values()) == 6
    assert SchoolClass.objects.count() == 1


def test_a_changed_name_is_an_update_and_keeps_the_login(it_admin, school_a):
    run(it_admin, school_a, CLASS_5A, today=AUTUMN)
    renamed = [("5a", "Schmidt", "Anna", "01.02.2015", "101"), *CLASS_5A[1:]]

    preview = run(it_admin, school_a, renamed, today=AUTUMN, apply=False)
    assert preview.rows[0].outcome == "update"
    assert preview.rows[0].changes == [
        {"field": "last_name", "column": "Nachname", "old": "Müller", "new": "Schmidt"}
    ]
    run(it_admin, school_a, renamed, today=AUTUMN)

    anna = person(school_a, "101")
    assert (anna.last_name, anna.login) == ("Schmidt", "anna.mueller")


def test_without_ids_people_are_matched_by_name_and_birth_date_whatever_the_spelling(
    it_admin, school_a
):
    rows = [("5a", "Müller", "Anna", "01.02.2015", ""), ("5a", "Kaya", "Elif", "02.02.2015", "")]
    run(it_admin, school_a, rows, today=AUTUMN)
    respelled = [
        ("5a", "MUELLER", "anna", "01.02.2015", ""),
        ("5a", "Kaya", "Elif", "02.02.2016", ""),  # another birth date: another person
    ]

    report = run(it_admin, school_a, respelled, today=AUTUMN)

    assert [(row.outcome, row.login) for row in report.rows] == [
        ("update", "anna.mueller"),
        ("create", "elif.kaya2"),
    ]
    assert [step.login for step in report.tolerate] == ["elif.kaya"]


def test_a_changed_class_is_a_move_and_creates_the_class(it_admin, school_a):
    run(it_admin, school_a, CLASS_5A, today=AUTUMN)
    moved = [("5b", *CLASS_5A[2][1:]), *CLASS_5A[:2], *CLASS_5A[3:]]

    report = run(it_admin, school_a, moved, today=AUTUMN)

    assert report.rows[0].outcome == "move"
    assert report.rows[0].changes == [
        {"field": "class_name", "column": "Klasse", "old": "5a", "new": "5b"}
    ]
    assert report.new_classes == ["5b"]
    sean = person(school_a, "103")
    assert (sean.school_class.name, sean.login) == ("5b", "sean.obrien")


def test_missing_students_are_tolerated_then_disabled_then_deleted(it_admin, school_a):
    run(it_admin, school_a, CLASS_5A, today=AUTUMN)
    without_sean = [row for row in CLASS_5A if row[4] != "103"]

    first = run(it_admin, school_a, without_sean, today=AUTUMN)
    assert [(s.login, s.status) for s in first.tolerate] == [("sean.obrien", "active")]
    sean = person(school_a, "103")
    assert (sean.status, sean.tolerated_at) == (PersonStatus.TOLERATED, AUTUMN)

    day_29 = AUTUMN + datetime.timedelta(days=29)
    assert run(it_admin, school_a, without_sean, today=day_29).counts["disable"] == 0
    day_30 = AUTUMN + datetime.timedelta(days=30)
    second = run(it_admin, school_a, without_sean, today=day_30)
    assert [s.login for s in second.disable] == ["sean.obrien"]
    sean.refresh_from_db()
    assert (sean.status, sean.disabled_at) == (PersonStatus.DISABLED, day_30)

    day_89 = day_30 + datetime.timedelta(days=59)
    assert run(it_admin, school_a, without_sean, today=day_89).counts["delete"] == 0
    day_90 = day_30 + datetime.timedelta(days=60)
    preview = run(it_admin, school_a, without_sean, today=day_90, apply=False)
    assert [(s.name, s.login, s.class_name) for s in preview.delete] == [
        ("O'Brien, Sean", "sean.obrien", "5a")
    ]
    run(it_admin, school_a, without_sean, today=day_90)

    sean.refresh_from_db()
    assert sean.status == PersonStatus.DELETED
    assert sean.deleted_at == day_90
    assert (sean.first_name, sean.last_name, sean.external_id) == ("", "", "")
    assert sean.login == f"deleted.{sean.pk}"
    assert ReleasedLogin.objects.filter(login="sean.obrien").exists()

    # The same student coming back later is a new person, and the login stays reserved.
    back = run(it_admin, school_a, CLASS_5A, today=day_90 + datetime.timedelta(days=1))
    assert back.rows[2].outcome == "create"
    assert back.rows[2].login == "sean.obrien2"


def test_a_student_who_reappears_before_deletion_is_active_again_with_the_same_login(
    it_admin, school_a
):
    run(it_admin, school_a, CLASS_5A, today=AUTUMN)
    without_sean = [row for row in CLASS_5A if row[4] != "103"]
    run(it_admin, school_a, without_sean, today=AUTUMN)
    run(it_admin, school_a, without_sean, today=AUTUMN + datetime.timedelta(days=31))
    assert person(school_a, "103").status == PersonStatus.DISABLED

    report = run(it_admin, school_a, CLASS_5A, today=AUTUMN + datetime.timedelta(days=40))

    assert report.rows[2].outcome == "reactivate"
    sean = person(school_a, "103")
    assert (sean.status, sean.login, sean.tolerated_at, sean.disabled_at) == (
        PersonStatus.ACTIVE,
        "sean.obrien",
        None,
        None,
    )


def test_teachers_have_their_own_longer_periods(it_admin, school_a, settings):
    teachers = [("Schäfer", "Eva", "12.12.1980", "SCH"), ("Lang", "Udo", "01.01.1970", "LAN")]
    run(it_admin, school_a, teachers, today=AUTUMN, kind="teachers")
    run(it_admin, school_a, teachers[:1], today=AUTUMN, kind="teachers")

    day_59 = AUTUMN + datetime.timedelta(days=59)
    assert run(it_admin, school_a, teachers[:1], today=day_59, kind="teachers").disable == []
    settings.LERNSTATT_TOLERATE_DAYS_TEACHER = 10
    disabled = run(it_admin, school_a, teachers[:1], today=day_59, kind="teachers")
    assert [s.name for s in disabled.disable] == ["Lang, Udo"]
    # Students are not touched by a teachers' roster.
    assert not Person.objects.filter(role=PersonRole.STUDENT).exists()


def test_a_year_rollover_moves_everyone_and_keeps_their_logins(it_admin, school_a):
    last_year = [
        ("5a", "Müller", "Anna", "01.02.2015", "101"),
        ("5b", "Kaya", "Elif", "06.06.2015", "106"),
    ]
    run(it_admin, school_a, last_year, today=SPRING)
    before = logins(school_a)
    next_year = [("6a", *last_year[0][1:]), ("6b", *last_year[1][1:])]

    report = run(it_admin, school_a, next_year, today=AUTUMN)

    assert [row.outcome for row in report.rows] == ["move", "move"]
    assert report.counts["create"] == report.counts["tolerate"] == 0
    assert logins(school_a) == before
    assert sorted(SchoolClass.objects.values_list("name", "school_year")) == [
        ("5a", 2025),
        ("5b", 2025),
        ("6a", 2026),
        ("6b", 2026),
    ]
    assert person(school_a, "101").school_class.school_year == 2026


def test_the_same_class_name_in_a_new_school_year_is_a_move_to_the_new_class(it_admin, school_a):
    run(it_admin, school_a, CLASS_5A[:1], today=SPRING)
    report = run(it_admin, school_a, CLASS_5A[:1], today=AUTUMN)
    assert report.rows[0].outcome == "move"
    assert person(school_a, "101").school_class.school_year == 2026


def test_a_file_with_errors_writes_nothing_on_apply(it_admin, school_a):
    run(it_admin, school_a, CLASS_5A[:2], today=AUTUMN)
    bad = [
        ("5b", "Müller", "Anna", "01.02.2015", "101"),
        ("5a", "Neu", "Nina", "1.13.2015", "200"),
        ("5a", "", "Max", "01.01.2015", "201"),
    ]

    with pytest.raises(ValidationFailed) as caught:
        run(it_admin, school_a, bad, today=AUTUMN)

    assert [(e["row"], e["column"]) for e in caught.value.errors] == [
        (3, "Geburtsdatum"),
        (4, "Nachname"),
    ]
    assert Person.objects.count() == 2
    assert set(Person.objects.values_list("status", flat=True)) == {PersonStatus.ACTIVE}
    assert person(school_a, "101").school_class.name == "5a"
    assert SchoolClass.objects.count() == 1


def test_a_short_code_of_another_teacher_is_a_row_error(it_admin, school_a):
    run(
        it_admin, school_a, [("Schäfer", "Eva", "12.12.1980", "SCH")], today=AUTUMN, kind="teachers"
    )
    rows = [("Schäfer", "Eva", "12.12.1980", "SCH"), ("Schulz", "Ida", "02.02.1982", "sch")]
    report = run(it_admin, school_a, rows, today=AUTUMN, kind="teachers", apply=False)
    assert [row.outcome for row in report.rows] == ["unchanged", "error"]
    assert report.errors[0]["message"] == "The short code sch is also in row 2."


def test_only_actors_who_may_import_for_the_school_may_preview(
    teacher, coordinator, school_a, school_b
):
    with pytest.raises(PermissionDenied):
        run(teacher, school_a, CLASS_5A, today=AUTUMN, apply=False)
    with pytest.raises(NotFound):
        run(coordinator, school_b, CLASS_5A, today=AUTUMN, apply=False)
    report = run(coordinator, school_a, CLASS_5A, today=AUTUMN)
    assert report.counts["create"] == 6


def test_names_without_latin_spelling_match_again_on_the_next_import(it_admin, school_a):
    rows = [("5a", "李", "小龙", "01.02.2015", ""), ("5a", "王", "芳", "02.02.2015", "")]
    first = run(it_admin, school_a, rows, today=AUTUMN)
    assert [row.login for row in first.rows] == ["user", "user2"]

    again = run(it_admin, school_a, rows, today=AUTUMN)
    assert [row.outcome for row in again.rows] == ["unchanged", "unchanged"]


def test_a_birth_date_in_the_future_is_a_row_error(it_admin, school_a):
    rows = [("5a", "Zukunft", "Zoe", "02.09.2026", "1")]
    report = run(it_admin, school_a, rows, today=AUTUMN, apply=False)
    assert report.errors == [
        {
            "row": 2,
            "column": "Geburtsdatum",
            "message": "The date of birth 02.09.2026 lies in the future.",
        }
    ]


def test_apply_takes_the_same_few_queries_for_a_large_class_list(
    it_admin, school_a, django_assert_max_num_queries
):
    def students(count):
        return [
            (f"{5 + n % 6}{'abc'[n % 3]}", f"Name{n}", "Kim", "01.01.2014", str(n))
            for n in range(count)
        ]

    run(it_admin, school_a, students(300), today=AUTUMN)
    changed = [(f"{6 + n % 6}x", *row[1:]) for n, row in enumerate(students(300))]
    with django_assert_max_num_queries(15):
        report = run(it_admin, school_a, changed, today=AUTUMN)
    assert report.counts["move"] == 300
