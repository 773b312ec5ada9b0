"""Finding class: people who left keep their access.

The attacker is a teacher who has left the school: they keep an open browser session, an
API token made for a script, and their directory password. The moment their person is
disabled or deleted — by a roster import, by the daily lifecycle step or by an IT admin in
the admin — all three stop working, before any directory sync has run."""

import datetime

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.directory.apply import directory_apply
from accounts.lifecycle import people_lifecycle_advance
from accounts.models import ClassTeacher, Person, PersonRole, PersonStatus
from accounts.rosters import roster_apply
from core.models import ApiToken
from core.tokens import api_token_create
from tests.accounts.factories import PersonFactory
from tests.accounts.roster_files import schild_teachers

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

TODAY = datetime.date(2026, 12, 2)
LONG_AGO = TODAY - datetime.timedelta(days=400)


def _log_in(username, password):
    request = RequestFactory().post("/login/", REMOTE_ADDR="192.0.2.20")
    return authenticate(request, username=username, password=password)


@pytest.fixture
def leaver(ldap_directory, school_a, it_admin):
    """A teacher with a directory account, a session, a token and their password."""
    kraus = PersonFactory(
        school=school_a,
        role=PersonRole.TEACHER,
        school_class=None,
        first_name="Karin",
        last_name="Kraus",
        login="karin.kraus",
        short_code="KR",
        birth_date=datetime.date(1980, 1, 1),
    )
    # A student of the school, whose name the leaver must no longer read.
    paula = PersonFactory(school=school_a, first_name="Paula", last_name="Pupil")
    ClassTeacher.objects.create(school_class=paula.school_class, teacher=kraus)
    run = directory_apply(actor=it_admin)
    assert run.errors == []
    password = run.new_passwords["karin.kraus"]
    user = _log_in("karin.kraus", password)
    assert user is not None
    browser = Client()
    browser.force_login(user)
    _token, key = api_token_create(user=user, name="script")
    kraus.refresh_from_db()
    return kraus, user, browser, key, password


def _api(key, url="/api/v1/people"):
    return Client().get(url, HTTP_AUTHORIZATION=f"Bearer {key}")


def _assert_working(leaver):
    _kraus, _user, browser, key, password = leaver
    assert "Pupil" in browser.get("/api/v1/people").content.decode()
    assert "Pupil" in _api(key).content.decode()
    assert _log_in("karin.kraus", password) is not None


def _assert_locked_out(leaver):
    _kraus, user, browser, key, password = leaver
    user.refresh_from_db()
    assert not user.is_active
    assert browser.get("/api/v1/people").status_code == 401
    assert browser.get("/people/")["Location"].startswith("/login/")
    assert _api(key).status_code == 401
    assert _api(key, "/api/v1/me").status_code == 401
    # The directory still lets the password bind (no sync has run); Lernstatt does not.
    assert _log_in("karin.kraus", password) is None


def test_a_roster_import_that_disables_a_teacher_locks_them_out_at_once(leaver, coordinator):
    kraus = leaver[0]
    _assert_working(leaver)
    Person.objects.filter(pk=kraus.pk).update(status=PersonStatus.TOLERATED, tolerated_at=LONG_AGO)
    # The teacher is missing from the file, and tolerated long enough: disabled.
    other = ("Neu", "Norbert", "02.02.1985", "NN")
    roster_apply(
        actor=coordinator,
        school=kraus.school,
        kind="teachers",
        data=schild_teachers([other], encoding="utf-8"),
        filename="lehrer.csv",
        today=TODAY,
    )

    kraus.refresh_from_db()
    assert kraus.status == PersonStatus.DISABLED
    _assert_locked_out(leaver)


def test_the_daily_step_disabling_a_teacher_locks_them_out_at_once(leaver):
    kraus = leaver[0]
    Person.objects.filter(pk=kraus.pk).update(status=PersonStatus.TOLERATED, tolerated_at=LONG_AGO)
    _assert_working(leaver)  # tolerated: the account still works

    assert people_lifecycle_advance(TODAY)["disable"] == 1

    _assert_locked_out(leaver)


def test_the_daily_step_deleting_a_teacher_locks_them_out_at_once(leaver):
    kraus = leaver[0]
    Person.objects.filter(pk=kraus.pk).update(status=PersonStatus.DISABLED, disabled_at=LONG_AGO)

    assert people_lifecycle_advance(TODAY)["delete"] == 1

    _assert_locked_out(leaver)


def test_an_it_admin_disabling_a_teacher_in_the_admin_locks_them_out_at_once(leaver, it_admin):
    kraus = leaver[0]
    it_admin.is_staff = True
    it_admin.save()
    admin = Client()
    admin.force_login(it_admin)

    response = admin.post(
        "/admin/accounts/person/",
        {"action": "disable_now", "_selected_action": [kraus.pk]},
    )

    assert response.status_code == 302
    kraus.refresh_from_db()
    assert kraus.status == PersonStatus.DISABLED
    _assert_locked_out(leaver)


def test_a_roster_that_still_lists_a_teacher_disabled_by_hand_keeps_them_locked_out(
    leaver, it_admin, coordinator
):
    kraus = leaver[0]
    it_admin.is_staff = True
    it_admin.save()
    admin = Client()
    admin.force_login(it_admin)
    admin.post("/admin/accounts/person/", {"action": "disable_now", "_selected_action": [kraus.pk]})
    teachers = schild_teachers([("Kraus", "Karin", "01.01.1980", "KR")], encoding="utf-8")

    # The school office has not taken her off its list yet.
    report = roster_apply(
        actor=coordinator,
        school=kraus.school,
        kind="teachers",
        data=teachers,
        filename="lehrer.csv",
        today=TODAY,
    )

    (row,) = report.rows
    assert row.outcome == "unchanged"
    assert any("Das Konto bleibt deaktiviert" in note for note in row.notes)
    kraus.refresh_from_db()
    assert (kraus.status, kraus.disabled_by_hand) == (PersonStatus.DISABLED, True)
    _assert_locked_out(leaver)

    # Enabled again by the admin: the password works again, old sessions stay ended.
    admin.post("/admin/accounts/person/", {"action": "enable_now", "_selected_action": [kraus.pk]})
    kraus.refresh_from_db()
    assert (kraus.status, kraus.disabled_by_hand) == (PersonStatus.ACTIVE, False)
    assert _log_in("karin.kraus", leaver[4]) == leaver[1]
    assert leaver[2].get("/api/v1/people").status_code == 401


def test_the_directory_login_checks_the_persons_status_at_every_login(leaver):
    kraus, user, _browser, _key, password = leaver
    # Disabled in the database by any path that did not lock the user (an old row, say):
    # the directory still accepts the password, the login does not.
    Person.objects.filter(pk=kraus.pk).update(status=PersonStatus.DISABLED)

    assert _log_in("karin.kraus", password) is None
    user.refresh_from_db()
    assert user.is_active  # nothing but the login check stood in the way


def test_coming_back_restores_the_login_but_not_old_sessions_or_tokens(leaver, coordinator):
    kraus, user, browser, key, password = leaver
    Person.objects.filter(pk=kraus.pk).update(status=PersonStatus.TOLERATED, tolerated_at=LONG_AGO)
    people_lifecycle_advance(TODAY)
    _assert_locked_out(leaver)

    # Back in the roster: active again, and the (not yet synced) directory entry works.
    roster_apply(
        actor=coordinator,
        school=kraus.school,
        kind="teachers",
        data=schild_teachers([("Kraus", "Karin", "01.01.1980", "KR")], encoding="utf-8"),
        filename="lehrer.csv",
        today=TODAY,
    )

    kraus.refresh_from_db()
    assert kraus.status == PersonStatus.ACTIVE
    assert _log_in("karin.kraus", password) == user
    assert browser.get("/api/v1/people").status_code == 401
    assert _api(key).status_code == 401
    assert ApiToken.objects.get(user=user).revoked_at <= timezone.now()
    fresh = Client()
    fresh.force_login(user)
    assert "Pupil" in fresh.get("/api/v1/people").content.decode()
