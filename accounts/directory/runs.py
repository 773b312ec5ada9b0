"""One directory sync at a time: starting a run, its heartbeat, and runs that were cut off.

Two runs overlap when they are for the same school, or when one of them is for all
schools. A run counts as running from the moment it is recorded (a run queued by the
API that no worker has started yet included) until it finishes. The check and the new
run are written in one transaction that only one start at a time can hold: an advisory
lock on PostgreSQL, the write lock of an IMMEDIATE transaction on SQLite. Of two starts
at the same moment exactly one wins; the other gets a Conflict (409).

A running run writes `heartbeat_at` while it works. A running run whose heartbeat (or,
before the first one, its start) is older than LERNSTATT_SYNC_STALE_MINUTES was cut off
(the worker was stopped or died): directory_runs_mark_stale records it as failed, and it
blocks nobody any more. The next sync finishes its work, as after any cut-off run.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import DirectorySyncRun, DirectorySyncRunStatus
from core.errors import Conflict
from core.models import User
from inventory.models import School

CUT_OFF = "cut_off"
# Any fixed number; every start of a sync run takes this PostgreSQL advisory lock.
_START_LOCK = 7_206_245_311


def directory_run_begin(*, actor: User | None, school: School | None) -> DirectorySyncRun:
    """Record a new running run (one school, or all with None) for `actor` (None: the
    scheduler). Raises Conflict when a run whose scope overlaps is still running; runs
    cut off meanwhile are marked failed first and do not count."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_START_LOCK])
        directory_runs_mark_stale()
        running = DirectorySyncRun.objects.filter(status=DirectorySyncRunStatus.RUNNING)
        if school is not None:
            running = running.filter(Q(school=school) | Q(school__isnull=True))
        other = running.select_related("started_by", "school").order_by("started_at").first()
        if other is not None:
            raise Conflict(_conflict_message(other), code="sync_running")
        return DirectorySyncRun.objects.create(started_by=actor, school=school)


def _conflict_message(run: DirectorySyncRun) -> str:
    who = run.started_by.get_username() if run.started_by else _("the scheduler")
    when = formats.date_format(timezone.localtime(run.started_at), "DATETIME_FORMAT")
    if run.school is None:
        return _(
            "A directory sync for all schools, started by %(who)s on %(when)s, is still "
            "running. Start this one when it has finished."
        ) % {"who": who, "when": when}
    return _(
        "A directory sync for school %(school)s, started by %(who)s on %(when)s, is still "
        "running. Start this one when it has finished."
    ) % {"school": run.school.number, "who": who, "when": when}


def directory_run_claim(run_id: int) -> DirectorySyncRun | None:
    """Take up a queued run for carrying it out: its first heartbeat. None if the run is
    no longer running (marked cut off meanwhile, or finished)."""
    now = timezone.now()
    claimed = DirectorySyncRun.objects.filter(
        pk=run_id, status=DirectorySyncRunStatus.RUNNING
    ).update(heartbeat_at=now)
    if not claimed:
        return None
    return DirectorySyncRun.objects.get(pk=run_id)


def directory_runs_mark_stale(now: datetime.datetime | None = None) -> int:
    """Mark every running run whose last sign of life (heartbeat, else start) is older than
    LERNSTATT_SYNC_STALE_MINUTES as failed with an error of code "cut_off"; returns how
    many were marked."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.LERNSTATT_SYNC_STALE_MINUTES)
    stale = (
        DirectorySyncRun.objects.filter(status=DirectorySyncRunStatus.RUNNING)
        .annotate(last_sign=Coalesce(F("heartbeat_at"), F("started_at")))
        .filter(last_sign__lt=cutoff)
    )
    marked = 0
    for run in stale:
        error = {
            "change": "",
            "dn": "",
            "code": CUT_OFF,
            "message": _(
                "The run stopped before it finished, e.g. the worker was stopped. "
                "The next sync finishes its work."
            ),
        }
        last_sign = run.heartbeat_at or run.started_at
        # Only if it is still running: a run that finished meanwhile keeps its outcome.
        marked += DirectorySyncRun.objects.filter(
            pk=run.pk, status=DirectorySyncRunStatus.RUNNING
        ).update(
            status=DirectorySyncRunStatus.FAILED,
            finished_at=last_sign,
            duration=last_sign - run.started_at,
            errors=[*run.errors, error],
        )
    return marked
