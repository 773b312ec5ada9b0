"""The nightly privacy work, in one call for the beat task and `manage.py people_erase`."""

import datetime
import logging

from django.utils import timezone

from accounts.access_log import access_log_count_old, access_log_purge
from privacy.erasure import people_erase, released_logins_purge, sync_run_errors_purge

logger = logging.getLogger(__name__)


def privacy_retention_run(
    *, now: datetime.datetime | None = None, dry_run: bool = False
) -> dict[str, int]:
    """Erase the deleted people whose erase period is over (people_erase),
    empty old sync-run error lists, delete released logins past the reuse block and
    access log entries past LERNSTATT_ACCESS_LOG_DAYS. With `dry_run` nothing is written
    and the counts say what would be. Returns the counts by kind."""
    now = now or timezone.now()
    erased = people_erase(now=now, dry_run=dry_run)
    counts = {
        "people_erased": erased.people,
        "loans_anonymised": erased.loans,
        "reminders_cleared": erased.reminders,
        "initial_passwords_deleted": erased.initial_passwords,
        "sync_runs_scrubbed": erased.sync_runs + sync_run_errors_purge(now=now, dry_run=dry_run),
        "released_logins_deleted": released_logins_purge(now=now, dry_run=dry_run),
        "access_log_deleted": (
            access_log_count_old(now=now) if dry_run else access_log_purge(now=now)
        ),
    }
    logger.info("Privacy retention%s: %s", " (dry run)" if dry_run else "", counts)
    return counts
