"""The one Celery app. With no CELERY_BROKER_URL, tasks run eagerly in-process.

Workers: `celery -A lernstatt worker`. The periodic tasks (CELERY_BEAT_SCHEDULE in the
settings) are sent by exactly one `celery -A lernstatt beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lernstatt.settings")

app = Celery("lernstatt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
