import os

import pytest
from celery.result import EagerResult
from django.conf import settings

from inventory.tasks import school_count
from lernstatt.celery import app as celery_app
from tests.factories import SchoolFactory

pytestmark = pytest.mark.integration


def test_a_task_sent_with_delay_runs_on_the_worker_against_the_test_database(
    celery_worker, transactional_db
):
    SchoolFactory.create_batch(3)

    result = school_count.delay()

    assert not isinstance(result, EagerResult)
    assert result.get(timeout=30) == 3


def test_the_worker_sees_what_each_test_committed(celery_worker, transactional_db):
    SchoolFactory()

    assert school_count.delay().get(timeout=30) == 1


def test_after_a_worker_test_tasks_run_in_the_tests_process_and_the_broker_is_as_configured():
    # tests/conftest.py runs every other test's tasks in its own process.
    assert celery_app.conf.task_always_eager is True
    assert celery_app.conf.task_default_queue == "celery"
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL
    assert os.environ.get("CELERY_BROKER_URL", "") == settings.CELERY_BROKER_URL
