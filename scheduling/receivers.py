"""The loans' answers to what lower apps announce: each receiver only enqueues a task."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.dispatch import receiver

from accounts.events import students_left
from scheduling.tasks import mark_students_left


@receiver(students_left, dispatch_uid="scheduling.mark_students_left")
def _students_left(
    sender: Any, *, left: Sequence[int], back: Sequence[int], left_on: datetime.date, **_kw: Any
) -> None:
    mark_students_left.delay(list(left), left_on.isoformat(), list(back))
