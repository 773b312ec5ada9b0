"""German by default; the language switch in the header turns the pages English."""

import pytest

pytestmark = pytest.mark.django_db


def test_pages_are_german_by_default(client):
    html = client.get("/login/").content.decode()

    assert '<html lang="de">' in html
    assert "Bei Lernstatt anmelden" in html


def test_the_language_switch_turns_the_page_english_and_stays_on_it(client_for, coordinator):
    browser = client_for(coordinator)
    page = browser.get("/devices/?status=in_use")
    html = page.content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'name="next" value="/devices/?status=in_use"' in html

    response = browser.post("/i18n/setlang/", {"language": "en", "next": "/devices/?status=in_use"})

    assert response.status_code == 302
    assert response["Location"] == "/devices/?status=in_use"
    english = browser.get("/devices/?status=in_use").content.decode()
    assert '<html lang="en">' in english
    assert "Log out" in english
    assert "Abmelden" not in english
    # and back
    browser.post("/i18n/setlang/", {"language": "de", "next": "/"})
    assert "Abmelden" in browser.get("/").content.decode()


def test_the_language_switch_works_before_logging_in(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})

    html = client.get("/login/").content.decode()

    assert "Log in to Lernstatt" in html
