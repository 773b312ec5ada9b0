"""The initial passwords wait encrypted until a class list takes them, once."""

import datetime

import pytest
from django.utils import timezone

from accounts.handout import (
    initial_passwords_keep,
    initial_passwords_purge,
    initial_passwords_take,
)
from accounts.models import InitialPassword
from tests.accounts.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_kept_password_is_not_in_the_database_in_plain_text():
    anna = PersonFactory()
    initial_passwords_keep({anna.pk: "Kx7mP2qRtW"})
    secret = InitialPassword.objects.get(person=anna).secret
    assert "Kx7mP2qRtW" not in secret


def test_taking_hands_each_password_out_once():
    anna, ben = PersonFactory(), PersonFactory()
    initial_passwords_keep({anna.pk: "first-anna", ben.pk: "first-ben"})
    initial_passwords_keep({anna.pk: "second-anna"})  # a later sync replaced it
    assert initial_passwords_take([anna.pk, ben.pk]) == {
        anna.pk: "second-anna",
        ben.pk: "first-ben",
    }
    assert initial_passwords_take([anna.pk, ben.pk]) == {}


def test_a_password_of_another_key_is_left_out(settings):
    anna = PersonFactory()
    initial_passwords_keep({anna.pk: "old-key"})
    settings.LERNSTATT_PASSWORD_KEY = "a new key"
    assert initial_passwords_take([anna.pk]) == {}
    assert not InitialPassword.objects.exists()


def test_passwords_nobody_took_are_purged_after_the_keeping_period(settings):
    settings.LERNSTATT_INITIAL_PASSWORD_DAYS = 30
    anna = PersonFactory()
    initial_passwords_keep({anna.pk: "never-printed"})
    assert initial_passwords_purge(timezone.now() + datetime.timedelta(days=29)) == 0
    assert initial_passwords_purge(timezone.now() + datetime.timedelta(days=31)) == 1
    assert initial_passwords_take([anna.pk]) == {}
