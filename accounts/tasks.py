"""Background tasks of the accounts: each loads what its ids name and calls one service."""

import logging

from celery import shared_task
from django.utils import timezone

from accounts.directory.apply import directory_apply
from accounts.directory.connection import directory_configured
from accounts.directory.runs import directory_runs_mark_stale
from accounts.handout import initial_passwords_purge
from accounts.lifecycle import people_lifecycle_advance
from core.errors import Conflict
from core.models import User
from inventory.models import School


@shared_task
def directory_sync(
    school_id: int | None = None, user_id: int | None = None, run_id: int | None = None
) -> int:
    """Sync the directory (one school or all) and return the run's id. The initial
    passwords of new accounts stay in this process and are dropped with it."""
    school = School.objects.get(pk=school_id) if school_id is not None else None
    actor = User.objects.get(pk=user_id) if user_id is not None else None
    return directory_apply(actor=actor, school=school, run_id=run_id).pk


# -- periodic work, scheduled by celery beat (CELERY_BEAT_SCHEDULE in the settings) -------

logger = logging.getLogger(__name__)
_said_not_configured = False


@shared_task(ignore_result=True)
def directory_sync_scheduled() -> int | None:
    """The scheduled sync of all schools: first record runs that were cut off as failed,
    then sync. Returns the run's id, or None when it did not run: without a configured
    directory (said once per process), or while another sync is still running."""
    global _said_not_configured
    directory_runs_mark_stale()
    if not directory_configured():
        if not _said_not_configured:
            logger.info("No directory is configured: the scheduled directory sync does nothing.")
            _said_not_configured = True
        return None
    try:
        run = directory_apply(actor=None)
    except Conflict as exc:
        logger.info("The scheduled directory sync was skipped: %s", exc.message)
        return None
    logger.info("Scheduled directory sync: %s, %d of %d changes.", run.status, run.done, run.total)
    return run.pk


@shared_task(ignore_result=True)
def people_lifecycle_daily() -> dict[str, int]:
    """The daily step of people who left: tolerated and disabled people whose period is
    over are disabled or deleted (the next directory sync follows), and initial
    passwords nobody printed in time are deleted. Returns the counts."""
    counts = people_lifecycle_advance(timezone.localdate())
    counts["initial_passwords_purged"] = initial_passwords_purge()
    logger.info("People lifecycle: %s", counts)
    return counts
