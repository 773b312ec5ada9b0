"""Handing work to the background worker: the one rule for when the task queue (Celery's
broker) cannot take a task."""

import logging
from collections.abc import Callable
from typing import Any

from celery import current_app
from kombu.exceptions import OperationalError

from core.errors import BrokerUnavailable

logger = logging.getLogger(__name__)


def task_send(
    task: Any,
    *args: Any,
    undo: Callable[[], Any] | None = None,
    message: str | None = None,
    **kwargs: Any,
) -> bool:
    """Send `task` (a task, or the name of one) with its arguments; True when the queue
    took it.

    If the broker cannot be reached, nothing may be left waiting for a task that never
    comes: `undo` runs (it marks a job failed, takes a confirmation back, ...). With a
    `message` the user is told (BrokerUnavailable, 503); without one the work is also done
    by a periodic task, so it only comes later, and False is returned."""
    if isinstance(task, str):
        task = current_app.tasks[task]
    try:
        task.delay(*args, **kwargs)
    except OperationalError as exc:
        logger.warning("The task queue is unreachable, %s not sent: %s", task.name, exc)
        if undo is not None:
            undo()
        if message is None:
            return False
        raise BrokerUnavailable(message) from exc
    return True
