"""A device import run the production way: uploaded over the API, previewed and applied
by a real Celery worker on Redis, against the same database the test reads."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from inventory.models import Device, DeviceHistory
from tests.factories import DeviceModelFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.integration

CSV = (
    "Inventarnummer;Hersteller;Modell;Schulnummer;Status;Kaufpreis\r\n"
    "W-001;Lenovo;ThinkPad L13;165432;im Einsatz;749,00 €\r\n"
    "W-002;Lenovo;ThinkPad L13;165432;Lager;749,00 €\r\n"
).encode("cp1252")


def wait_for(client: Client, job_id: int, status: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/imports/{job_id}").json()
        if job["status"] == status:
            return job
        assert job["status"] != "failed", job["error"]
        assert time.monotonic() < deadline, f"import still {job['status']} after {timeout} s"
        time.sleep(0.2)


def test_an_upload_is_previewed_and_applied_by_the_worker(celery_worker, transactional_db):
    SchoolFactory(number="165432")
    DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L13")
    admin = UserFactory(username="it", role="it_admin")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)

    upload = client.post(
        "/api/v1/imports/devices", {"file": SimpleUploadedFile("inventar.csv", CSV)}
    )

    assert upload.status_code == 202
    assert upload.json()["status"] in {"uploaded", "previewing", "previewed"}
    preview = wait_for(client, upload.json()["id"], "previewed")
    assert preview["counts"] == {"create": 2, "update": 0, "unchanged": 0, "error": 0}
    assert not Device.objects.exists()

    confirm = client.post(f"/api/v1/imports/{preview['id']}/confirm", {}, "application/json")
    assert confirm.status_code == 202, confirm.content
    done = wait_for(client, preview["id"], "applied")

    assert done["applied"] is True
    assert sorted(Device.objects.values_list("asset_tag", "status")) == [
        ("W-001", "in_use"),
        ("W-002", "in_stock"),
    ]
    assert DeviceHistory.objects.filter(action="create", actor=admin).count() == 2
