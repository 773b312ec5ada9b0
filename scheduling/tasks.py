"""Background tasks of the loans: each calls one service."""

import datetime

from celery import shared_task

from scheduling.allocation import loans_allocate_waiting
from scheduling.reminders import loan_reminders_send
from scheduling.services import loans_mark_students_left


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


@shared_task
def mark_students_left(student_ids: list[int], left_on: str, back_ids: list[int]) -> int:
    """Mark the loans of students who left the school for return, and unmark those of
    students who are back (the students_left event). Idempotent."""
    return loans_mark_students_left(
        student_ids=student_ids,
        left_on=datetime.date.fromisoformat(left_on),
        back_ids=back_ids,
    )
