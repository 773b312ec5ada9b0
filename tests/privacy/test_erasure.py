"""A person deleted from the directory loses every trace of their personal data once the
erase period is over; their loans and the devices' history stay, anonymised."""

import datetime
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models
from django.utils import timezone

from accounts.handout import initial_passwords_keep
from accounts.lifecycle import people_delete
from accounts.models import (
    DirectorySyncRun,
    InitialPassword,
    Person,
    PersonStatus,
    ReleasedLogin,
)
from inventory.models import DeviceHistory
from privacy.erasure import ERASED_NAME
from privacy.retention import privacy_retention_run
from privacy.tasks import privacy_nightly
from scheduling.history import loan_event_write
from scheduling.models import LoanReminder, LoanStatus
from tests.accounts.factories import PersonFactory, SchoolClassFactory
from tests.factories import DeviceFactory
from tests.scheduling.factories import LoanFactory

pytestmark = pytest.mark.django_db

# Strings that occur nowhere but in this one person's data.
FIRST, LAST = "Zoraida", "Quistorpwyk"
EXTERNAL_ID = "SX-778812"
LOGIN = "zoraida.quistorp"
DN = f"uid={LOGIN},ou=students,ou=165432,ou=schools,dc=example,dc=org"
GUARDIAN = "Wendelgard Quistorpwyk"
NOTE = "Bruder Ottokar hat auch keinen Laptop"
CONDITION_OUT = "Kratzer links, Zoraida weiß Bescheid"
CONDITION_IN = "Display gesprungen (Quistorpwyk)"
RECIPIENT = "wendelgard@quistorpwyk.example"
BIRTH_DATE = datetime.date(2013, 7, 29)
DISTINCTIVE = (FIRST, LAST, EXTERNAL_ID, LOGIN, GUARDIAN, NOTE, CONDITION_OUT, CONDITION_IN)
DISTINCTIVE_LOWER = (*[s.lower() for s in DISTINCTIVE], RECIPIENT, "quistorp", "zoraida")


@pytest.fixture
def person(school_a):
    """The person with a loan (guardian, notes, conditions, a reminder), a kept initial
    password and a sync run whose error names the entry; then deleted."""
    person = PersonFactory(
        school=school_a,
        school_class=SchoolClassFactory(school=school_a, name="7c"),
        first_name=FIRST,
        last_name=LAST,
        birth_date=BIRTH_DATE,
        external_id=EXTERNAL_ID,
        login=LOGIN,
        dn=DN,
        uid_number=40123,
        last_synced_at=timezone.now(),
    )
    device = DeviceFactory(school=school_a)
    loan = LoanFactory(
        student=person,
        device=device,
        status=LoanStatus.RETURNED,
        note=NOTE,
        guardian_name=GUARDIAN,
        accessories_out=["charger"],
        condition_out=CONDITION_OUT,
        accessories_in=["charger"],
        condition_in=CONDITION_IN,
        handed_out_at=timezone.now(),
        returned_at=timezone.now(),
    )
    loan_event_write(loan=loan, device=device, event="handed_out", actor=None)
    loan_event_write(loan=loan, device=device, event="returned", actor=None)
    LoanReminder.objects.create(
        loan=loan,
        kind="overdue",
        due_on=loan.ends_on,
        sent_on=loan.ends_on,
        recipients=[RECIPIENT],
    )
    initial_passwords_keep({person.pk: "Geheim-Zoraida-1"})
    DirectorySyncRun.objects.create(
        errors=[{"change": f"Change sn of {DN}: {LAST} → X", "dn": DN, "code": "50"}],
        counts={"modify": 1},
    )
    people_delete([person], today=timezone.localdate())
    person.refresh_from_db()
    return person


def move_back(person: Person, days: int) -> None:
    """Make the deletion (and the login's release) `days` days old."""
    then = timezone.now() - datetime.timedelta(days=days)
    Person.objects.filter(pk=person.pk).update(deleted_at=timezone.localdate(then))
    ReleasedLogin.objects.filter(login=LOGIN).update(released_at=then)


def every_text_value() -> list[tuple[str, str, str]]:
    """(table, column, value) of every text and JSON column of every table, read with raw
    SQL so no model method hides anything."""
    found = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            for field in model._meta.concrete_fields:
                if not isinstance(field, models.CharField | models.TextField | models.JSONField):
                    continue
                column = connection.ops.quote_name(field.column)
                cursor.execute(f"SELECT {column} FROM {connection.ops.quote_name(table)}")
                for (value,) in cursor.fetchall():
                    if value is not None:
                        text = value if isinstance(value, str) else json.dumps(value)
                        found.append((table, field.column, text))
    return found


def traces() -> list[tuple[str, str, str]]:
    return [
        (table, column, value)
        for table, column, value in every_text_value()
        if any(needle in value.lower() for needle in DISTINCTIVE_LOWER)
    ]


def test_nothing_is_erased_before_the_period_is_over(person, settings):
    settings.LERNSTATT_PERSON_ERASE_DAYS = 90
    move_back(person, 89)

    counts = privacy_nightly()

    person.refresh_from_db()
    assert counts["people_erased"] == 0
    assert person.erased_at is None and person.birth_date == BIRTH_DATE


def test_after_the_period_no_table_holds_any_of_the_persons_data(person, settings):
    settings.LERNSTATT_PERSON_ERASE_DAYS = 90
    settings.LERNSTATT_LOGIN_REUSE_DAYS = 365
    # Before: the data is there, so the search below can find it.
    assert {table for table, _c, _v in traces()} >= {
        "scheduling_loan",
        "scheduling_loanreminder",
        "accounts_directorysyncrun",
        "accounts_person",  # the DN
        "accounts_releasedlogin",
    }
    move_back(person, 91)

    counts = privacy_nightly()

    assert counts["people_erased"] == 1
    # Only the reserved login is left, in ReleasedLogin, while the reuse block lasts.
    assert traces() == [("accounts_releasedlogin", "login", LOGIN)]
    person.refresh_from_db()
    assert person.erased_at is not None
    assert (person.first_name, person.last_name) == ("", ERASED_NAME)
    assert person.birth_date is None and person.dn == "" and person.school_class is None
    assert person.login == f"deleted.{person.pk}"
    assert (person.role, person.school_id, person.status) == (
        "student",
        person.school_id,
        "deleted",
    )
    assert person.deleted_at is not None and person.uid_number == 40123
    assert not InitialPassword.objects.filter(person=person).exists()
    # Where the device went is still known: the loan and the device's history stay.
    loan = person.loans.get()
    assert (loan.status, loan.device_id is not None, loan.starts_on) == (
        LoanStatus.RETURNED,
        True,
        datetime.date(2026, 12, 1),
    )
    assert loan.accessories_out == ["charger"] and loan.handed_out_at is not None
    assert LoanReminder.objects.get(loan=loan).recipients == []
    assert DeviceHistory.objects.filter(device=loan.device, field="loan").count() == 2
    assert DirectorySyncRun.objects.get().counts == {"modify": 1}


def test_the_reserved_login_is_gone_after_the_reuse_block(person, settings):
    settings.LERNSTATT_PERSON_ERASE_DAYS = 90
    settings.LERNSTATT_LOGIN_REUSE_DAYS = 365
    move_back(person, 91)
    privacy_retention_run()
    assert ReleasedLogin.objects.filter(login=LOGIN).exists()

    counts = privacy_retention_run(now=timezone.now() + datetime.timedelta(days=365 - 91 + 1))

    assert counts["released_logins_deleted"] == 1
    assert traces() == []


def test_a_second_run_erases_nothing_more(person, settings):
    settings.LERNSTATT_PERSON_ERASE_DAYS = 90
    move_back(person, 91)
    privacy_retention_run()
    erased_at = Person.objects.get(pk=person.pk).erased_at

    counts = privacy_retention_run()

    assert counts["people_erased"] == 0 and counts["loans_anonymised"] == 0
    assert Person.objects.get(pk=person.pk).erased_at == erased_at


def test_people_not_deleted_keep_their_data(person, school_a, settings):
    settings.LERNSTATT_PERSON_ERASE_DAYS = 0
    active = PersonFactory(school=school_a, first_name="Bleibt", dn="uid=bleibt,ou=x")
    LoanFactory(student=active, note="bleibt", guardian_name="Eltern Bleibt")

    privacy_retention_run()

    active.refresh_from_db()
    assert (active.first_name, active.dn, active.erased_at) == ("Bleibt", "uid=bleibt,ou=x", None)
    assert active.loans.get().guardian_name == "Eltern Bleibt"


def test_a_person_deleted_without_the_lifecycle_has_the_login_reserved(school_a, settings):
    settings.LERNSTATT_PERSON_ERASE_DAYS = 90
    old = timezone.localdate() - datetime.timedelta(days=100)
    person = PersonFactory(
        school=school_a, login="quirin.x", status=PersonStatus.DELETED, deleted_at=old
    )

    privacy_retention_run()

    person.refresh_from_db()
    assert person.login == f"deleted.{person.pk}" and person.erased_at is not None
    assert ReleasedLogin.objects.filter(login="quirin.x").exists()


def test_the_command_dry_run_counts_and_changes_nothing(person, settings, capsys):
    settings.LERNSTATT_PERSON_ERASE_DAYS = 90
    move_back(person, 91)

    call_command("people_erase", "--dry-run", "--language", "en")

    out = capsys.readouterr().out
    assert "Dry run" in out and "People erased: 1" in out
    person.refresh_from_db()
    assert person.erased_at is None and person.birth_date == BIRTH_DATE
    assert person.loans.get().guardian_name == GUARDIAN

    call_command("people_erase", "--language", "en")

    assert "People erased: 1" in capsys.readouterr().out
    assert Person.objects.get(pk=person.pk).erased_at is not None


def test_the_nightly_task_is_on_the_beat_schedule(settings):
    from lernstatt import settings as project_settings

    entry = project_settings.CELERY_BEAT_SCHEDULE["people-erase"]
    assert entry["task"] == "privacy.tasks.privacy_nightly"
    assert privacy_nightly.name == "privacy.tasks.privacy_nightly"
