"""The roster preview page shows what SchILD-NRW's export means: class names in Lernstatt's
spelling and the pupils who leave with a loan device; confirming marks those loans."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import PersonRole
from accounts.rosters import school_year_of
from inventory.models import Status
from scheduling.models import Loan, LoanStatus
from tests.accounts.factories import PersonFactory, SchoolClassFactory
from tests.accounts.roster_files import csv_bytes
from tests.factories import DeviceFactory
from tests.scheduling.factories import LoanFactory
from tests.web.test_import_pages import job_id_of

HEADER = ("Klasse", "Nachname", "Vorname", "Geburtsdatum", "Interne ID-Nummer", "Status")


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_the_preview_shows_class_spellings_and_leavers_with_loan_devices(
    client_for, coordinator, school_a, run_tasks
):
    year = school_year_of(timezone.localdate())
    mia = PersonFactory(
        school=school_a,
        school_class=SchoolClassFactory(school=school_a, name="7b", school_year=year),
        role=PersonRole.STUDENT,
        first_name="Mia",
        last_name="Becker",
        external_id="7",
    )
    device = DeviceFactory(school=school_a, asset_tag="166021-0042", status=Status.ON_LOAN)
    loan = LoanFactory(student=mia, device=device, status=LoanStatus.ON_LOAN)
    rows = [
        ("7b", "Becker", "Mia", "01.03.2014", "7", "9"),
        ("05a", "Wolf", "Ben", "01.02.2015", "8", "2"),
        ("5 A", "Koch", "Lea", "02.02.2015", "9", "Aktiv"),
    ]
    client = client_for(coordinator)  # German
    file = SimpleUploadedFile("SchuelerExport.csv", csv_bytes([HEADER, *rows], encoding="cp1252"))
    with run_tasks():
        response = client.post("/imports/", {"kind": "students", "school": "165432", "file": file})
    job_id = job_id_of(response)

    html = client.get(f"/imports/{job_id}/").content.decode()
    assert "verlässt die Schule mit Leihgerät 166021-0042" in html
    assert "05a → 5a" in html and "5 A → 5a" in html
    assert "Status 9 (Abgang)" in html
    assert Loan.objects.get(pk=loan.pk).student_left_on is None
    # The API answers the same.
    job = client.get(f"/api/v1/imports/{job_id}").json()
    assert job["counts"]["leave"] == 1
    assert [each["asset_tags"] for each in job["leaving_with_loans"]] == [["166021-0042"]]
    assert {each["written"] for each in job["class_names"]} == {"05a", "5 A"}
    assert "Status 9 (Abgang)" in job["rows"][0]["notes"]

    with run_tasks():
        client.post(f"/imports/{job_id}/confirm/")

    assert Loan.objects.get(pk=loan.pk).student_left_on is not None
    queue = client.get(reverse("scheduling:loan_on_loan"))
    assert "hat die Schule am" in queue.content.decode()
