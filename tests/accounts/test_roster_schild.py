"""Rosters as SchILD-NRW exports them: the Status column, class names in every spelling,
and names whose letters a Windows-1252 export lost."""

import datetime

import pytest
from django.utils import translation

from accounts.models import Person, PersonStatus, SchoolClass
from accounts.rosters import roster_apply, roster_preview
from accounts.rosters.apply import RosterHasErrors
from accounts.rosters.parse import class_name_normal
from tests.accounts.factories import PersonFactory, SchoolClassFactory
from tests.accounts.roster_files import csv_bytes, schild_cp1252

AUTUMN = datetime.date(2026, 9, 1)  # school year 2026/27
HEADER = ("Klasse", "Nachname", "Vorname", "Geburtsdatum", "Interne ID-Nummer", "Status")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def run(actor, school, rows, *, apply=True, header=HEADER, encoding="cp1252"):
    service = roster_apply if apply else roster_preview
    return service(
        actor=actor,
        school=school,
        kind="students",
        data=csv_bytes([header, *rows], encoding=encoding),
        filename="SchuelerExport.csv",
        today=AUTUMN,
    )


def test_only_pupils_with_an_active_status_get_an_account(it_admin, school_a):
    report = run(
        it_admin,
        school_a,
        [
            ("5a", "Becker", "Mia", "01.02.2015", "1", "2"),
            ("5a", "Yilmaz", "Emre", "02.02.2015", "2", "Aktiv"),
            ("5a", "Kaya", "Elif", "03.02.2015", "3", "Beurlaubt"),
            ("5a", "Wolf", "Jan", "04.02.2015", "4", "6"),
            ("10b", "Berg", "Tom", "05.02.2010", "5", "8"),
            ("10b", "Lang", "Ida", "06.02.2010", "6", "Abgang"),
            ("5c", "Neu", "Lea", "07.02.2015", "7", "0"),
            ("5c", "Wart", "Max", "08.02.2015", "8", "Warteliste"),
        ],
    )

    assert [row.outcome for row in report.rows] == ["create"] * 4 + ["skip"] * 4
    assert set(Person.objects.values_list("external_id", flat=True)) == {"1", "2", "3", "4"}
    # No class is made for pupils who get no account.
    assert list(SchoolClass.objects.values_list("name", flat=True)) == ["5a"]
    assert report.rows[4].notes == ["Status 8 (Abschluss)"]


def test_a_leaver_starts_the_lifecycle_as_if_missing_and_a_comeback_reactivates(it_admin, school_a):
    run(it_admin, school_a, [("10b", "Berg", "Tom", "05.02.2010", "5", "2")])

    report = run(it_admin, school_a, [("10b", "Berg", "Tom", "05.02.2010", "5", "Abschluss")])

    assert report.rows[0].outcome == "leave"
    assert report.rows[0].notes == ["Status 8 (Abschluss)", "leaves the school"]
    assert [step.name for step in report.tolerate] == ["Berg, Tom"]
    tom = Person.objects.get(external_id="5")
    assert tom.status == PersonStatus.TOLERATED
    assert tom.tolerated_at == AUTUMN

    again = run(it_admin, school_a, [("10b", "Berg", "Tom", "05.02.2010", "5", "2")])
    assert again.rows[0].outcome == "reactivate"
    assert Person.objects.get(external_id="5").status == PersonStatus.ACTIVE


@pytest.mark.parametrize("value", ["", "4", "aktivv", "Schüler"])
def test_an_unknown_status_is_a_row_error_and_nothing_is_written(it_admin, school_a, value):
    with pytest.raises(RosterHasErrors) as caught:
        run(it_admin, school_a, [("5a", "Becker", "Mia", "01.02.2015", "1", value)])

    [error] = caught.value.report.errors
    assert error["column"] == "Status"
    assert error["row"] == 2
    assert not Person.objects.exists()


def test_the_header_schuelerstatus_is_the_status(it_admin, school_a):
    header = (*HEADER[:-1], "Schülerstatus")
    report = run(
        it_admin, school_a, [("5a", "Becker", "Mia", "01.02.2015", "1", "9")], header=header
    )
    assert report.rows[0].outcome == "skip"


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("05a", "5a"),
        ("5 a", "5a"),
        ("5A", "5a"),
        ("10B", "10b"),
        ("07", "7"),
        ("05 / 1", "5/1"),
        ("5/1", "5/1"),
        ("EF", "EF"),
        ("ef", "EF"),
        ("Q1", "Q1"),
        ("Q2", "Q2"),
        ("Jg.  5", "Jg. 5"),
        ("Förderkurs", "Förderkurs"),
    ],
)
def test_class_names_are_normalised(written, stored):
    assert class_name_normal(written) == stored


def test_three_spellings_of_a_class_are_one_class_and_the_preview_says_so(it_admin, school_a):
    rows = [
        ("05a", "Becker", "Mia", "01.02.2015", "1", "2"),
        ("5 a", "Yilmaz", "Emre", "02.02.2015", "2", "2"),
        ("5A", "Kaya", "Elif", "03.02.2015", "3", "2"),
        ("5a", "Wolf", "Jan", "04.02.2015", "4", "2"),
    ]
    preview = run(it_admin, school_a, rows, apply=False)
    assert preview.new_classes == ["5a"]
    assert preview.class_names == [
        {"written": "05a", "name": "5a", "rows": 1},
        {"written": "5 a", "name": "5a", "rows": 1},
        {"written": "5A", "name": "5a", "rows": 1},
    ]
    assert {row.class_name for row in preview.rows} == {"5a"}

    run(it_admin, school_a, rows)
    assert list(SchoolClass.objects.values_list("name", flat=True)) == ["5a"]
    assert set(Person.objects.values_list("school_class__name", flat=True)) == {"5a"}


def test_an_existing_class_is_found_by_its_normalised_name(it_admin, school_a):
    old = SchoolClassFactory(school=school_a, name="05A", school_year=2026)
    PersonFactory(
        school=school_a,
        school_class=old,
        first_name="Mia",
        last_name="Becker",
        birth_date=datetime.date(2015, 2, 1),
        external_id="1",
    )

    report = run(it_admin, school_a, [("5a", "Becker", "Mia", "01.02.2015", "1", "2")])

    assert report.rows[0].outcome == "unchanged"
    assert report.new_classes == []
    assert SchoolClass.objects.count() == 1


@pytest.mark.parametrize(
    ("last", "first"), [("Yılmaz", "Emre"), ("Öztürk", "Şükrü"), ("Nguyễn", "Lan")]
)
def test_a_name_with_letters_lost_by_a_windows_1252_export_is_refused(
    it_admin, school_a, last, first
):
    # What SchILD writes when it exports as Windows-1252: "?" for each letter it lacks.
    row = ("5a", last, first, "01.02.2015", "1", "2")
    data = schild_cp1252([HEADER, row])
    assert b"?" in data

    with pytest.raises(RosterHasErrors) as caught:
        roster_apply(
            actor=it_admin,
            school=school_a,
            kind="students",
            data=data,
            filename="SchuelerExport.csv",
            today=AUTUMN,
        )

    [error] = caught.value.report.errors
    assert error["column"] in ("Nachname", "Vorname")
    assert "?" in error["message"] and "Unicode" in error["message"]
    assert not Person.objects.exists()


def test_the_same_names_exported_as_unicode_are_imported(it_admin, school_a):
    report = run(
        it_admin,
        school_a,
        [("5a", "Yılmaz", "Şükrü", "01.02.2015", "1", "2")],
        encoding="utf-8-sig",
    )
    assert report.rows[0].login == "suekrue.yilmaz"
    assert Person.objects.get().last_name == "Yılmaz"
