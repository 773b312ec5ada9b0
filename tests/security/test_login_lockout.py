"""Finding class: stepping around the login lockout.

The attacker guesses a teacher's directory password at /login/. After five failures the
name is locked for the cool-off time; spelling it in other cases or with spaces around it
is the same name to the lockout as to the directory login, and gets no fresh guesses."""

import pytest
from django.test import Client

from accounts.directory.apply import directory_apply
from accounts.models import PersonRole
from tests.accounts.factories import PersonFactory
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

VARIANTS = ["First.last", "FIRST.LAST", "first.Last", " first.last", "first.last "]


@pytest.fixture
def password(ldap_directory, school_a, it_admin):
    PersonFactory(school=school_a, role=PersonRole.TEACHER, school_class=None, login="first.last")
    return directory_apply(actor=it_admin).new_passwords["first.last"]


def _try(client, username, secret):
    return client.post("/login/", {"username": username, "password": secret}).status_code


def test_the_right_password_really_logs_in_in_any_spelling(password):
    for variant in ["first.last", *VARIANTS]:
        client = Client()
        assert _try(client, variant, password) == 302, variant


def test_after_five_failures_no_spelling_of_the_name_gets_in_with_the_right_password(password):
    client = Client()
    assert [_try(client, "first.last", "wrong") for _ in range(4)] == [200] * 4
    assert _try(client, "first.last", "wrong") == 429

    for variant in VARIANTS:
        assert _try(client, variant, password) == 429, variant
    assert _try(client, "first.last", password) == 429


def test_failures_in_several_spellings_add_up_to_one_lockout(password):
    client = Client()
    results = [_try(client, variant, "wrong") for variant in VARIANTS]

    assert results == [200, 200, 200, 200, 429]
    assert _try(client, "first.last", password) == 429


def test_a_local_users_name_is_locked_in_any_spelling_too(db):
    UserFactory(username="lokal.admin", password="Local-pass-123")
    client = Client()
    for variant in ["Lokal.Admin", "LOKAL.admin", "lokal.ADMIN", "lokal.admin ", "Lokal.admin"]:
        _try(client, variant, "wrong")

    assert _try(client, "lokal.admin", "Local-pass-123") == 429
