"""Imports cut off on purpose: a real Celery worker killed with SIGKILL while it checks or
applies a large file, and (PostgreSQL) the database connection of an apply terminated
half-way. Nothing is half-written, the job ends up failed with a message that says what
to do, and the next upload of the file is imported."""

import os
import signal
import sqlite3
import threading
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from imports.models import ImportJob
from imports.services import import_job_apply
from imports.stale import import_jobs_mark_stale
from inventory.models import Device
from tests.factories import DeviceModelFactory
from tests.integration.conftest import (
    sending_to,
    worker_database_url,
    worker_start,
    worker_stop,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BROKER_URL = os.environ.get("LERNSTATT_TEST_FAULTS_BROKER_URL", "redis://127.0.0.1:6379/8")
# Large enough that checking or applying it takes a few seconds on a small machine.
ROWS = 20_000
# Large enough that the apply's write transaction lasts seconds, on PostgreSQL too, so the
# kill surely falls inside it.
APPLY_ROWS = 80_000
Status = ImportJob.Status


def device_file(rows: int = ROWS) -> bytes:
    lines = ["Inventarnummer;Hersteller;Modell;Kategorie;Schulnummer;Raum"]
    lines += [f"INV-{n:06d};Lenovo;ThinkPad L14;;165432;" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def upload(client, content: bytes):
    file = SimpleUploadedFile("inventar.csv", content, content_type="text/csv")
    return client.post("/api/v1/imports/devices", {"file": file})


def confirm(client, job_id: int):
    return client.post(f"/api/v1/imports/{job_id}/confirm", {}, "application/json")


def job_of(job_id: int) -> ImportJob:
    return ImportJob.objects.defer("content").get(pk=job_id)


def wait_for(condition, *, timeout: float = 120, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"Waited {timeout} s in vain for {what}.")


@pytest.fixture
def own_worker(tmp_path):
    """A worker of this test alone, to be killed."""
    worker = worker_start(
        broker_url=BROKER_URL,
        database_url=worker_database_url(),
        log_path=tmp_path / "worker.log",
    )
    yield worker
    worker_stop(worker)


@pytest.fixture
def lenovo(db):
    return DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14")


def kill(worker) -> None:
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.wait(10)
    assert worker.process.returncode == -signal.SIGKILL


def import_again_works(client) -> None:
    response = upload(client, device_file())
    assert response.status_code == 202, response.json()
    job_id = response.json()["id"]
    assert job_of(job_id).status == Status.PREVIEWED
    assert confirm(client, job_id).status_code == 202
    assert job_of(job_id).status == Status.APPLIED
    assert Device.objects.count() == ROWS


def write_transaction_open() -> bool:
    """Whether another connection holds a write transaction open right now (for a moment
    longer than a single progress update)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL "
                "AND now() - xact_start > interval '300 milliseconds'"
            )
            return cursor.fetchone()[0] > 0
    path = connection.settings_dict["NAME"]
    for _ in range(3):
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            time.sleep(0.1)  # locked: held by the worker; still after 0.3 s?
        finally:
            probe.close()
    return True


def test_a_worker_killed_while_checking_a_file_leaves_a_job_that_is_marked_failed_later(
    own_worker, client_for, it_admin, school_a, lenovo
):
    client = client_for(it_admin)
    with sending_to(own_worker):
        response = upload(client, device_file())
    assert response.status_code == 202, response.json()
    job_id = response.json()["id"]

    wait_for(
        lambda: job_of(job_id).progress_done > 0 or job_of(job_id).status == Status.PREVIEWED,
        what="the preview to report progress",
    )
    assert job_of(job_id).status == Status.PREVIEWING, "the preview ended before the kill"
    kill(own_worker)

    # Within the stale period it still counts as being checked.
    body = client.get(f"/api/v1/imports/{job_id}").json()
    assert body["status"] == "previewing"
    assert import_jobs_mark_stale() == 0

    # The scheduled look, LERNSTATT_IMPORT_STALE_MINUTES (15) later:
    assert import_jobs_mark_stale(now=timezone.now() + timedelta(minutes=16)) == 1
    assert import_jobs_mark_stale(now=timezone.now() + timedelta(minutes=16)) == 0
    body = client.get(f"/api/v1/imports/{job_id}").json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "cut_off"
    assert "Die Prüfung der Datei wurde unterbrochen" in body["error"]["message"]
    assert "Bitte laden Sie die Datei erneut hoch" in body["error"]["message"]
    assert not Device.objects.exists()

    import_again_works(client)


def test_a_worker_killed_while_applying_wrote_nothing_and_the_job_is_marked_failed_on_read(
    own_worker, settings, client_for, it_admin, school_a, lenovo
):
    client = client_for(it_admin)
    job_id = upload(client, device_file(APPLY_ROWS)).json()["id"]  # checked in this process
    assert job_of(job_id).status == Status.PREVIEWED
    with sending_to(own_worker):
        assert confirm(client, job_id).status_code == 202

    wait_for(
        lambda: write_transaction_open() or job_of(job_id).status != Status.APPLYING,
        what="the apply to start writing",
    )
    kill(own_worker)

    assert job_of(job_id).status == Status.APPLYING, "the apply ended before the kill"
    assert not Device.objects.exists()  # one transaction: rolled back with the worker
    assert client.get(f"/api/v1/imports/{job_id}").json()["status"] == "applying"

    settings.LERNSTATT_IMPORT_STALE_MINUTES = 0  # the stale period has passed
    # PostgreSQL may take a moment to notice the connection is gone and drop its locks.
    wait_for(
        lambda: client.get(f"/api/v1/imports/{job_id}").json()["status"] == "failed",
        timeout=15,
        what="the job to be marked failed",
    )
    body = client.get(f"/api/v1/imports/{job_id}").json()
    assert body["error"]["code"] == "cut_off"
    assert "Der Import wurde unterbrochen" in body["error"]["message"]
    assert "Es wurde nichts geändert" in body["error"]["message"]
    assert not Device.objects.exists()
    assert confirm(client, job_id).status_code == 409  # this job is over: upload again

    settings.LERNSTATT_IMPORT_STALE_MINUTES = 15
    import_again_works(client)


# SQLite is a file inside the process, with no server connection that could drop; a
# process that dies mid-write is covered by the worker kill test above.
if connection.vendor == "postgresql":

    def test_a_database_connection_terminated_during_an_apply_writes_nothing_and_fails_clearly(
        client_for, it_admin, school_a, lenovo
    ):
        client = client_for(it_admin)
        job_id = upload(client, device_file()).json()["id"]
        # The confirmation's own step; the apply is carried out below, in a thread to cut off.
        ImportJob.objects.filter(pk=job_id).update(status=Status.APPLYING, confirmed_by=it_admin)
        backend: list[int] = []

        def apply() -> None:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    backend.append(cursor.fetchone()[0])
                import_job_apply(job_id=job_id)
            finally:
                connection.close()

        thread = threading.Thread(target=apply)
        thread.start()
        wait_for(lambda: bool(backend), timeout=10, what="the apply's connection")
        wait_for(
            lambda: write_transaction_open() or not thread.is_alive(),
            what="the apply to start writing",
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend[0]])
            assert cursor.fetchone()[0] is True
        thread.join(60)

        assert not thread.is_alive()
        assert not Device.objects.exists()
        body = client.get(f"/api/v1/imports/{job_id}").json()
        assert body["status"] == "failed"
        assert body["error"]["code"] == "database_unavailable"
        assert (
            "Die Verbindung zur Datenbank ist während des Imports abgebrochen"
            in (body["error"]["message"])
        )

        import_again_works(client)
