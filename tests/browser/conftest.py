"""End-to-end tests in a real headless Chromium (Debian's `chromium`), driven by Playwright
against Django's live server. Playwright's own browser download is never used: the tests
launch /usr/bin/chromium (LERNSTATT_CHROMIUM to point elsewhere).

Every main page is saved as a screenshot in var/test-output/screenshots/ (or the folder
LERNSTATT_SCREENSHOT_DIR names), so a person can look at what the tests saw.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import service_missing

CHROMIUM = os.environ.get("LERNSTATT_CHROMIUM", "/usr/bin/chromium")
# Without network, Chromium waits for its update, sync and QUIC checks; these turn them off.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "test-pass-123"  # tests.factories.UserFactory's
TIMEOUT_MS = 10_000

# Playwright's sync API runs an event loop in the test's thread; the test itself still
# writes to the database synchronously (factories, assertions), which Django allows only
# when told so.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def screenshot_dir() -> Path:
    folder = os.environ.get("LERNSTATT_SCREENSHOT_DIR")
    return Path(folder) if folder else Path(settings.VAR_DIR) / "test-output" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        service_missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("playwright is not installed (pip install -e '.[dev]')")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000
        )
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def browser_db(transactional_db):
    """The live server runs in another thread: the data must be committed to be seen
    there (and on PostgreSQL a test transaction would hide it)."""


@pytest.fixture
def page(browser, live_server, browser_db):
    """A fresh browser tab (own cookies) speaking English, at the live server."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def page_de(browser, live_server, browser_db):
    """A browser tab speaking German, the product's default language."""
    context = browser.new_context(
        base_url=live_server.url, locale="de-DE", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page, as a person would (labels in English)."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def shot(page, name: str) -> Path:
    """Save a full-page screenshot of what the browser shows now."""
    folder = screenshot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
