"""The import commands take the path an uploaded file takes: the same kind's options,
preview, check and write, and one summary for every kind."""

import contextlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation

from imports.models import ImportJob
from imports.summary import import_summary
from inventory.importing.kind import import_job_create
from inventory.models import Device
from tests.accounts.roster_files import schild_students
from tests.factories import DeviceModelFactory, SchoolFactory
from tests.inventory.files import xlsx

HEADER = ["Inventarnummer", "Hersteller", "Modell", "Kategorie", "Schulnummer", "Raum", "Kaufdatum"]
ROWS_DEVICES = [
    HEADER,
    ["INV-1", "Lenovo", "ThinkPad L14", "", "165432", "", "01.08.2020"],
    ["INV-2", "Dell", "Latitude 3540", "Notebook", "165432", "B 1", ""],
    ["INV-3", "Lenovo", "ThinkPad L14", "", "165432", "", "31.02.2020"],
]


def command(name, *args) -> str:
    out = io.StringIO()
    # The rows with errors end the command with an error; what it printed is compared.
    with contextlib.suppress(CommandError):
        call_command(name, *args, "--language", "de", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_a_dry_run_prints_the_summary_of_the_same_report_an_uploaded_job_gets(
    tmp_path, it_admin, school_a, django_capture_on_commit_callbacks
):
    DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14")
    data = xlsx(ROWS_DEVICES)
    # A worker speaks the product's language; the eager task here speaks the test thread's,
    # which a request of an earlier test may have left English.
    with translation.override("de"), django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(
            actor=it_admin,
            upload=SimpleUploadedFile("inventar.xlsx", data),
            filename="inventar.xlsx",
            size=len(data),
            create_missing=True,
        )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED
    path = tmp_path / "inventar.xlsx"
    path.write_bytes(data)

    out = command("import_devices", str(path), "--dry-run", "--create-missing")

    # The job was checked in the product's language, German, as the command speaks it.
    with translation.override("de"):
        expected = import_summary("devices", job.report)
    assert out.splitlines()[: len(expected)] == expected
    assert "Neue Modelle: Dell Latitude 3540" in expected
    assert any(line.startswith("  Zeile 4, Kaufdatum: „31.02.2020“") for line in expected)
    assert not Device.objects.exists()


def test_a_command_is_refused_a_school_its_user_does_not_reach_as_an_upload_is(
    tmp_path, coordinator, school_a
):
    other = SchoolFactory(number="199999")
    path = tmp_path / "schueler.csv"
    path.write_bytes(schild_students([("5a", "Müller", "Anna", "01.02.2015", "101")]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="School 199999 not found"):
        call_command(
            "import_roster",
            str(path),
            "--school",
            other.number,
            "--kind",
            "students",
            "--user",
            coordinator.username,
            "--language",
            "en",
            stdout=out,
            stderr=io.StringIO(),
        )
    assert "Rows:" not in out.getvalue()
