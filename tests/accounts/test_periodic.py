import datetime
import json
import logging
import os
import subprocess
import sys

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from ldap3.core.exceptions import LDAPBindError, LDAPInvalidCredentialsResult

from accounts import tasks
from accounts.directory.apply import directory_apply
from accounts.handout import initial_passwords_keep
from accounts.models import (
    DirectorySyncRun,
    DirectorySyncRunStatus,
    InitialPassword,
    PersonRole,
    PersonStatus,
)
from lernstatt.celery import app as celery_app
from lernstatt.settings import env_schedule
from tests.accounts.factories import PersonFactory

SYNC = "LERNSTATT_DIRECTORY_SYNC_SCHEDULE"
LIFECYCLE = "LERNSTATT_LIFECYCLE_SCHEDULE"


# -- the schedule from the settings -----------------------------------------------------


def test_a_crontab_is_read_field_by_field(monkeypatch):
    monkeypatch.setenv(SYNC, "*/20 6-18 * 8 1-5")

    schedule = env_schedule(SYNC, "15 * * * *")

    assert schedule == crontab(
        minute="*/20", hour="6-18", day_of_month="*", month_of_year="8", day_of_week="1-5"
    )


def test_the_defaults_sync_hourly_at_quarter_past_and_step_people_at_half_past_two(
    monkeypatch,
):
    monkeypatch.delenv(SYNC, raising=False)

    sync = env_schedule(SYNC, "15 * * * *")

    assert sync.minute == {15}
    assert sync.hour == set(range(24))
    lifecycle = env_schedule(LIFECYCLE, "30 2 * * *")
    assert (lifecycle.minute, lifecycle.hour) == ({30}, {2})


def test_empty_turns_a_schedule_off_and_a_number_is_seconds(monkeypatch):
    monkeypatch.setenv(SYNC, "")
    assert env_schedule(SYNC, "15 * * * *") is None
    monkeypatch.setenv(SYNC, " 300 ")
    assert env_schedule(SYNC, "15 * * * *") == 300.0


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("61 * * * *", "61 > 59"),
        ("15 * * *", "five fields"),
        ("every hour", "five fields"),
        ("15 25 * * *", "25 > 23"),
        ("0", "positive"),
        ("5,,6 * * * *", "empty part"),
    ],
)
def test_a_malformed_schedule_is_an_error_naming_the_variable(monkeypatch, value, says):
    monkeypatch.setenv(SYNC, value)

    with pytest.raises(ImproperlyConfigured) as raised:
        env_schedule(SYNC, "15 * * * *")

    assert SYNC in str(raised.value)
    assert says in str(raised.value)


def run_settings(code: str, **env: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh process, as a start of Lernstatt does."""
    environ = {k: v for k, v in os.environ.items() if k not in (SYNC, LIFECYCLE)}
    environ.update(env, DJANGO_SETTINGS_MODULE="lernstatt.settings")
    script = "import django; django.setup(); from django.conf import settings; " + code
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_lernstatt_refuses_to_start_with_a_malformed_schedule():
    result = run_settings("print('started')", **{LIFECYCLE: "30 2 * *"})

    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert LIFECYCLE in result.stderr


def test_the_beat_schedule_has_an_entry_for_each_schedule_that_is_not_off():
    show = "import json; print(json.dumps({k: str(v['schedule']) for k, v in settings.CELERY_BEAT_SCHEDULE.items()}))"  # noqa: E501

    default = json.loads(run_settings(show).stdout)
    sync_off = json.loads(run_settings(show, **{SYNC: "", LIFECYCLE: "0 3 * * 0"}).stdout)

    loans = {"loan-reminders", "loan-allocate"}
    assert set(default) == {
        "directory-sync",
        "people-lifecycle",
        "people-erase",
        "import-files-purge",
        "import-jobs-mark-stale",
        *loans,
    }
    assert "15 * * * *" in default["directory-sync"]
    assert "30 2 * * *" in default["people-lifecycle"]
    assert set(sync_off) == {
        "people-lifecycle",
        "people-erase",
        "import-files-purge",
        "import-jobs-mark-stale",
        *loans,
    }
    assert "0 3 * * 0" in sync_off["people-lifecycle"]


def test_every_scheduled_task_is_a_registered_task():
    celery_app.loader.import_default_modules()

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in celery_app.tasks


# -- the scheduled directory sync ---------------------------------------------------------


def can_bind(directory, dn: str, password: str) -> bool:
    try:
        directory.server.connect(user=dn, password=password).unbind()
    except (LDAPBindError, LDAPInvalidCredentialsResult):
        return False
    return True


@pytest.fixture
def teacher_person(school_a):
    return PersonFactory(
        school=school_a, role=PersonRole.TEACHER, school_class=None, login="karin.kraus"
    )


@pytest.mark.django_db
@pytest.mark.integration
def test_the_scheduled_sync_syncs_every_school_as_the_scheduler(
    ldap_directory, school_a, school_b, teacher_person
):
    PersonFactory(school=school_b, login="ben.berg")

    run_id = tasks.directory_sync_scheduled()

    run = DirectorySyncRun.objects.get(pk=run_id)
    assert run.status == DirectorySyncRunStatus.SUCCEEDED
    assert (run.started_by, run.school) == (None, None)
    teacher_person.refresh_from_db()
    assert teacher_person.dn.startswith("uid=karin.kraus,ou=teachers,ou=165432,")
    assert any(dn.startswith("uid=ben.berg,") for dn in ldap_directory.search())
    # The next hour finds nothing to do.
    again = DirectorySyncRun.objects.get(pk=tasks.directory_sync_scheduled())
    assert (again.status, again.total) == (DirectorySyncRunStatus.SUCCEEDED, 0)


@pytest.mark.django_db
@pytest.mark.integration
def test_the_scheduled_sync_first_marks_a_cut_off_run_as_failed(
    ldap_directory, settings, teacher_person
):
    cut_off = DirectorySyncRun.objects.create()
    long_ago = timezone.now() - datetime.timedelta(minutes=settings.LERNSTATT_SYNC_STALE_MINUTES)
    DirectorySyncRun.objects.filter(pk=cut_off.pk).update(
        started_at=long_ago - datetime.timedelta(minutes=1)
    )

    run_id = tasks.directory_sync_scheduled()

    cut_off.refresh_from_db()
    assert cut_off.status == DirectorySyncRunStatus.FAILED
    assert [error["code"] for error in cut_off.errors] == ["cut_off"]
    assert DirectorySyncRun.objects.get(pk=run_id).status == DirectorySyncRunStatus.SUCCEEDED


@pytest.mark.django_db
@pytest.mark.integration
def test_the_scheduled_sync_skips_while_another_sync_runs(ldap_directory, teacher_person, caplog):
    running = DirectorySyncRun.objects.create(heartbeat_at=timezone.now())

    with caplog.at_level(logging.INFO, logger="accounts.tasks"):
        assert tasks.directory_sync_scheduled() is None

    assert list(DirectorySyncRun.objects.all()) == [running]
    assert "skipped" in caplog.text
    teacher_person.refresh_from_db()
    assert teacher_person.dn == ""


@pytest.mark.django_db
def test_without_a_directory_the_scheduled_sync_does_nothing_and_says_so_once(
    settings, monkeypatch, teacher_person, caplog
):
    settings.LDAP_URL = ""
    monkeypatch.setattr(tasks, "_said_not_configured", False)

    with caplog.at_level(logging.INFO, logger="accounts.tasks"):
        assert tasks.directory_sync_scheduled() is None
        assert tasks.directory_sync_scheduled() is None

    assert not DirectorySyncRun.objects.exists()
    assert [record.getMessage() for record in caplog.records] == [
        "No directory is configured: the scheduled directory sync does nothing."
    ]


# -- the daily lifecycle step ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.integration
def test_the_daily_step_disables_who_is_due_and_the_next_sync_locks_the_account(
    ldap_directory, teacher_person
):
    run = directory_apply()
    password = run.new_passwords["karin.kraus"]
    teacher_person.refresh_from_db()
    assert can_bind(ldap_directory, teacher_person.dn, password)
    teacher_person.status = PersonStatus.TOLERATED
    teacher_person.tolerated_at = timezone.localdate() - datetime.timedelta(days=60)
    teacher_person.save()

    counts = tasks.people_lifecycle_daily()
    sync = DirectorySyncRun.objects.get(pk=tasks.directory_sync_scheduled())
    assert sync.errors == []

    assert counts["disable"] == 1
    teacher_person.refresh_from_db()
    assert (teacher_person.status, teacher_person.disabled_at) == (
        PersonStatus.DISABLED,
        timezone.localdate(),
    )
    assert not can_bind(ldap_directory, teacher_person.dn, password)


@pytest.mark.django_db
def test_the_daily_step_purges_initial_passwords_nobody_printed(settings, school_a):
    old, new = PersonFactory(school=school_a), PersonFactory(school=school_a)
    initial_passwords_keep({old.pk: "Old-password1", new.pk: "New-password1"})
    days = settings.LERNSTATT_INITIAL_PASSWORD_DAYS
    InitialPassword.objects.filter(person=old).update(
        created_at=timezone.now() - datetime.timedelta(days=days + 1)
    )

    counts = tasks.people_lifecycle_daily()

    assert counts == {"disable": 0, "delete": 0, "initial_passwords_purged": 1}
    assert list(InitialPassword.objects.values_list("person_id", flat=True)) == [new.pk]
