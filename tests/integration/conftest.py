"""Fixtures for tests against real services.

`celery_worker` is a real `celery worker` process, started once per session
(`celery_worker_process`). It uses the test database this process uses and a queue of
its own, so a developer's worker on the same broker never takes its tasks. During a test
that asks for `celery_worker`, tasks are sent to it instead of running eagerly; after the
test, Celery is set back to what the settings say. Such a test needs data the worker can
see, so it asks for `transactional_db` too.
"""

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.db import connection
from kombu import Connection, pools
from kombu.exceptions import OperationalError
from kombu.utils.url import maybe_sanitize_url

from lernstatt.celery import app as celery_app
from tests.conftest import service_missing

DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/5"
READY_TIMEOUT = 60  # seconds; a cold start on a small CI machine takes a few
STOP_TIMEOUT = 10


@dataclass
class CeleryWorker:
    process: subprocess.Popen
    node: str
    queue: str
    broker_url: str
    log_path: Path

    def output(self) -> str:
        """What the worker printed so far (the end of it, if it is long)."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text[-20_000:]


def worker_database_url() -> str:
    """A DATABASE_URL for the database this test process really uses: the SQLite file its
    connection has open, or the PostgreSQL database it is connected to."""
    config = connection.settings_dict
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA database_list")
            path = next((row[2] for row in cursor.fetchall() if row[1] == "main"), "")
            if not path:
                pytest.fail("The test database is in memory: a worker process cannot share it.")
            return f"sqlite:///{path}"
        if connection.vendor != "postgresql":
            pytest.fail(f"No worker database URL for {connection.vendor}.")
        cursor.execute("SELECT current_database()")
        name = cursor.fetchone()[0]
    auth = quote(config["USER"] or "", safe="")
    if config["PASSWORD"]:
        auth += ":" + quote(config["PASSWORD"], safe="")
    host = quote(config["HOST"] or "", safe="")
    port = f":{config['PORT']}" if config["PORT"] else ""
    options = {k: v for k, v in config["OPTIONS"].items() if isinstance(v, str | int)}
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{auth}@{host}{port}/{quote(name, safe='')}{query}"


def _broker_reachable(url: str) -> str | None:
    """None if the broker answers, else why not."""
    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=5)
    except (OperationalError, OSError) as exc:
        return f"Celery broker {maybe_sanitize_url(url)} is not reachable: {exc}"
    return None


def _reset_connections() -> None:
    """Celery keeps the broker pool, the queue and routing tables and the result backend
    from their first use; drop them so that changed settings take effect."""
    pools.reset()  # closes the broker connections and forgets them
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)
    celery_app._backend_cache = None
    celery_app._local = threading.local()


@contextmanager
def sending_to(worker: CeleryWorker) -> Iterator[None]:
    """Within the block, tasks are sent to `worker` instead of running eagerly."""
    overrides = {
        "broker_url": worker.broker_url,
        "result_backend": worker.broker_url,
        "task_always_eager": False,
        "task_default_queue": worker.queue,
    }
    with celery_configured(overrides):
        yield


@contextmanager
def celery_configured(overrides: dict) -> Iterator[None]:
    """Within the block, Celery runs with `overrides` of its configuration. Celery reads
    CELERY_BROKER_URL from the environment before its configuration, so a broker_url
    override sets that variable too."""
    saved = {key: celery_app.conf[key] for key in overrides}
    saved_env = os.environ.get("CELERY_BROKER_URL")
    celery_app.conf.update(overrides)
    if "broker_url" in overrides:
        os.environ["CELERY_BROKER_URL"] = overrides["broker_url"]
    _reset_connections()
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        _reset_connections()


def _stop(worker: CeleryWorker) -> None:
    if worker.process.poll() is not None:
        return
    worker.process.terminate()  # SIGTERM: a warm shutdown, the running task may finish
    try:
        worker.process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        worker.process.kill()
        worker.process.wait(STOP_TIMEOUT)


def _wait_until_ready(worker: CeleryWorker) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            pytest.fail(
                f"The Celery worker exited with code {worker.process.returncode}:\n"
                + worker.output()
            )
        if celery_app.control.ping(destination=[worker.node], timeout=0.5):
            return
    pytest.fail(f"The Celery worker did not answer within {READY_TIMEOUT} s:\n" + worker.output())


def _delete_queue(worker: CeleryWorker) -> None:
    # Declared on this channel first, so kombu knows the binding it has to remove too.
    with celery_app.connection_for_write() as conn:
        queue = celery_app.amqp.queues[worker.queue](conn.default_channel)
        queue.declare()
        queue.delete()


def worker_start(
    *, broker_url: str, database_url: str, log_path: Path, env: dict[str, str] | None = None
) -> CeleryWorker:
    """Start a real `celery worker` process on a queue of its own, with the environment of
    this process plus `env`, and wait until it answers. Stop it with worker_stop."""
    queue = f"lernstatt-test-{uuid.uuid4().hex[:10]}"
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lernstatt.settings",
        "DATABASE_URL": database_url,
        "LERNSTATT_VAR_DIR": str(settings.VAR_DIR),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    command = [
        *(sys.executable, "-m", "celery", "-A", "lernstatt", "worker", "--pool=solo"),
        *("--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=warning"),
        f"--queues={queue}",
        f"--hostname={queue}@localhost",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=environ, stdout=log, stderr=subprocess.STDOUT
        )
    worker = CeleryWorker(process, f"{queue}@localhost", queue, broker_url, log_path)
    try:
        with sending_to(worker):
            _wait_until_ready(worker)
    except BaseException:
        worker_stop(worker)
        raise
    return worker


def worker_stop(worker: CeleryWorker) -> None:
    """Stop a worker of worker_start and delete its queue."""
    _stop(worker)
    with sending_to(worker):
        _delete_queue(worker)
    if worker.process.returncode not in (0, None):
        print(f"\nThe Celery worker ended with code {worker.process.returncode}:")
        print(worker.output())


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup, django_db_blocker, tmp_path_factory
) -> Iterator[CeleryWorker]:
    """A real `celery worker` process on the test database, started once per session."""
    broker_url = settings.CELERY_BROKER_URL or DEFAULT_BROKER_URL
    problem = _broker_reachable(broker_url)
    if problem:
        service_missing(problem)
    with django_db_blocker.unblock():
        database_url = worker_database_url()
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    worker = worker_start(broker_url=broker_url, database_url=database_url, log_path=log_path)
    try:
        yield worker
    finally:
        worker_stop(worker)


@pytest.fixture
def celery_worker(celery_worker_process: CeleryWorker) -> Iterator[CeleryWorker]:
    """The session's Celery worker; during the test, tasks are sent to it instead of
    running eagerly. Ask for `transactional_db` too: the worker sees only committed data."""
    with sending_to(celery_worker_process):
        yield celery_worker_process


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failed test that used the worker shows what the worker printed."""
    report = yield
    worker = getattr(item, "funcargs", {}).get("celery_worker")
    if report.failed and isinstance(worker, CeleryWorker):
        report.sections.append(("Celery worker output", worker.output() or "(nothing)"))
    return report
