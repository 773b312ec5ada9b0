"""Every response carries the security headers: a strict Content-Security-Policy, no
framing, no MIME sniffing, a same-origin referrer and opener, the browser features
Lernstatt does not use switched off; cookies scripts cannot read; sessions of a day."""

import re

import pytest
from django.conf import settings
from django.template.loader import get_template
from django.test import Client

pytestmark = pytest.mark.django_db

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in parts}


def assert_security_headers(response) -> None:
    assert directives(response["Content-Security-Policy"]) == CSP
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in policy


@pytest.mark.parametrize("path", ["/login/", "/i18n/setlang/", "/nirgendwo/", "/admin/login/"])
def test_pages_for_anonymous_visitors_carry_the_security_headers(client, path):
    assert_security_headers(client.get(path))


@pytest.mark.parametrize("path", ["/", "/devices/", "/reports/"])
def test_pages_of_a_logged_in_user_carry_the_security_headers(client_for, coordinator, path):
    response = client_for(coordinator).get(path)

    assert response.status_code == 200
    assert_security_headers(response)


def test_api_answers_carry_the_security_headers(client_for, coordinator):
    assert_security_headers(client_for(coordinator).get("/api/v1/me"))
    assert_security_headers(Client().get("/api/v1/me"))  # 401


def test_the_lockout_page_carries_the_security_headers(client, coordinator):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/login/", {"username": "koord", "password": "falsch"})

    assert response.status_code == 429
    assert_security_headers(response)


def test_no_template_has_inline_script_or_style_the_policy_would_block():
    # style-src and script-src 'self' block style="…", <style>, <script> with a body and
    # on…= handlers: such a template would break silently in the browser.
    inline = re.compile(r"""\sstyle=|<style|<script(?![^>]*\ssrc=)|\son[a-z]+=""", re.I)
    found = []
    for app_templates in settings.BASE_DIR.glob("*/templates"):
        for path in app_templates.rglob("*.html"):
            name = str(path.relative_to(app_templates))
            source = get_template(name).template.source
            if inline.search(source):
                found.append(name)
    assert found == []


def test_session_and_csrf_cookies_are_http_only_and_same_site_lax(client, coordinator):
    client.get("/login/")  # sets the CSRF cookie
    client.post("/login/", {"username": "koord", "password": "test-pass-123"})

    session = client.cookies[settings.SESSION_COOKIE_NAME]
    csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    assert session["httponly"] and csrf["httponly"]
    assert session["samesite"] == csrf["samesite"] == "Lax"
    assert session["max-age"] == 8 * 3600
