"""Logging in and out through the web pages."""

import pytest
from django.test import Client

from accounts.directory.apply import directory_apply
from accounts.models import PersonRole
from tests.accounts.factories import PersonFactory

pytestmark = pytest.mark.django_db

PASSWORD = "test-pass-123"  # tests.factories.UserFactory


def test_the_login_page_logs_a_local_user_in_and_goes_to_the_start_page(client, coordinator):
    page = client.get("/login/")
    assert page.status_code == 200
    assert "<title>Anmelden – Lernstatt</title>" in page.content.decode()

    response = client.post("/login/", {"username": "koord", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert home.context["user"] == coordinator


def test_a_wrong_password_shows_a_plain_message_and_keeps_the_username(client, coordinator):
    response = client.post("/login/", {"username": "koord", "password": "falsch"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Benutzername oder Passwort stimmen nicht." in html
    assert 'value="koord"' in html
    assert "falsch" not in html  # the password is never shown again
    assert client.get("/")["Location"] == "/login/"


def test_an_empty_form_names_the_missing_fields(client):
    response = client.post("/login/", {"username": "", "password": ""})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"username", "password"}


def test_a_disabled_account_cannot_log_in(client, coordinator):
    coordinator.is_active = False
    coordinator.save()

    response = client.post("/login/", {"username": "koord", "password": PASSWORD})

    assert response.status_code == 200
    assert client.get("/")["Location"] == "/login/"


def test_after_login_the_user_returns_to_the_page_they_asked_for(client, coordinator):
    assert client.get("/devices/")["Location"] == "/login/?next=/devices/"

    response = client.post(
        "/login/", {"username": "koord", "password": PASSWORD, "next": "/devices/"}
    )

    assert response["Location"] == "/devices/"


def test_login_never_redirects_to_another_site(client, coordinator):
    response = client.post(
        "/login/", {"username": "koord", "password": PASSWORD, "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


def test_a_logged_in_user_opening_the_login_page_goes_to_the_start_page(client_for, teacher):
    assert client_for(teacher).get("/login/")["Location"] == "/"


def test_logout_is_a_post_and_ends_the_session(client_for, teacher):
    browser = client_for(teacher)
    assert browser.get("/logout/").status_code == 405

    response = browser.post("/logout/", follow=True)

    assert response.redirect_chain[0] == ("/login/", 302)
    assert "Sie wurden abgemeldet." in response.content.decode()
    assert browser.get("/")["Location"] == "/login/"


@pytest.mark.integration
def test_a_teacher_logs_in_with_the_directory_password_on_the_login_page(ldap_directory, school_a):
    PersonFactory(
        school=school_a,
        role=PersonRole.TEACHER,
        school_class=None,
        first_name="Karin",
        last_name="Kraus",
        login="karin.kraus",
        short_code="KR",
    )
    run = directory_apply()
    assert run.errors == []
    browser = Client()

    response = browser.post(
        "/login/", {"username": "karin.kraus", "password": run.new_passwords["karin.kraus"]}
    )

    assert response.status_code == 302
    home = browser.get("/")
    assert home.status_code == 200
    assert "Karin Kraus" in home.content.decode()
    assert school_a.name in home.content.decode()
