"""Login throttling (django-axes): one username from one address is refused for the
cool-off time after LERNSTATT_LOGIN_FAILURE_LIMIT failed logins, even with the right
password; other users, other addresses and API tokens are not affected."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from core.models import Role
from core.tokens import api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "test-pass-123"  # tests.factories.UserFactory
LOCKED = "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie 15 Minuten"


def fail(client: Client, username: str, times: int, *, url: str = "/login/") -> list[int]:
    """Log in `times` times with a wrong password; the status codes of the answers."""
    return [
        client.post(url, {"username": username, "password": "falsch"}).status_code
        for _ in range(times)
    ]


def test_the_fifth_wrong_password_already_shows_the_lockout_message(client, coordinator):
    assert fail(client, "koord", 4) == [200, 200, 200, 200]  # the form: wrong password

    response = client.post("/login/", {"username": "koord", "password": "falsch"})

    assert response.status_code == 429
    assert LOCKED in response.content.decode()


def test_the_limit_and_cool_off_default_to_five_failures_and_fifteen_minutes():
    assert settings.LERNSTATT_LOGIN_FAILURE_LIMIT == 5
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_after_five_wrong_passwords_the_right_one_is_refused_with_a_plain_message(
    client, coordinator
):
    fail(client, "koord", 5)

    response = client.post("/login/", {"username": "koord", "password": PASSWORD})

    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED in html
    assert PASSWORD not in html
    assert client.get("/")["Location"] == "/login/"  # not logged in


def test_four_wrong_passwords_do_not_lock_and_a_success_starts_counting_again(client, coordinator):
    fail(client, "koord", 4)
    assert client.post("/login/", {"username": "koord", "password": PASSWORD}).status_code == 302
    client.post("/logout/")

    fail(client, "koord", 4)

    assert client.post("/login/", {"username": "koord", "password": PASSWORD}).status_code == 302


def test_a_locked_username_does_not_lock_another_user_from_the_same_address(
    client, coordinator, teacher
):
    fail(client, "koord", 5)

    response = client.post("/login/", {"username": "lehrer", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/").context["user"] == teacher


def test_the_same_username_from_another_address_is_not_locked(coordinator):
    fail(Client(REMOTE_ADDR="192.0.2.1"), "koord", 5)

    other = Client(REMOTE_ADDR="192.0.2.2")
    response = other.post("/login/", {"username": "koord", "password": PASSWORD})

    assert response.status_code == 302


def test_after_the_cool_off_the_right_password_works_again(client, coordinator):
    fail(client, "koord", 5)
    assert client.post("/login/", {"username": "koord", "password": PASSWORD}).status_code == 429
    # Fifteen minutes and a second pass.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))

    response = client.post("/login/", {"username": "koord", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/").context["user"] == coordinator


def test_the_limit_and_cool_off_follow_the_settings(client, coordinator, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    settings.LERNSTATT_LOGIN_COOLOFF_MINUTES = 1
    fail(client, "koord", 2)

    response = client.post("/login/", {"username": "koord", "password": PASSWORD})

    assert response.status_code == 429
    assert "Bitte warten Sie 1 Minute und" in response.content.decode()
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=1, seconds=1))
    assert client.post("/login/", {"username": "koord", "password": PASSWORD}).status_code == 302


def test_the_admin_login_is_throttled_too(client, db):
    UserFactory(username="chef", role=Role.IT_ADMIN, is_staff=True, is_superuser=True)
    fail(client, "chef", 5, url="/admin/login/")

    response = client.post("/admin/login/", {"username": "chef", "password": PASSWORD})

    assert response.status_code == 429
    assert LOCKED in response.content.decode()


def test_the_lockout_page_is_in_english_for_an_english_browser(coordinator):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    fail(browser, "koord", 5)

    response = browser.post("/login/", {"username": "koord", "password": PASSWORD})

    assert "Too many failed logins. Please wait 15 minutes and try again." in (
        response.content.decode()
    )


def test_a_locked_out_user_can_still_use_an_api_token(client, coordinator):
    _token, key = api_token_create(user=coordinator, name="Skript")
    fail(client, "koord", 5)
    assert client.post("/login/", {"username": "koord", "password": PASSWORD}).status_code == 429

    response = Client(REMOTE_ADDR="127.0.0.1").get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 200
    assert response.json()["username"] == "koord"


def test_wrong_api_tokens_do_not_lock_the_login(client, coordinator):
    api = Client()
    for _ in range(10):
        assert api.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer lst_wrong").status_code == 401

    response = client.post("/login/", {"username": "koord", "password": PASSWORD})

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
