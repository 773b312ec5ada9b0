"""The class teacher column of a SchILD-NRW student export ("Klassenlehrer", the Kürzel):
the preview names the teachers it means, the import makes them the class teachers, and a
Kürzel no teacher has changes nothing and says so."""

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from accounts.models import ClassTeacher, Person, PersonRole, PersonStatus, SchoolClass
from accounts.rosters import roster_apply, roster_preview
from tests.accounts.factories import PersonFactory, SchoolClassFactory
from tests.accounts.roster_files import csv_bytes, xlsx
from tests.conftest import service_missing

pytestmark = pytest.mark.django_db

AUTUMN = datetime.date(2026, 9, 1)  # school year 2026/27
HEADER = ("Klasse", "Nachname", "Vorname", "Geburtsdatum", "Interne ID-Nummer", "Klassenlehrer")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def teachers(school_a):
    def teacher(last, code, **kwargs):
        return PersonFactory(
            school=school_a,
            role=PersonRole.TEACHER,
            school_class=None,
            first_name="Ute",
            last_name=last,
            short_code=code,
            birth_date=datetime.date(1975, 1, 1),
            **kwargs,
        )

    return {
        "mül": teacher("Müller", "MÜL"),
        "obr": teacher("O'Brien", "OBR"),
        "alt": teacher("Altmann", "ALT"),
        "weg": teacher("Weggang", "WEG", status=PersonStatus.DISABLED),
    }


def run(actor, school, rows, *, apply=True, data=None):
    service = roster_apply if apply else roster_preview
    return service(
        actor=actor,
        school=school,
        kind="students",
        data=data or csv_bytes([HEADER, *rows], encoding="cp1252"),
        filename="SchuelerExport.csv",
        today=AUTUMN,
    )


def class_teachers(name: str) -> set[tuple[str, bool]]:
    return set(
        ClassTeacher.objects.filter(school_class__name=name).values_list(
            "teacher__short_code", "is_class_teacher"
        )
    )


def test_the_kuerzel_of_the_file_become_the_class_teachers(it_admin, school_a, teachers):
    rows = [
        ("5a", "Becker", "Mia", "01.02.2015", "1", "MÜL"),
        ("5a", "Wolf", "Jan", "04.02.2015", "2", "MÜL"),
        ("6b", "Kaya", "Elif", "03.02.2014", "3", "obr, ALT"),
    ]
    preview = run(it_admin, school_a, rows, apply=False)
    assert preview.class_teachers == [
        {"class_name": "5a", "teachers": ["Müller, Ute (MÜL)"], "unknown": []},
        {
            "class_name": "6b",
            "teachers": ["O'Brien, Ute (OBR)", "Altmann, Ute (ALT)"],
            "unknown": [],
        },
    ]
    assert not ClassTeacher.objects.exists()

    report = run(it_admin, school_a, rows)

    assert report.class_teachers == preview.class_teachers
    assert class_teachers("5a") == {("MÜL", True)}
    assert class_teachers("6b") == {("OBR", True), ("ALT", True)}


def test_a_kuerzel_no_working_teacher_has_changes_nothing_and_is_named(
    it_admin, school_a, teachers
):
    school_class = SchoolClassFactory(school=school_a, name="5a", school_year=2026)
    ClassTeacher.objects.create(
        school_class=school_class, teacher=teachers["alt"], is_class_teacher=True
    )
    rows = [
        ("5a", "Becker", "Mia", "01.02.2015", "1", "MÜL/XYZ"),
        ("5a", "Wolf", "Jan", "04.02.2015", "2", "WEG"),
    ]

    report = run(it_admin, school_a, rows)

    (entry,) = report.class_teachers
    assert entry["unknown"] == ["XYZ", "WEG"]
    assert entry["message"].startswith(
        "No teacher of the school has the short codes XYZ, WEG, so the class teachers of 5a "
        "stay as they are"
    )
    # The students are imported; the class keeps the class teacher it had.
    assert report.counts["create"] == 2
    assert class_teachers("5a") == {("ALT", True)}


def test_a_new_class_teacher_takes_over_and_the_former_one_teaches_on(it_admin, school_a, teachers):
    school_class = SchoolClassFactory(school=school_a, name="5a", school_year=2026)
    ClassTeacher.objects.create(
        school_class=school_class, teacher=teachers["alt"], is_class_teacher=True
    )
    ClassTeacher.objects.create(school_class=school_class, teacher=teachers["obr"])

    run(it_admin, school_a, [("5a", "Becker", "Mia", "01.02.2015", "1", "MÜL")])

    assert class_teachers("5a") == {("MÜL", True), ("ALT", False), ("OBR", False)}


def test_empty_cells_leave_the_class_teachers_alone(it_admin, school_a, teachers):
    school_class = SchoolClassFactory(school=school_a, name="5a", school_year=2026)
    ClassTeacher.objects.create(
        school_class=school_class, teacher=teachers["alt"], is_class_teacher=True
    )

    report = run(it_admin, school_a, [("5a", "Becker", "Mia", "01.02.2015", "1", "")])

    assert report.class_teachers == []
    assert class_teachers("5a") == {("ALT", True)}


def test_an_excel_export_with_the_column_named_klassenleitung(it_admin, school_a, teachers):
    header = ("Klasse", "Nachname", "Vorname", "Geburtsdatum", "Klassenleitung")
    data = xlsx([header, ("05A", "Becker", "Mia", datetime.date(2015, 2, 1), "mül")])

    run(it_admin, school_a, [], data=data)

    assert SchoolClass.objects.get().name == "5a"
    assert class_teachers("5a") == {("MÜL", True)}


@pytest.mark.integration
def test_a_workbook_saved_by_libreoffice_sets_the_class_teachers(
    it_admin, school_a, teachers, tmp_path
):
    """The office's list as LibreOffice Calc writes it (a CSV opened and saved as .xlsx by
    LibreOffice headless, with a profile of its own), not as our writer would."""
    soffice = shutil.which("soffice") or "/usr/bin/soffice"
    if not Path(soffice).exists():
        service_missing("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    source = tmp_path / "schueler.csv"
    source.write_text(
        "Klasse;Nachname;Vorname;Geburtsdatum;Klassenlehrer\n"
        "05a;Becker;Mia;01.02.2015;MÜL\n"
        "6b;O'Brien;Siobhán;03.02.2014;OBR / ALT\n",
        encoding="utf-8",
    )
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--infilter=CSV:59,34,76,1",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )

    report = run(it_admin, school_a, [], data=(tmp_path / "schueler.xlsx").read_bytes())
    assert report.errors == []

    assert class_teachers("5a") == {("MÜL", True)}
    assert class_teachers("6b") == {("OBR", True), ("ALT", True)}
    siobhan = Person.objects.get(last_name="O'Brien", role=PersonRole.STUDENT)
    assert (siobhan.first_name, siobhan.birth_date) == ("Siobhán", datetime.date(2014, 2, 3))
