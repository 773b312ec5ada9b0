"""Erasing the personal data of people deleted from the directory.

A deleted person (the roster lifecycle) has already lost names, ids, Kürzel, class and login;
LERNSTATT_PERSON_ERASE_DAYS days later (90 by default) the rest goes. The row itself stays,
because loans and device history must stay — the city must know where each device went —
and they point at it: it keeps its id, role, school, status, dates and uidNumber (a
uidNumber is never given again, so a new account cannot inherit files on a server), and is
marked `erased_at`. Its loans keep dates, device, accessories and status but lose every
free text (guardian, note, conditions, reason for rejection), the reminders about them
their recipients, and the person their initial password and the error texts of sync runs
that name their entry.

The login itself is not kept on the row: while the reuse block lasts
(LERNSTATT_LOGIN_REUSE_DAYS) it is kept in ReleasedLogin, without any link to the person,
so nobody else gets it; after that period released_logins_purge deletes it.
"""

import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from accounts.lifecycle import DELETED_LOGIN_PREFIX
from accounts.logins import logins_release
from accounts.models import (
    DirectorySyncRun,
    InitialPassword,
    Person,
    PersonStatus,
    ReleasedLogin,
)
from scheduling.models import Loan, LoanReminder

BATCH = 500
# The name an erased person is shown with: language-neutral data would be empty, but an
# empty name makes lists and loan pages unreadable, so the rows say what happened.
ERASED_NAME = "Gelöscht"


@dataclass
class ErasureResult:
    people: int = 0
    loans: int = 0
    reminders: int = 0
    initial_passwords: int = 0
    sync_runs: int = 0


def erasure_due(*, now: datetime.datetime | None = None) -> QuerySet[Person]:
    """The deleted people not yet erased whose deletion is LERNSTATT_PERSON_ERASE_DAYS or
    more days ago (or on an unknown day), by id."""
    today = timezone.localdate(now or timezone.now())
    cutoff = today - datetime.timedelta(days=settings.LERNSTATT_PERSON_ERASE_DAYS)
    return Person.objects.filter(
        Q(deleted_at__lte=cutoff) | Q(deleted_at__isnull=True),
        status=PersonStatus.DELETED,
        erased_at__isnull=True,
    ).order_by("pk")


def people_erase(*, now: datetime.datetime | None = None, dry_run: bool = False) -> ErasureResult:
    """Erase the personal data of every person erasure_due finds (see the module
    docstring), in one transaction per 500 people; with `dry_run` only count them. Running
    it again erases nothing more. Returns what was erased (or would be)."""
    now = now or timezone.now()
    due = list(erasure_due(now=now).only("pk", "login", "dn"))
    result = ErasureResult()
    if dry_run:
        result.people = len(due)
        return result
    for start in range(0, len(due), BATCH):
        _erase_batch(due[start : start + BATCH], now=now, result=result)
    return result


def _erase_batch(
    people: Sequence[Person], *, now: datetime.datetime, result: ErasureResult
) -> None:
    pks = [person.pk for person in people]
    # A person deleted some other way than by the lifecycle may still hold a login:
    # reserve it like the lifecycle does, so that it is not given again too soon.
    held = [p.login for p in people if not p.login.startswith(DELETED_LOGIN_PREFIX)]
    needles = _needles(people)
    with transaction.atomic():
        if held:
            logins_release(logins=held, released_at=now)
        result.people += Person.objects.filter(pk__in=pks, erased_at__isnull=True).update(
            first_name="",
            last_name=ERASED_NAME,
            birth_date=None,
            external_id="",
            short_code="",
            school_class=None,
            login=Concat(Value(DELETED_LOGIN_PREFIX), Cast("pk", CharField())),
            dn="",
            last_synced_at=None,
            erased_at=now,
            updated_at=now,
        )
        result.loans += Loan.objects.filter(student_id__in=pks).update(
            guardian_name="", note="", condition_out="", condition_in="", rejection_reason=""
        )
        result.reminders += (
            LoanReminder.objects.filter(loan__student_id__in=pks)
            .exclude(recipients=[])
            .update(recipients=[])
        )
        result.initial_passwords += InitialPassword.objects.filter(person_id__in=pks).delete()[0]
        result.sync_runs += _sync_run_errors_scrub(needles)


def _needles(people: Sequence[Person]) -> set[str]:
    """What of these people a sync run's error text may name: the DN, the login in it and
    a login not yet replaced. Lowercase."""
    found: set[str] = set()
    for person in people:
        if person.dn:
            found.add(person.dn.lower())
            first = person.dn.split(",", 1)[0]
            if "=" in first:
                found.add(first.split("=", 1)[1].strip().lower())
        if person.login and not person.login.startswith(DELETED_LOGIN_PREFIX):
            found.add(person.login.lower())
    return {needle for needle in found if len(needle) > 2}


def _sync_run_errors_scrub(needles: set[str]) -> int:
    """Drop the errors of sync runs that name one of `needles`; returns the runs changed.
    Runs with errors are few (most have none), so they are read in Python."""
    if not needles:
        return 0
    changed = 0
    for run in DirectorySyncRun.objects.exclude(errors=[]).only("pk", "errors").iterator():
        kept = [
            error
            for error in run.errors
            if not any(n in json.dumps(error, ensure_ascii=False).lower() for n in needles)
        ]
        if len(kept) != len(run.errors):
            DirectorySyncRun.objects.filter(pk=run.pk).update(errors=kept)
            changed += 1
    return changed


def sync_run_errors_purge(*, now: datetime.datetime | None = None, dry_run: bool = False) -> int:
    """Empty the error lists of sync runs started more than LERNSTATT_PERSON_ERASE_DAYS
    ago: they name entries (logins, names) of people who may be long gone. The run's
    counts stay. Returns how many runs."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.LERNSTATT_PERSON_ERASE_DAYS)
    old = DirectorySyncRun.objects.filter(started_at__lt=cutoff).exclude(errors=[])
    return old.count() if dry_run else old.update(errors=[])


def released_logins_purge(*, now: datetime.datetime | None = None, dry_run: bool = False) -> int:
    """Delete the released logins whose reuse block (LERNSTATT_LOGIN_REUSE_DAYS) is over:
    they no longer keep anyone from getting that login, and a login spells a name."""
    reuse_days = getattr(settings, "LERNSTATT_LOGIN_REUSE_DAYS", 365)
    cutoff = (now or timezone.now()) - datetime.timedelta(days=reuse_days)
    # The same boundary as accounts.logins.taken_logins: released_at <= cutoff is free.
    old = ReleasedLogin.objects.filter(released_at__lte=cutoff)
    return old.count() if dry_run else old.delete()[0]
