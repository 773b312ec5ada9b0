"""Background tasks of the inventory: each loads nothing but an id and calls one service."""

from celery import shared_task

from inventory.models import School


@shared_task
def school_count() -> int:
    """How many schools the worker's database holds. A health check: the answer shows that
    a worker runs and reads the same database as the process that asked."""
    return School.objects.count()
