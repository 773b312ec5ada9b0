"""Faults on purpose: the task queue down when work is started, the directory gone during a
plan. What a user sees is a clear error in the one shape; no job is lost or left waiting.

Two confirmations of one import and two approvals of one loan at once are covered where
those flows are tested: tests/inventory/test_import_api.py::
test_two_confirmations_apply_once_and_the_second_gets_409 (and the roster jobs likewise),
tests/scheduling/test_decisions.py::
test_two_managers_approving_one_request_at_once_one_wins_the_other_gets_409.
"""

from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.directory.plan import directory_plan
from accounts.models import DirectorySyncRun, DirectorySyncRunStatus
from core.errors import DirectoryUnavailable
from demo.slapd import free_port
from imports.models import ImportJob
from inventory.models import Device
from tests.factories import DeviceModelFactory
from tests.integration.conftest import celery_configured
from tests.inventory.files import xlsx

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROWS = [
    ["Inventarnummer", "Hersteller", "Modell", "Kategorie", "Schulnummer", "Raum"],
    ["INV-1", "Lenovo", "ThinkPad L14", "", "165432", ""],
    ["INV-2", "Lenovo", "ThinkPad L14", "", "165432", ""],
]


@contextmanager
def broker_down():
    """Within the block, tasks are sent to a broker URL where nothing listens."""
    overrides = {
        "broker_url": f"redis://127.0.0.1:{free_port()}/7",
        "result_backend": None,
        "task_always_eager": False,
        "task_publish_retry_policy": {"max_retries": 1, "interval_start": 0},
        "broker_connection_timeout": 1,
    }
    with celery_configured(overrides):
        yield


def upload(client):
    file = SimpleUploadedFile("inventar.xlsx", xlsx(ROWS))
    return client.post("/api/v1/imports/devices", {"file": file})


def assert_broker_error(response):
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "broker_unavailable"
    assert "nicht erreichbar" in body["message"]
    assert body["errors"] == []


def test_an_upload_while_the_task_queue_is_down_fails_clearly_and_no_job_waits(
    client_for, it_admin, school_a
):
    DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14")
    client = client_for(it_admin)

    with broker_down():
        response = upload(client)

    assert_broker_error(response)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert job.error["code"] == "broker_unavailable"
    assert not Device.objects.exists()


def test_a_confirmation_while_the_task_queue_is_down_is_taken_back_and_can_be_repeated(
    client_for, it_admin, school_a
):
    DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14")
    client = client_for(it_admin)
    job_id = upload(client).json()["id"]
    assert ImportJob.objects.get(pk=job_id).status == ImportJob.Status.PREVIEWED

    with broker_down():
        response = client.post(f"/api/v1/imports/{job_id}/confirm", {}, "application/json")

    assert_broker_error(response)
    assert ImportJob.objects.get(pk=job_id).status == ImportJob.Status.PREVIEWED
    assert not Device.objects.exists()
    # The queue is back: the same job is confirmed again and applied.
    assert (
        client.post(f"/api/v1/imports/{job_id}/confirm", {}, "application/json").status_code == 202
    )
    assert ImportJob.objects.get(pk=job_id).status == ImportJob.Status.APPLIED
    assert sorted(Device.objects.values_list("asset_tag", flat=True)) == ["INV-1", "INV-2"]


def test_a_sync_started_while_the_task_queue_is_down_fails_clearly_and_blocks_nobody(
    client_for, it_admin, school_a, ldap_directory
):
    client = client_for(it_admin)

    with broker_down():
        response = client.post(
            "/api/v1/directory/sync", {"school": None}, content_type="application/json"
        )

    assert_broker_error(response)
    run = DirectorySyncRun.objects.get()
    assert run.status == DirectorySyncRunStatus.FAILED
    assert [error["code"] for error in run.errors] == ["broker_unavailable"]
    # Not "still running": the next sync starts at once.
    again = client.post("/api/v1/directory/sync", {"school": None}, content_type="application/json")
    assert again.status_code == 202, again.json()


def test_a_directory_that_stops_before_a_plan_gives_a_clear_error_and_writes_nothing(
    slapd_factory, settings, client_for, it_admin, school_a
):
    server = slapd_factory()
    directory = server.subtree()
    settings.LDAP_URL = directory.url
    settings.LDAP_START_TLS = False
    settings.LDAP_BIND_DN = directory.bind_dn
    settings.LDAP_BIND_PASSWORD = directory.bind_password
    settings.LDAP_BASE_DN = directory.base_dn
    server.kill()

    with pytest.raises(DirectoryUnavailable):
        directory_plan()
    response = client_for(it_admin).get("/api/v1/directory/plan")

    assert response.status_code == 503
    assert response.json()["code"] == "directory_unavailable"
    assert not DirectorySyncRun.objects.exists()
