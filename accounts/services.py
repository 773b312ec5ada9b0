"""Writes of the accounts that entry points call."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import tasks
from accounts.directory.runs import directory_run_begin
from accounts.models import DirectorySyncRun, DirectorySyncRunStatus
from accounts.selectors import directory_sync_school
from core.errors import BrokerUnavailable
from core.models import User
from core.queue import task_send


def directory_sync_queue(*, actor: User, school_number: str | None) -> DirectorySyncRun:
    """Record a sync run for `actor` (one school, or all with None) and start it in the
    background once this transaction commits. Refuses at once, before anything is
    recorded, what could not run: 403, 404, 503 without a directory, and 409 while a
    sync of the same school (or of all schools) is running or queued."""
    school = directory_sync_school(actor=actor, school_number=school_number)
    run = directory_run_begin(actor=actor, school=school)
    transaction.on_commit(lambda: _start(run))
    return run


def _start(run: DirectorySyncRun) -> None:
    # If the broker cannot take the task, the run is recorded as failed at once rather
    # than blocking every other sync until it counts as cut off, and the user is told.
    message = _(
        "The background service is not reachable right now, so the directory sync "
        "could not be started. Please try again in a few minutes."
    )

    def undo() -> None:
        now = timezone.now()
        DirectorySyncRun.objects.filter(pk=run.pk, status=DirectorySyncRunStatus.RUNNING).update(
            status=DirectorySyncRunStatus.FAILED,
            finished_at=now,
            duration=now - run.started_at,
            errors=[{"change": "", "dn": "", "code": BrokerUnavailable.code, "message": message}],
        )

    task_send(
        tasks.directory_sync,
        school_id=run.school_id,
        user_id=run.started_by_id,
        run_id=run.pk,
        undo=undo,
        message=message,
    )
