"""The loans' answers to what lower apps announce: each receiver only enqueues a task."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.dispatch import receiver

from accounts.events import students_left
from core.queue import task_send
from inventory.events import device_became_available
from scheduling.tasks import allocate_waiting, mark_students_left


@receiver(students_left, dispatch_uid="scheduling.mark_students_left")
def _students_left(
    sender: Any, *, left: Sequence[int], back: Sequence[int], left_on: datetime.date, **_kw: Any
) -> None:
    task_send(mark_students_left, list(left), left_on.isoformat(), list(back))


@receiver(device_became_available, dispatch_uid="scheduling.allocate_waiting")
def _device_became_available(sender: Any, **_kw: Any) -> None:
    # Without the queue the periodic allocation gives the device away a little later.
    task_send(allocate_waiting)
