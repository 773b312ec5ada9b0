"""Writes of the accounts that entry points call."""

from django.db import transaction

from accounts.directory.runs import directory_run_begin
from accounts.models import DirectorySyncRun
from accounts.selectors import directory_sync_school
from core.models import User


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
    from accounts import tasks

    tasks.directory_sync.delay(school_id=run.school_id, user_id=run.started_by_id, run_id=run.pk)
