import pytest
from celery.result import EagerResult

from core.tasks import school_count
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
