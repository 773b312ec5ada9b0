"""Forms that change something need the CSRF token, as a browser sends it."""

import pytest
from django.test import Client

from inventory.models import Status
from tests.web.helpers import form_data

pytestmark = pytest.mark.django_db


def csrf_token(browser, url: str) -> str:
    browser.get(url)  # the page with the form sets the cookie
    return browser.cookies["csrftoken"].value


def test_the_edit_form_refuses_a_post_without_the_token(client_for, coordinator, device_a):
    browser = client_for(coordinator, csrf=True)

    response = browser.post("/devices/GYM-0001/edit/", {"status": Status.LOST})

    assert response.status_code == 403
    assert "Das Formular ist abgelaufen" in response.content.decode()
    device_a.refresh_from_db()
    assert device_a.status == Status.IN_USE


def test_the_edit_form_accepts_a_post_with_the_token(client_for, coordinator, device_a):
    browser = client_for(coordinator, csrf=True)
    token = csrf_token(browser, "/devices/GYM-0001/edit/")

    response = browser.post(
        "/devices/GYM-0001/edit/",
        {**form_data(device_a, status=Status.LOST), "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    device_a.refresh_from_db()
    assert device_a.status == Status.LOST


def test_logout_refuses_a_post_without_the_token(client_for, teacher):
    browser = client_for(teacher, csrf=True)

    assert browser.post("/logout/").status_code == 403
    assert browser.get("/").status_code == 200  # still logged in

    token = csrf_token(browser, "/")
    assert browser.post("/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert browser.get("/")["Location"] == "/login/"


def test_the_login_form_needs_the_token_too(coordinator):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/login/", {"username": "koord", "password": "test-pass-123"})

    assert response.status_code == 403
