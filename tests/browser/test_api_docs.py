"""/api/docs in a real Chromium, as an IT admin reads it: Swagger UI from Lernstatt's own
static files lists the endpoints, the browser reports no Content-Security-Policy
violation and no error, no request leaves the server (a school network may not reach a
CDN), and "Try it out" reaches the API with the page's session. The page's HTML and the
policy itself: tests/security/test_api_docs_offline.py."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from core.models import Role
from tests.browser.conftest import log_in, shot
from tests.factories import UserFactory

pytestmark = pytest.mark.integration


def test_an_it_admin_reads_the_api_docs_without_the_network_and_without_a_policy_violation(
    page, live_server
):
    UserFactory(username="admin", role=Role.IT_ADMIN)
    here = urlsplit(live_server.url).netloc
    left_the_server, problems = [], []

    def only_here(route):
        if urlsplit(route.request.url).netloc == here:
            route.continue_()
        else:
            left_the_server.append(route.request.url)
            route.abort()

    page.route("**/*", only_here)
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    # Every violation of the policy, also those the browser reports only as an event.
    page.add_init_script(
        "window.violations = [];"
        "document.addEventListener('securitypolicyviolation', event =>"
        " window.violations.push(event.violatedDirective + ' ' + event.blockedURI));"
    )

    log_in(page, "admin")
    page.goto("/api/docs")

    devices = page.locator(".opblock-summary-path", has_text="/api/v1/devices").first
    expect(devices).to_be_visible()
    expect(page.locator(".opblock-tag", has_text="inventory")).to_be_visible()
    shot(page, "api-docs")

    me = page.locator(".opblock-get", has=page.locator("[data-path='/api/v1/me']"))
    me.locator(".opblock-summary").click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    answer = me.locator(".live-responses-table tbody .response")
    expect(answer.locator(".response-col_status")).to_have_text("200")
    expect(answer).to_contain_text('"username": "admin"')
    shot(page, "api-docs-try-it-out")

    assert page.evaluate("window.violations") == []
    assert problems == []
    assert left_the_server == []
