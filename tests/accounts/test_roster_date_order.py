"""Birth dates written with slashes in a roster: the column decides day or month first;
`date_order` (the job's option, `import_roster --date-order`) when it cannot tell. And a
roster id that lost its leading zeros is flagged, never a new child."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation

from accounts.models import Person
from accounts.rosters import roster_apply, roster_preview
from tests.accounts.factories import PersonFactory
from tests.accounts.roster_files import schild_students

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 9, 1)


def test_a_month_first_birth_date_column_is_read_month_first(it_admin, school_a):
    data = schild_students(
        [
            ("5a", "Müller", "Jürgen", "04/23/2015", "1001"),
            ("5a", "Weiß", "Zoë", "03/04/2015", "1002"),
        ],
        encoding="utf-8",
    )
    roster_apply(
        actor=it_admin, school=school_a, kind="students", data=data, filename="s.csv", today=TODAY
    )
    assert Person.objects.get(external_id="1002").birth_date == datetime.date(2015, 3, 4)


def test_import_roster_takes_date_order(it_admin, school_a, tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(
        schild_students([("5a", "Weiß", "Zoë", "03/04/2015", "1002")], encoding="utf-8")
    )
    call_command(
        "import_roster",
        str(path),
        "--school",
        school_a.number,
        "--kind",
        "students",
        "--date-order",
        "mdy",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert Person.objects.get(external_id="1002").birth_date == datetime.date(2015, 3, 4)


def test_the_roster_upload_takes_date_order(
    client_for, it_admin, school_a, django_capture_on_commit_callbacks
):
    data = schild_students([("5a", "Weiß", "Zoë", "03/04/2015", "1002")], encoding="utf-8")
    client = client_for(it_admin, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/imports/students",
            {
                "file": SimpleUploadedFile("s.csv", data),
                "school": school_a.number,
                "date_order": "mdy",
            },
        )
    assert response.status_code == 202
    assert response.json()["date_order"] == "mdy"
    job_id = response.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/imports/{job_id}/confirm", {}, content_type="application/json")
    assert Person.objects.get(external_id="1002").birth_date == datetime.date(2015, 3, 4)


def test_a_roster_id_that_lost_its_leading_zeros_is_an_error_not_a_new_child(it_admin, school_a):
    PersonFactory(
        school=school_a,
        external_id="00456",
        last_name="Weiß",
        first_name="Zoë",
        birth_date=datetime.date(2015, 4, 3),
    )
    data = schild_students([("5a", "Weiss", "Zoe", "03.04.2015", "456")], encoding="utf-8")
    with translation.override("en"):
        report = roster_preview(
            actor=it_admin,
            school=school_a,
            kind="students",
            data=data,
            filename="s.csv",
            today=TODAY,
        )
    (row,) = report.rows
    assert row.outcome == "error"
    assert row.errors[0]["message"].startswith("456 – do you mean 00456?")
    assert not report.tolerate  # the child is named by the file, not missing


def test_the_roster_preview_and_command_say_which_order_they_assumed(it_admin, school_a, tmp_path):
    data = schild_students([("5a", "Weiß", "Zoë", "03/04/2015", "1002")], encoding="utf-8")

    report = roster_preview(
        actor=it_admin, school=school_a, kind="students", data=data, filename="s.csv", today=TODAY
    )

    assert report.as_dict()["date_orders"] == [
        {"column": "Geburtsdatum", "order": "dmy", "assumed": True, "conflict": False}
    ]
    path = tmp_path / "s.csv"
    path.write_bytes(data)
    out = io.StringIO()
    call_command(
        "import_roster",
        str(path),
        "--school",
        school_a.number,
        "--kind",
        "students",
        "--dry-run",
        "--language",
        "en",
        stdout=out,
    )
    assert "Column Geburtsdatum: every date could be day or month first" in out.getvalue()
    assert "Use --date-order mdy for month first." in out.getvalue()
