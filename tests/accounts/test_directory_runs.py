"""One directory sync at a time: overlapping starts are refused, runs cut off are found."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone, translation

from accounts.directory.apply import directory_apply
from accounts.directory.runs import directory_run_begin, directory_runs_mark_stale
from accounts.models import DirectorySyncRun, DirectorySyncRunStatus
from accounts.services import directory_sync_queue
from core.errors import Conflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def configured(settings):
    # Queuing a run checks that a directory is configured; it does not connect.
    settings.LDAP_URL = "ldap://127.0.0.1:1"
    settings.LDAP_BASE_DN = "dc=lernstatt,dc=test"


def ago(minutes: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=minutes)


def test_a_second_sync_of_the_same_school_is_refused_while_one_is_queued(
    configured, it_admin, school_a
):
    first = directory_sync_queue(actor=it_admin, school_number=school_a.number)

    with translation.override("en"), pytest.raises(Conflict) as refused:
        directory_sync_queue(actor=it_admin, school_number=school_a.number)

    assert refused.value.status == 409
    assert "school 165432" in refused.value.message
    assert "started by admin" in refused.value.message
    assert list(DirectorySyncRun.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_sync_of_all_schools_overlaps_every_other(configured, it_admin, school_a, school_b):
    directory_sync_queue(actor=it_admin, school_number=None)

    with translation.override("en"), pytest.raises(Conflict) as refused:
        directory_sync_queue(actor=it_admin, school_number=school_b.number)
    assert "for all schools" in refused.value.message
    with pytest.raises(Conflict):
        directory_apply(school=school_a)  # the scheduler's run, from the command
    assert DirectorySyncRun.objects.count() == 1


def test_an_all_schools_sync_waits_for_a_running_school_sync(
    configured, it_admin, school_a, coordinator
):
    directory_sync_queue(actor=coordinator, school_number=school_a.number)

    with translation.override("en"), pytest.raises(Conflict) as refused:
        directory_sync_queue(actor=it_admin, school_number=None)

    assert "started by koord" in refused.value.message


def test_syncs_of_different_schools_run_side_by_side(configured, it_admin, school_a, school_b):
    a = directory_sync_queue(actor=it_admin, school_number=school_a.number)
    b = directory_sync_queue(actor=it_admin, school_number=school_b.number)

    assert a.status == b.status == DirectorySyncRunStatus.RUNNING


def test_the_api_answers_409_with_who_started_the_running_sync(
    configured, client_for, it_admin, school_a
):
    client = client_for(it_admin, language="en")
    body = {"school": school_a.number}
    assert client.post("/api/v1/directory/sync", body, "application/json").status_code == 202

    response = client.post("/api/v1/directory/sync", body, "application/json")

    assert response.status_code == 409
    assert response.json()["code"] == "sync_running"
    assert "started by admin" in response.json()["message"]


def test_a_run_without_a_sign_of_life_is_marked_cut_off_and_blocks_no_more(
    configured, it_admin, school_a, settings
):
    settings.LERNSTATT_SYNC_STALE_MINUTES = 15
    stale = directory_run_begin(actor=it_admin, school=school_a)
    DirectorySyncRun.objects.filter(pk=stale.pk).update(started_at=ago(60), heartbeat_at=ago(16))

    with translation.override("en"):
        assert directory_runs_mark_stale() == 1
        assert directory_runs_mark_stale() == 0

    stale.refresh_from_db()
    assert stale.status == DirectorySyncRunStatus.FAILED
    assert [error["code"] for error in stale.errors] == ["cut_off"]
    assert "stopped before it finished" in stale.errors[0]["message"]
    assert stale.finished_at is not None
    new = directory_sync_queue(actor=it_admin, school_number=school_a.number)
    assert new.status == DirectorySyncRunStatus.RUNNING


def test_a_run_with_a_recent_heartbeat_is_not_cut_off(configured, it_admin, school_a, school_b):
    run = directory_run_begin(actor=it_admin, school=school_a)
    DirectorySyncRun.objects.filter(pk=run.pk).update(started_at=ago(120), heartbeat_at=ago(1))
    queued = directory_run_begin(actor=it_admin, school=school_b)
    DirectorySyncRun.objects.filter(pk=queued.pk).update(started_at=ago(14))

    assert directory_runs_mark_stale() == 0
    with pytest.raises(Conflict):
        directory_run_begin(actor=it_admin, school=school_a)


def test_the_start_of_a_new_sync_finds_a_cut_off_run_itself(configured, it_admin, school_a):
    run = directory_run_begin(actor=it_admin, school=school_a)
    DirectorySyncRun.objects.filter(pk=run.pk).update(started_at=ago(30))

    new = directory_sync_queue(actor=it_admin, school_number=school_a.number)

    run.refresh_from_db()
    assert run.status == DirectorySyncRunStatus.FAILED
    assert new.status == DirectorySyncRunStatus.RUNNING


def test_a_worker_that_takes_up_a_run_marked_cut_off_leaves_it_as_it_is(
    configured, it_admin, school_a
):
    run = directory_sync_queue(actor=it_admin, school_number=school_a.number)
    DirectorySyncRun.objects.filter(pk=run.pk).update(started_at=ago(30))
    directory_runs_mark_stale()
    before = DirectorySyncRun.objects.filter(pk=run.pk).values().get()

    returned = directory_apply(school=school_a, run_id=run.pk)

    assert returned.pk == run.pk
    assert returned.status == DirectorySyncRunStatus.FAILED
    assert DirectorySyncRun.objects.filter(pk=run.pk).values().get() == before


@pytest.mark.integration
def test_a_run_writes_its_heartbeat(ldap_directory, it_admin, school_a):
    run = directory_apply(actor=it_admin, school=school_a)

    run.refresh_from_db()
    assert run.status == DirectorySyncRunStatus.SUCCEEDED
    assert run.heartbeat_at is not None and run.heartbeat_at >= run.started_at


@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_of_overlapping_syncs_give_exactly_one_run(
    configured, it_admin, school_a
):
    starters = 6
    barrier = threading.Barrier(starters)
    outcomes: list[str] = []

    def start() -> None:
        try:
            barrier.wait()
            directory_run_begin(actor=it_admin, school=school_a)
            outcomes.append("started")
        except Conflict:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused"] * (starters - 1) + ["started"], connection.vendor
    assert DirectorySyncRun.objects.count() == 1
