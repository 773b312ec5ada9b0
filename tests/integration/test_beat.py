"""The periodic work the production way: a real `celery beat` process sends the scheduled
directory sync, as often as the environment says, to a real worker on Redis, which syncs
the test's directory on a real slapd."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import DirectorySyncRun, DirectorySyncRunStatus, Person, PersonRole
from tests.accounts.factories import PersonFactory
from tests.integration.conftest import (
    CeleryWorker,
    worker_database_url,
    worker_start,
    worker_stop,
)

pytestmark = pytest.mark.integration

WAIT = 15  # seconds for the first scheduled run to appear
# `celery beat` for the project's app, sending to the given queue: the test's worker
# listens to a queue of its own, so that no other worker on the broker takes its tasks.
BEAT = (
    "import sys\n"
    "from lernstatt.celery import app\n"
    "app.conf.task_default_queue = sys.argv[1]\n"
    "sys.exit(app.start(sys.argv[2:]))\n"
)


@pytest.fixture
def directory_worker(
    celery_worker: CeleryWorker, transactional_db, ldap_directory, tmp_path: Path
) -> Iterator[CeleryWorker]:
    """A worker like the session's (same broker and database) that also knows the test's
    directory, which the session's worker, started before it existed, does not."""
    worker = worker_start(
        broker_url=celery_worker.broker_url,
        database_url=worker_database_url(),
        log_path=tmp_path / "worker.log",
        env={
            "LDAP_URL": ldap_directory.url,
            "LDAP_START_TLS": "0",
            "LDAP_BIND_DN": ldap_directory.bind_dn,
            "LDAP_BIND_PASSWORD": ldap_directory.bind_password,
            "LDAP_BASE_DN": ldap_directory.base_dn,
        },
    )
    yield worker
    worker_stop(worker)


@pytest.fixture
def beat(directory_worker: CeleryWorker, tmp_path: Path) -> Iterator[subprocess.Popen]:
    """A real `celery beat` with the directory sync every second and the daily step
    turned off, its schedule state in a temporary file."""
    log_path = tmp_path / "beat.log"
    command = [
        *(sys.executable, "-c", BEAT, directory_worker.queue, "beat", "--loglevel=info"),
        f"--schedule={tmp_path / 'celerybeat-schedule'}",
        "--max-interval=1",
    ]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lernstatt.settings",
        "CELERY_BROKER_URL": directory_worker.broker_url,
        "CELERY_RESULT_BACKEND": directory_worker.broker_url,
        "LERNSTATT_DIRECTORY_SYNC_SCHEDULE": "1",
        "LERNSTATT_LIFECYCLE_SCHEDULE": "",
        "PYTHONUNBUFFERED": "1",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    process.log_path = log_path
    yield process
    process.terminate()
    try:
        process.wait(3)
    except subprocess.TimeoutExpired:
        process.kill()  # its state is a temporary file; nothing is lost
        process.wait(10)


def _output(beat: subprocess.Popen, worker: CeleryWorker) -> str:
    return (
        f"beat:\n{beat.log_path.read_text(errors='replace')[-5000:]}\n"
        f"worker:\n{worker.output()[-5000:]}"
    )


def test_beat_sends_the_scheduled_sync_and_the_worker_syncs_the_directory(
    school_a, directory_worker, beat
):
    teacher = PersonFactory(
        school=school_a, role=PersonRole.TEACHER, school_class=None, login="karin.kraus"
    )

    deadline = time.monotonic() + WAIT
    while not Person.objects.filter(pk=teacher.pk).exclude(dn="").exists():
        assert beat.poll() is None, "beat exited:\n" + _output(beat, directory_worker)
        assert time.monotonic() < deadline, (
            f"the teacher was not synced within {WAIT} s:\n" + _output(beat, directory_worker)
        )
        time.sleep(0.2)

    runs = DirectorySyncRun.objects.filter(status=DirectorySyncRunStatus.SUCCEEDED)
    assert runs.exists()
    assert {(run.started_by, run.school) for run in runs} == {(None, None)}
    teacher.refresh_from_db()
    assert teacher.dn.startswith("uid=karin.kraus,ou=teachers,ou=165432,")
