"""Five scanners at once, each with its own database connection: overlapping devices, and
the same scans sent twice (an offline queue resending what already went through). Run
with DATABASE_URL on PostgreSQL, where the transactions really overlap; on SQLite the
write transactions take turns (IMMEDIATE), and the outcome must be the same."""

import threading
from collections import defaultdict

import pytest
from django.db import connection, connections

from stocktaking import selectors, services
from stocktaking.models import Outcome, Scan
from tests.factories import DeviceFactory, RoomFactory

SCANNERS = 5
DEVICES = 30
PER_SCANNER = 12


@pytest.mark.django_db(transaction=True)
def test_five_scanners_at_once_lose_no_scan_and_count_no_device_twice(coordinator, school_a):
    room = RoomFactory(school=school_a, name="Aula")
    tags = [f"AULA-{n:02d}" for n in range(DEVICES)]
    for tag in tags:
        DeviceFactory(asset_tag=tag, school=school_a, room=room)
    stocktaking = services.stocktaking_start(actor=coordinator, school_number=school_a.number)
    # Scanner t scans 12 devices from 6·t on: neighbours overlap by half. Scanners 2k and
    # 2k+1 send their common scans with the same client ids (one scan, sent twice).
    plans = [
        [
            (f"c{t // 2}-{tag}", tag)
            for tag in (tags[(6 * t + k) % DEVICES] for k in range(PER_SCANNER))
        ]
        for t in range(SCANNERS)
    ]
    start = threading.Barrier(SCANNERS)
    answers: dict[str, list[tuple[int, str, bool]]] = defaultdict(list)
    errors: list[str] = []

    def scanner(plan) -> None:
        try:
            start.wait()
            for client_id, tag in plan:
                recorded = services.scan_record(
                    actor=coordinator,
                    stocktaking=stocktaking,
                    client_id=client_id,
                    code=tag,
                    room_id=room.pk,
                )
                answers[client_id].append(
                    (recorded.scan.pk, recorded.scan.outcome, recorded.created)
                )
        except Exception as exc:  # anything is a failure of the test
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scanner, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [], connection.vendor
    client_ids = {client_id for plan in plans for client_id, _tag in plan}
    scanned_tags = {tag for plan in plans for _client_id, tag in plan}
    scans = Scan.objects.filter(stocktaking=stocktaking)
    # No scan lost, none stored twice: one row per client id.
    assert scans.count() == len(client_ids) == 48  # 60 sent, 12 of them twice
    for client_id, got in answers.items():
        assert len({pk for pk, _outcome, _created in got}) == 1, client_id
        assert [created for _pk, _outcome, created in got].count(True) == 1, client_id
    # Every device scanned is seen exactly once; every other scan of it is "already".
    sightings = scans.filter(outcome=Outcome.FOUND)
    assert sightings.count() == len(scanned_tags)
    assert sorted(sightings.values_list("asset_tag", flat=True)) == sorted(scanned_tags)
    assert scans.filter(outcome=Outcome.ALREADY).count() == len(client_ids) - len(scanned_tags)
    counts = selectors.stocktaking_counts(stocktaking=stocktaking)
    assert (counts.expected, counts.seen, counts.missing) == (
        DEVICES,
        len(scanned_tags),
        DEVICES - len(scanned_tags),
    )
