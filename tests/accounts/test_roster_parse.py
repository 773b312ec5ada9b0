"""Reading roster files: encodings, header spellings, row errors, files that are no roster."""

import codecs
import datetime

import pytest
from django.utils import translation

from accounts.models import Person
from accounts.rosters import roster_preview
from core.errors import FileRejected
from tests.accounts.roster_files import (
    csv_bytes,
    schild_students,
    schild_teachers,
    utf16_tabs,
    xlsx,
)

TODAY = datetime.date(2026, 9, 1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def preview(actor, school, data, *, kind="students", filename="schueler.csv"):
    return roster_preview(
        actor=actor, school=school, kind=kind, data=data, filename=filename, today=TODAY
    )


def test_schild_csv_in_windows_1252_keeps_umlauts_and_writes_nothing(it_admin, school_a):
    data = schild_students(
        [
            ("5a", "Müller", "Jürgen", "03.04.2015", "1001"),
            ("5a", "Weiß", "Zoë", "17.11.2014", "1002"),
        ]
    )
    assert "Müller".encode("cp1252") in data

    report = preview(it_admin, school_a, data)

    assert [(row.outcome, row.name, row.class_name) for row in report.rows] == [
        ("create", "Müller, Jürgen", "5a"),
        ("create", "Weiß, Zoë", "5a"),
    ]
    assert report.new_classes == ["5a"]
    assert report.school_year == 2026
    assert Person.objects.count() == 0


def test_utf16_with_bom_tab_separated_is_read(it_admin, school_a):
    data = utf16_tabs(
        [
            ("Klasse", "Nachname", "Vorname", "Geburtsdatum", "Interne ID-Nummer"),
            ("7b", "Nguyễn", "Thị Lan", "01.02.2013", "77"),
        ]
    )
    report = preview(it_admin, school_a, data, filename="export.txt")
    assert [(row.outcome, row.name) for row in report.rows] == [("create", "Nguyễn, Thị Lan")]


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("iso-8859-1", b"")],
)
def test_comma_separated_in_other_encodings_is_read(it_admin, school_a, encoding, prefix):
    rows = [("Klasse", "Nachname", "Vorname", "Geburtsdatum"), ("6c", "Größe", "Björn", "5.6.2014")]
    data = prefix + csv_bytes(rows, delimiter=",", encoding=encoding)
    report = preview(it_admin, school_a, data)
    assert [(row.outcome, row.name) for row in report.rows] == [("create", "Größe, Björn")]


def test_xlsx_with_headers_in_another_order_and_other_spellings(it_admin, school_a):
    data = xlsx(
        [
            ("Schüler-ID", "Geb.-Datum", "Rufname", "Familienname", "Klasse", "Religion"),
            ("A-17", datetime.datetime(2014, 5, 6), "Ali", "Al-Hassan", "6a", "islam."),
            ("A-18", "07.08.2014", "K", "Schmidt", "6a", None),
        ]
    )
    report = preview(it_admin, school_a, data, filename="klassen.xlsx")
    assert [(row.outcome, row.name, row.class_name) for row in report.rows] == [
        ("create", "Al-Hassan, Ali", "6a"),
        ("create", "Schmidt, K", "6a"),
    ]
    assert report.unknown_columns == ["Religion"]


def test_english_headers_are_understood(it_admin, school_a):
    data = csv_bytes(
        [
            ("ID", "Class", "Last name", "First name", "Date of birth"),
            ("9", "8a", "O'Brien", "Sean", "30.01.2012"),
        ],
        delimiter=",",
    )
    report = preview(it_admin, school_a, data)
    assert [(row.outcome, row.name) for row in report.rows] == [("create", "O'Brien, Sean")]


def test_teachers_file_with_kuerzel(it_admin, school_a):
    data = schild_teachers([("Schäfer", "Eva", "12.12.1980", "SCH")])
    report = preview(it_admin, school_a, data, kind="teachers", filename="lehrer.csv")
    assert [(row.outcome, row.name, row.class_name) for row in report.rows] == [
        ("create", "Schäfer, Eva", "")
    ]
    assert report.new_classes == []


def test_bad_dates_and_missing_names_are_row_errors_with_row_and_column(it_admin, school_a):
    data = schild_students(
        [
            ("5a", "Müller", "Anna", "31.02.2015", "1"),
            ("", "", "", "", ""),
            ("5a", "", "Ben", "01.01.2015", "2"),
            ("5a", "Kaya", "", "", "3"),
            ("", "Lang", "Lea", "01.01.2015", "4"),
            ("5a", "Ok", "Olga", "01.01.2015", "5"),
        ]
    )
    report = preview(it_admin, school_a, data)

    assert [row.outcome for row in report.rows] == ["error"] * 4 + ["create"]
    assert [(e["row"], e["column"]) for e in report.errors] == [
        (2, "Geburtsdatum"),
        (4, "Nachname"),
        (5, "Vorname"),
        (5, "Geburtsdatum"),
        (6, "Klasse"),
    ]
    assert "is not a date" in report.errors[0]["message"]
    assert report.errors[1]["message"] == "The last name is missing."
    assert report.counts["error"] == 4


def test_the_same_person_twice_in_a_file_is_an_error_naming_both_rows(it_admin, school_a):
    data = schild_students(
        [
            ("5a", "Müller", "Anna", "01.01.2015", "1"),
            ("5b", "Meier", "Tom", "02.02.2015", "1"),
            ("5a", "Kaya", "Elif", "03.03.2015", ""),
            ("5b", "KAYA", "Elif", "03.03.2015", ""),
        ]
    )
    report = preview(it_admin, school_a, data)
    messages = {e["row"]: e["message"] for e in report.errors}
    assert messages == {
        2: "ID 1 is also in row 3.",
        3: "ID 1 is also in row 2.",
        4: "The same person (name and date of birth) is also in row 5.",
        5: "The same person (name and date of birth) is also in row 4.",
    }


def test_an_id_in_three_rows_names_the_two_other_rows_in_german(it_admin, school_a):
    data = schild_students(
        [
            ("5a", "Müller", "Anna", "01.01.2015", "7"),
            ("5b", "Meier", "Tom", "02.02.2015", "7"),
            ("6a", "Kaya", "Elif", "03.03.2014", "7"),
        ]
    )
    with translation.override("de"):
        report = preview(it_admin, school_a, data)
    messages = {e["row"]: e["message"] for e in report.errors}
    assert messages[2] == "Die ID 7 steht auch in den Zeilen 3, 4."
    assert messages[4] == "Die ID 7 steht auch in den Zeilen 2, 3."


def test_a_file_without_a_header_row_is_rejected(it_admin, school_a):
    data = csv_bytes([("5a", "Müller", "Anna", "01.01.2015", "1")])
    with pytest.raises(FileRejected) as caught:
        preview(it_admin, school_a, data)
    assert caught.value.code == "no_header"


def test_a_teachers_file_is_not_a_students_roster(it_admin, school_a):
    data = schild_teachers([("Schäfer", "Eva", "12.12.1980", "SCH")])
    with pytest.raises(FileRejected) as caught:
        preview(it_admin, school_a, data)
    assert caught.value.code == "missing_column"
    assert "Class" in caught.value.message
