"""Background tasks of the loans: each calls one service."""

from celery import shared_task

from scheduling.allocation import loans_allocate_waiting
from scheduling.reminders import loan_reminders_send


@shared_task
def allocate_waiting() -> int:
    """Give waiting requests the devices that have become free (e.g. newly lendable ones);
    returns how many got one. Safe to run at any time and as often as wanted."""
    return len(loans_allocate_waiting())


@shared_task(ignore_result=True)
def send_loan_reminders() -> dict:
    """The daily reminders (celery beat): each due reminder is sent once, however often
    this runs. Returns the run's counts."""
    return loan_reminders_send().as_dict()
