"""The imports' background tasks: each loads nothing but an id and calls one service.
Their names are those the queue, the workers and the beat schedule know them by."""

from celery import shared_task

from imports import retention, services, stale


@shared_task(name="inventory.tasks.import_preview")
def import_preview(job_id: int) -> None:
    """Check the file of an import job of any kind."""
    services.import_job_preview(job_id=job_id)


@shared_task(name="inventory.tasks.import_apply")
def import_apply(job_id: int) -> None:
    """Apply a confirmed import job of any kind."""
    services.import_job_apply(job_id=job_id)


@shared_task(name="inventory.tasks.import_files_purge")
def import_files_purge() -> int:
    """Delete the files of imports left waiting or failed (LERNSTATT_IMPORT_KEEP_DAYS)."""
    return retention.import_files_purge()


@shared_task(name="inventory.tasks.import_jobs_mark_stale", ignore_result=True)
def import_jobs_mark_stale() -> int:
    """Mark imports cut off in the middle of a step as failed (LERNSTATT_IMPORT_STALE_MINUTES)."""
    return stale.import_jobs_mark_stale()
