"""An API token records when it was last used, cheaply: at most one write a minute."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import ApiToken
from core.tokens import api_token_create

pytestmark = pytest.mark.django_db


def call(key: str):
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")


def updates_of_tokens(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "api" in q["sql"]]


def test_a_new_token_was_never_used_and_its_first_call_records_the_time(coordinator):
    token, key = api_token_create(user=coordinator, name="Skript")
    assert token.last_used_at is None
    before = timezone.now()

    assert call(key).status_code == 200

    token.refresh_from_db()
    assert before <= token.last_used_at <= timezone.now()


def test_calls_within_a_minute_write_the_time_only_once(coordinator):
    token, key = api_token_create(user=coordinator, name="Skript")
    call(key)
    token.refresh_from_db()
    first = token.last_used_at

    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert call(key).status_code == 200

    assert updates_of_tokens(queries.captured_queries) == []
    token.refresh_from_db()
    assert token.last_used_at == first


def test_a_call_more_than_a_minute_later_records_the_new_time(coordinator):
    token, key = api_token_create(user=coordinator, name="Skript")
    long_ago = timezone.now() - timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=long_ago)

    call(key)

    token.refresh_from_db()
    assert token.last_used_at > long_ago + timedelta(minutes=1)


def test_a_refused_call_with_a_revoked_token_records_nothing(coordinator):
    token, key = api_token_create(user=coordinator, name="Skript")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())

    assert call(key).status_code == 401

    token.refresh_from_db()
    assert token.last_used_at is None
