"""Background tasks of the inventory: each loads nothing but an id and calls one service."""

from celery import shared_task

from inventory.importing import jobs, retention, stale
from inventory.models import School


@shared_task
def import_preview(job_id: int) -> None:
    """Check the file of an import job of any kind (devices, students, teachers)."""
    jobs.import_job_preview(job_id=job_id)


@shared_task
def import_apply(job_id: int) -> None:
    """Apply a confirmed import job of any kind."""
    jobs.import_job_apply(job_id=job_id)


@shared_task
def import_files_purge() -> int:
    """Delete the files of imports left waiting or failed (LERNSTATT_IMPORT_KEEP_DAYS)."""
    return retention.import_files_purge()


@shared_task(ignore_result=True)
def import_jobs_mark_stale() -> int:
    """Mark imports cut off in the middle of a step as failed (LERNSTATT_IMPORT_STALE_MINUTES)."""
    return stale.import_jobs_mark_stale()


@shared_task
def school_count() -> int:
    """How many schools the worker's database holds. A health check: the answer shows that
    a worker runs and reads the same database as the process that asked."""
    return School.objects.count()
