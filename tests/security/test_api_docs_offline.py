"""The API documentation works offline and under the service's own Content-Security-Policy:
/api/docs loads Swagger UI from Lernstatt's static files, never from a CDN (which the
policy blocks, and which a school network may not reach), and the policy stays strict
for it. What a real Chromium makes of the page (the endpoints listed, no violation, no
request leaving the server) is checked with the other browser tests, whose live server
and browser it needs: tests/browser/test_api_docs.py."""

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client


@pytest.mark.django_db
def test_the_docs_page_loads_only_lernstatts_own_static_files_under_the_strict_policy():
    response = Client().get("/api/docs")

    assert response.status_code == 200
    linked = re.findall(r'(?:src|href)="([^"]*)"', response.content.decode())
    assert linked
    for url in linked:
        # A path on this server, of a file collectstatic collects (whitenoise serves it).
        assert url.startswith(settings.STATIC_URL), url
        assert finders.find(url.removeprefix(settings.STATIC_URL)), url
    # The same strict policy as every page: no CDN host, no inline or eval'd script.
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe" not in policy and "http" not in policy
