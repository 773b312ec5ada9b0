"""Background tasks of the inventory: each loads nothing but an id and calls one service."""

from celery import shared_task

from inventory.importing import jobs


@shared_task
def device_import_preview(job_id: int) -> None:
    jobs.import_job_preview(job_id=job_id)


@shared_task
def device_import_apply(job_id: int) -> None:
    jobs.import_job_apply(job_id=job_id)
