"""`make run` as a new user meets it: the demo city served by `manage.py run_demo` with a
directory of its own. The demo teacher resets a student's password by clicking, and the
directory (ldapwhoami) accepts the new password."""

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from demo.slapd import SLAPD, free_port
from tests.browser.conftest import TIMEOUT_MS, shot
from tests.conftest import service_missing

# run_demo runs with settings of its own (its own var/, SQLite): the same on every backend.
pytestmark = [pytest.mark.integration, pytest.mark.backend_independent]

_OWN_PREFIXES = ("DJANGO_", "DATABASE_", "CELERY_", "LERNSTATT_", "LDAP_")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo as `make run` starts it, in a var/ folder of its own: (url, output)."""
    if not Path(SLAPD).exists():
        service_missing(f"{SLAPD} is not installed (apt-get install slapd ldap-utils)")
    var = tmp_path_factory.mktemp("demo-var")
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN_PREFIXES)}
    env.update(LERNSTATT_VAR_DIR=str(var))
    for step in (["migrate", "--noinput"], ["load_demo", "--if-empty"]):
        manage = [sys.executable, "manage.py", *step]
        subprocess.run(manage, cwd=settings.BASE_DIR, env=env, check=True, capture_output=True)
    port = free_port()
    log = var / "run_demo.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "run_demo", f"127.0.0.1:{port}", "--language", "en"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/login/", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"run_demo did not serve:\n{log.read_text()}") from None
                time.sleep(0.3)
        yield url, log.read_text()
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_the_demo_teacher_resets_a_students_password_in_the_demo_directory(browser, demo):
    url, output = demo
    [ldap_url] = re.findall(r"ldap://127\.0\.0\.1:\d+", output)[:1]
    context = browser.new_context(base_url=url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/")
        page.get_by_label("Username").fill("demo-lehrkraft")
        page.get_by_label("Password").fill("demo-lehrkraft-2026")
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("navigation", name="Main navigation").get_by_role(
            "link", name="People"
        ).click()
        page.locator("table tbody tr a").first.click()
        page.get_by_role("link", name="Reset the password…").click()
        page.get_by_role("button", name="Reset the password").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("New password")
        login = page.locator("dd code").first.inner_text()
        password = page.locator("code.secret").inner_text()
        shot(page, "demo-password-reset")
    finally:
        context.close()

    found = subprocess.run(
        [
            "ldapsearch",
            "-x",
            "-LLL",
            "-H",
            ldap_url,
            "-b",
            "dc=musterstadt,dc=de",
            f"(uid={login})",
            "dn",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    [dn] = [line[4:] for line in found.splitlines() if line.startswith("dn: ")]
    whoami = subprocess.run(
        ["ldapwhoami", "-x", "-H", ldap_url, "-D", dn, "-w", password],
        capture_output=True,
        text=True,
    )
    assert whoami.returncode == 0, whoami.stderr
    assert whoami.stdout.strip() == f"dn:{dn}"
