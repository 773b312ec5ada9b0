import pytest
from celery.result import EagerResult
from django.conf import settings

from core.tasks import school_count
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


def test_after_a_worker_test_tasks_are_sent_as_the_settings_say_again():
    assert celery_app.conf.task_always_eager is settings.CELERY_TASK_ALWAYS_EAGER
    assert celery_app.conf.task_default_queue == "celery"
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL
