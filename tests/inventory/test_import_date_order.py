"""The order of day and month of dates with slashes: said in the preview when every date
could be read either way, and switched before confirming (API upload option, re-check of
a previewed job over the API and on the web page)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.models import ImportJob
from inventory.models import Device
from tests.factories import DeviceModelFactory
from tests.inventory.files import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = ["Asset tag", "Manufacturer", "Model", "School number", "Purchase date"]
AMBIGUOUS = [HEADER, ["INV-1", "Lenovo", "ThinkPad L14", "165432", "08/01/2021"]]


@pytest.fixture(autouse=True)
def thinkpad(db):
    return DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14")


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def api_upload(client, **form):
    file = SimpleUploadedFile("en.csv", csv_bytes(AMBIGUOUS, delimiter=","))
    return client.post("/api/v1/imports/devices", {"file": file, **form})


def confirm(client, job_id):
    return client.post(f"/api/v1/imports/{job_id}/confirm", {}, content_type="application/json")


def test_the_api_preview_says_the_assumed_order_and_a_recheck_switches_it(
    client_for, it_admin, school_a, run_tasks
):
    client = client_for(it_admin, language="en")
    with run_tasks():
        job = api_upload(client).json()
    job = client.get(f"/api/v1/imports/{job['id']}").json()
    assert job["date_order"] == "dmy"
    assert job["date_orders"] == [
        {"column": "Purchase date", "order": "dmy", "assumed": True, "conflict": False}
    ]
    with run_tasks():
        response = client.post(
            f"/api/v1/imports/{job['id']}/recheck",
            {"date_order": "mdy"},
            content_type="application/json",
        )
    assert response.status_code == 202
    job = client.get(f"/api/v1/imports/{job['id']}").json()
    assert (job["status"], job["date_order"]) == ("previewed", "mdy")
    assert job["date_orders"][0]["order"] == "mdy"
    with run_tasks():
        assert confirm(client, job["id"]).status_code == 202
    assert Device.objects.get().purchase_date == datetime.date(2021, 8, 1)


def test_the_upload_takes_the_date_order(client_for, it_admin, school_a, run_tasks):
    client = client_for(it_admin, language="en")
    with run_tasks():
        job = api_upload(client, date_order="mdy").json()
    with run_tasks():
        assert confirm(client, job["id"]).status_code == 202
    assert Device.objects.get().purchase_date == datetime.date(2021, 8, 1)


def test_an_unknown_date_order_is_refused(client_for, it_admin, school_a):
    response = api_upload(client_for(it_admin, language="en"), date_order="ymd")
    assert response.status_code == 422
    assert not ImportJob.objects.exists()


def test_a_confirmed_job_cannot_be_checked_again(client_for, it_admin, school_a, run_tasks):
    client = client_for(it_admin, language="en")
    with run_tasks():
        job = api_upload(client).json()
    with run_tasks():
        confirm(client, job["id"])
    response = client.post(
        f"/api/v1/imports/{job['id']}/recheck",
        {"date_order": "mdy"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert Device.objects.get().purchase_date == datetime.date(2021, 1, 8)


def test_the_preview_page_offers_to_read_the_dates_the_other_way(
    client_for, it_admin, school_a, run_tasks
):
    client = client_for(it_admin, language="de")
    file = SimpleUploadedFile("en.csv", csv_bytes(AMBIGUOUS, delimiter=","))
    with run_tasks():
        response = client.post("/imports/", {"kind": "devices", "school": "", "file": file})
    job_id = int(response["Location"].strip("/").split("/")[-1])
    page = client.get(f"/imports/{job_id}/").content.decode()
    assert "08/01/2021 ist der 8. Januar 2021" in page
    assert f"/imports/{job_id}/recheck/" in page
    with run_tasks():
        response = client.post(f"/imports/{job_id}/recheck/", {"date_order": "mdy"})
    assert response.status_code == 302
    page = client.get(f"/imports/{job_id}/").content.decode()
    assert "08/01/2021 ist der 1. August 2021" in page
    assert ImportJob.objects.get().options["date_order"] == "mdy"
