"""Import jobs that were cut off. A job being checked or applied writes `updated_at` as
its heartbeat: when its step starts and with every progress report. A job waiting for
its preview, being checked or being applied whose heartbeat is older than
LERNSTATT_IMPORT_STALE_MINUTES was cut off (its worker was stopped or died) and is
marked failed, with a message to upload the file again. A cut-off apply wrote nothing:
it writes in one transaction, which the database rolls back when its worker is gone.

On PostgreSQL a job whose row is locked is being written right now (the apply's
transaction holds the lock until it ends, and loses it when its connection dies), so it
is never marked, however long the write takes. On SQLite the mark waits for the write
lock, and a job applied meanwhile is no longer running and keeps its outcome."""

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from imports.models import ImportJob

Status = ImportJob.Status
CUT_OFF = "cut_off"
# The steps a worker carries out; a job in one of them is waiting for a sign of life.
WORKING = (Status.UPLOADED, Status.PREVIEWING, Status.APPLYING)


def import_job_is_stale(job: ImportJob, *, now: datetime.datetime | None = None) -> bool:
    """Whether a job (as loaded) is working and has not been heard from for too long."""
    return job.status in WORKING and job.updated_at < _cutoff(now)


def _cutoff(now: datetime.datetime | None) -> datetime.datetime:
    now = now or timezone.now()
    return now - datetime.timedelta(minutes=settings.LERNSTATT_IMPORT_STALE_MINUTES)


def _cut_off_error(status: str) -> dict:
    if status == Status.APPLYING:
        message = _(
            "The import was interrupted before it finished (for example because the "
            "background service was restarted). Nothing was changed. Please upload the "
            "file again and confirm the import."
        )
    else:
        message = _(
            "Checking the file was interrupted before it finished (for example because the "
            "background service was restarted). Please upload the file again."
        )
    return {"message": message, "code": CUT_OFF, "errors": []}


def import_jobs_mark_stale(
    *, now: datetime.datetime | None = None, job_id: int | None = None
) -> int:
    """Mark every working job (or only `job_id`) not heard from for
    LERNSTATT_IMPORT_STALE_MINUTES as failed with an error of code "cut_off"; returns how
    many were marked. A job that finished or gave a sign of life meanwhile is left as it
    is; running it again marks nothing more."""
    cutoff = _cutoff(now)
    stale = ImportJob.objects.filter(status__in=WORKING, updated_at__lt=cutoff)
    if job_id is not None:
        stale = stale.filter(pk=job_id)
    # A plain read first: the usual answer is "none", and then no write lock is taken.
    if not stale.exists():
        return 0
    marked = 0
    with transaction.atomic():
        candidates = stale.order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        for pk, status in list(candidates.values_list("pk", "status")):
            # update() leaves updated_at alone: the job keeps the time it was last heard of.
            marked += stale.filter(pk=pk, status=status).update(
                status=Status.FAILED, error=_cut_off_error(status)
            )
    return marked
