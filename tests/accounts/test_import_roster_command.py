"""manage.py import_roster: the same roster import as the API, from a shell."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Person, PersonStatus, SchoolClass
from tests.accounts.factories import PersonFactory
from tests.accounts.roster_files import schild_students, schild_teachers
from tests.factories import UserFactory

ROWS = [
    ("5a", "Müller", "Anna", "01.02.2015", "101"),
    ("6b", "Kaya", "Elif", "04.04.2014", "103"),
]


def run(path, *args):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_roster", str(path), *args, "--language", "en", stdout=out, stderr=err)
    finally:
        run.out, run.err = out.getvalue(), err.getvalue()
    return run.out


@pytest.fixture
def roster(tmp_path):
    def write(data: bytes, name: str = "schueler.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


def test_dry_run_prints_counts_classes_and_leavers_and_writes_nothing(roster, school_a):
    PersonFactory(school=school_a, first_name="Old", last_name="One", login="old.one")
    out = run(
        roster(schild_students(ROWS)), "--school", "165432", "--kind", "students", "--dry-run"
    )
    assert "new                            2" in out
    assert "missing: tolerated             1" in out
    assert "New classes: 5a, 6b" in out
    assert "Missing from the list, tolerated for now:" in out
    assert "One, Old (old.one" in out
    assert "Dry run: nothing was written." in out
    assert "100 %" in run.err
    assert Person.objects.count() == 1
    assert not SchoolClass.objects.filter(name="5a").exists()


def test_import_writes_people_and_tolerates_the_missing(roster, school_a):
    leaver = PersonFactory(school=school_a, login="old.one")
    out = run(roster(schild_students(ROWS)), "--school", "165432", "--kind", "students")
    assert "The list was imported." in out
    assert sorted(Person.objects.exclude(pk=leaver.pk).values_list("login", flat=True)) == [
        "anna.mueller",
        "elif.kaya",
    ]
    leaver.refresh_from_db()
    assert leaver.status == PersonStatus.TOLERATED


def test_rows_with_errors_are_listed_and_nothing_is_written(roster, school_a):
    rows = [*ROWS, ("5a", "Ohne", "Datum", "", "104"), ("", "Ohne", "Klasse", "01.01.2015", "105")]
    with pytest.raises(CommandError, match="Nothing was imported: 2 rows have errors"):
        run(roster(schild_students(rows)), "--school", "165432", "--kind", "students")
    assert "Row 4, Geburtsdatum: The date of birth is missing." in run.out
    assert "Row 5, Klasse: The class is missing." in run.out
    assert not Person.objects.exists()


def test_dry_run_with_errors_fails_too(roster, school_a):
    rows = [("Zander", "Clara", "31.12.2999", "ZAN")]
    with pytest.raises(CommandError):
        run(roster(schild_teachers(rows)), "--school", "165432", "--kind", "teachers", "--dry-run")
    assert "lies in the future" in run.out


def test_wrong_kind_of_file_and_unknown_school_are_clear_errors(roster, school_a):
    path = roster(schild_teachers([("Zander", "Clara", "01.01.1980", "ZAN")]))
    with pytest.raises(CommandError, match="has no column Class; a list of students needs it"):
        run(path, "--school", "165432", "--kind", "students")
    with pytest.raises(CommandError, match="School 999999 not found"):
        run(path, "--school", "999999", "--kind", "teachers")


def test_user_without_the_school_gets_not_found(roster, school_b):
    UserFactory(username="koord", role="coordinator")
    path = roster(schild_students(ROWS))
    with pytest.raises(CommandError, match="School 123456 not found"):
        run(path, "--school", "123456", "--kind", "students", "--user", "koord")
    assert not Person.objects.exists()


def test_missing_file_is_a_clear_error(tmp_path, school_a):
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "fehlt.csv", "--school", "165432", "--kind", "students")
