"""Settings come from environment variables only: these tests start `manage.py` in a
process of its own, with an environment that holds just what each test sets."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from lernstatt import settings as project_settings

# Each test starts manage.py with an environment of its own: the same on every backend.
pytestmark = pytest.mark.backend_independent

# Every variable Lernstatt reads starts with one of these; none leaks in from outside.
_OWN_PREFIXES = ("DJANGO_", "DATABASE_", "CELERY_", "LERNSTATT_", "LDAP_")

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),  # 64 random characters
    "DJANGO_ALLOWED_HOSTS": "lernstatt.example.org",
    "LERNSTATT_BASE_URL": "https://lernstatt.example.org",
}

# Printed by `manage.py shell`: what the settings made of the environment.
_REPORT = """
import json
from django.conf import settings
from django.db import connection
from lernstatt.celery import app
database = settings.DATABASES["default"]
report = {
    "engine": database["ENGINE"],
    "name": str(database["NAME"]),
    "always_eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "celery_always_eager": app.conf.task_always_eager,
    "broker": app.conf.broker_url,
}
if connection.vendor == "sqlite":
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        report["journal_mode"] = cursor.fetchone()[0]
print(json.dumps(report))
"""


def manage(*args: str, var_dir: Path, **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN_PREFIXES)}
    env.update(LERNSTATT_VAR_DIR=str(var_dir), **variables)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_report(var_dir: Path, **variables: str) -> dict:
    result = manage("shell", "--no-imports", "-c", _REPORT, var_dir=var_dir, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> tuple[Path, dict]:
    """The settings with no variables set at all."""
    var_dir = tmp_path_factory.mktemp("var")
    return var_dir, settings_report(var_dir)


@pytest.mark.parametrize(
    "secret_key",
    [None, "too-short-to-be-secret", project_settings._DEV_SECRET_KEY],
    ids=["missing", "short", "development-key"],
)
def test_production_refuses_to_start_without_a_real_secret_key(tmp_path, secret_key):
    variables = {**PRODUCTION, "DJANGO_SECRET_KEY": secret_key}
    if secret_key is None:
        del variables["DJANGO_SECRET_KEY"]

    result = manage("check", var_dir=tmp_path, **variables)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    result = manage("check", var_dir=tmp_path, **{**PRODUCTION, "DJANGO_ALLOWED_HOSTS": ""})

    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", var_dir=tmp_path, **PRODUCTION)

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


@pytest.mark.parametrize("address", ["", "http://lernstatt.example.org", "https://localhost"])
def test_the_deploy_check_warns_when_labels_would_carry_a_useless_address(tmp_path, address):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        var_dir=tmp_path,
        **{**PRODUCTION, "LERNSTATT_BASE_URL": address},
    )

    assert result.returncode != 0
    assert "lernstatt.W001" in result.stderr + result.stdout
    assert "LERNSTATT_BASE_URL" in result.stderr + result.stdout


def test_without_database_url_the_database_is_sqlite_in_the_var_dir_with_wal(embedded):
    var_dir, report = embedded

    assert report["engine"] == "django.db.backends.sqlite3"
    assert Path(report["name"]).parent == var_dir
    assert Path(report["name"]).is_file()
    assert report["journal_mode"] == "wal"


def test_without_a_broker_celery_tasks_run_eagerly(embedded):
    _var_dir, report = embedded

    assert report["always_eager"] is True
    assert report["celery_always_eager"] is True


def test_with_database_url_and_broker_the_services_are_used(tmp_path):
    report = settings_report(
        tmp_path,
        DATABASE_URL="postgres://lernstatt@db.example.org:5432/lernstatt",
        CELERY_BROKER_URL="redis://redis.example.org:6379/0",
    )

    assert report["engine"] == "django.db.backends.postgresql"
    assert report["name"] == "lernstatt"
    assert report["celery_always_eager"] is False
    assert report["broker"] == "redis://redis.example.org:6379/0"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_demo_shows_the_products_own_error_pages_and_serves_its_styles(tmp_path):
    """`make run` serves the demo with LERNSTATT_DEMO=1: a mistyped address gets the German
    "not found" page, not Django's technical page listing the URL patterns, and the pages
    still have their style sheet."""
    import time
    import urllib.error
    import urllib.request

    assert manage("migrate", "--noinput", var_dir=tmp_path).returncode == 0
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN_PREFIXES)}
    env.update(LERNSTATT_VAR_DIR=str(tmp_path), LERNSTATT_DEMO="1")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def get(path: str) -> tuple[int, str]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", headers={"Accept-Language": "de"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    # Starting takes a few seconds, more on a busy machine (CI runs two passes at once).
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                status, login = get("/login/")
                break
            except urllib.error.URLError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.terminate()
                    _out, errors = server.communicate(timeout=10)
                    raise AssertionError(f"runserver did not start: {errors.decode()}") from None
                time.sleep(0.2)
        status, page = get("/gibt-es-nicht/")
        styles, css = get("/static/core/lernstatt.css")
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=10)
    assert status == 404
    assert "Diese Seite wurde nicht gefunden" in page
    assert "URLconf" not in page and "Using the URLconf" not in page
    assert "core/lernstatt.css" in login
    assert styles == 200 and "body" in css
