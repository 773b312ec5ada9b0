"""Background tasks of the accounts: each loads what its ids name and calls one service."""

from celery import shared_task

from accounts.directory.apply import directory_apply
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
