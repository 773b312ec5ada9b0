"""Starting, scanning, moving and closing a stock-taking, as the coordinator meets them."""

import datetime

import pytest
from django.utils import timezone

from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from inventory.models import DeviceHistory, Status
from inventory.services import device_update
from stocktaking import selectors, services
from stocktaking.answers import scan_answer
from stocktaking.models import DeviceSeen, ExpectedResult, Outcome, Scan
from tests.factories import DeviceFactory
from tests.scheduling.factories import LoanFactory
from tests.stocktaking.conftest import scan

pytestmark = pytest.mark.django_db


def expected_tags(stocktaking) -> list[str]:
    return sorted(stocktaking.expected.values_list("asset_tag", flat=True))


class TestStart:
    def test_the_whole_school_expects_every_device_but_the_retired_ones(self, whole_school):
        assert expected_tags(whole_school) == ["GYM-1", "GYM-2", "GYM-3", "GYM-4", "GYM-5"]
        assert whole_school.whole_school
        assert whole_school.is_open

    def test_a_building_expects_the_devices_of_its_rooms(self, coordinator, school_a, place):
        stocktaking = services.stocktaking_start(
            actor=coordinator, school_number=school_a.number, building="hauptgebäude"
        )

        assert expected_tags(stocktaking) == ["GYM-1", "GYM-2", "GYM-3"]
        assert stocktaking.building == "hauptgebäude"
        assert set(stocktaking.rooms.all()) == {place.r101, place.r102}

    def test_rooms_expect_their_devices_only(self, coordinator, school_a, place):
        stocktaking = services.stocktaking_start(
            actor=coordinator, school_number=school_a.number, room_ids=[place.lab.pk]
        )

        assert expected_tags(stocktaking) == ["GYM-4"]
        assert stocktaking.name.startswith("Physik, ")

    def test_what_is_expected_is_frozen_at_the_start(self, coordinator, school_a, place):
        stocktaking = services.stocktaking_start(
            actor=coordinator, school_number=school_a.number, room_ids=[place.r101.pk]
        )
        device_update(actor=coordinator, device=place.devices["GYM-1"], room=place.lab)
        DeviceFactory(asset_tag="GYM-NEW", school=school_a, room=place.r101)

        assert expected_tags(stocktaking) == ["GYM-1", "GYM-2"]
        row = stocktaking.expected.get(asset_tag="GYM-1")
        assert (row.room, row.room_name) == (place.r101, "101")

    def test_a_room_of_another_school_is_refused_naming_the_field(
        self, coordinator, school_a, place
    ):
        with pytest.raises(ValidationFailed) as refused:
            services.stocktaking_start(
                actor=coordinator, school_number=school_a.number, room_ids=[place.b_room.pk]
            )
        assert refused.value.errors[0]["field"] == "rooms"

    def test_a_building_without_rooms_is_refused(self, coordinator, school_a, place):
        with pytest.raises(ValidationFailed) as refused:
            services.stocktaking_start(
                actor=coordinator, school_number=school_a.number, building="Turnhalle"
            )
        assert refused.value.errors[0]["field"] == "building"

    def test_a_coordinator_of_another_school_gets_not_found(self, coordinator_b, school_a, place):
        with pytest.raises(NotFound):
            services.stocktaking_start(actor=coordinator_b, school_number=school_a.number)

    def test_a_teacher_may_not_start_one(self, class_teacher, school_a):
        with pytest.raises(PermissionDenied):
            services.stocktaking_start(actor=class_teacher, school_number=school_a.number)


class TestScan:
    def test_a_device_in_its_room_is_found(self, coordinator, whole_school, place):
        recorded = scan(coordinator, whole_school, "GYM-1", place.r101)

        assert recorded.created
        assert recorded.scan.outcome == Outcome.FOUND
        answer = scan_answer(actor=coordinator, scan=recorded.scan)
        assert answer["message"] == "GYM-1 found: Lenovo ThinkPad E14."
        assert answer["device"] == {
            "asset_tag": "GYM-1",
            "name": "Lenovo ThinkPad E14",
            "room": "101",
            "school": "Gymnasium am Park",
        }
        assert answer["counts"] == {"expected": 5, "seen": 1, "missing": 4}
        assert answer["can_move"] is False

    def test_without_a_room_a_device_anywhere_in_the_scope_is_found(
        self, coordinator, whole_school
    ):
        assert scan(coordinator, whole_school, "GYM-4").scan.outcome == Outcome.FOUND
        assert scan(coordinator, whole_school, "GYM-5").scan.outcome == Outcome.FOUND

    def test_a_device_of_another_room_is_found_elsewhere_with_its_room_and_may_be_moved(
        self, coordinator, whole_school, place
    ):
        recorded = scan(coordinator, whole_school, "GYM-3", place.r101)

        assert recorded.scan.outcome == Outcome.ELSEWHERE
        answer = scan_answer(actor=coordinator, scan=recorded.scan)
        assert answer["message"] == "GYM-3 is recorded in room 102, not here."
        assert answer["device"]["room"] == "102"
        assert answer["can_move"] is True
        # Seen all the same: it is not missing.
        assert answer["counts"] == {"expected": 5, "seen": 1, "missing": 4}

    def test_a_device_of_a_school_out_of_reach_is_elsewhere_without_its_place(
        self, coordinator, whole_school, place
    ):
        recorded = scan(coordinator, whole_school, "GS-1", place.r101)

        answer = scan_answer(actor=coordinator, scan=recorded.scan)
        assert answer["outcome"] == "elsewhere"
        assert answer["message"] == "GS-1 is recorded at another school."
        assert answer["device"]["room"] is None and answer["device"]["school"] is None
        assert "Grundschule Lindenweg" not in str(answer) and "B1" not in str(answer)
        assert answer["can_move"] is False

    def test_an_unknown_tag_is_kept_as_a_note(self, coordinator, whole_school, place):
        recorded = scan(coordinator, whole_school, "NEU-77", place.r101)

        assert recorded.scan.outcome == Outcome.UNKNOWN
        answer = scan_answer(actor=coordinator, scan=recorded.scan)
        assert answer["device"] is None
        assert "NEU-77" in answer["message"]
        assert selectors.stocktaking_counts(stocktaking=whole_school).unknown == 1

    def test_the_same_device_twice_counts_once_and_the_second_is_already(
        self, coordinator, whole_school, place
    ):
        first = scan(coordinator, whole_school, "GYM-1", place.r101)
        second = scan(coordinator, whole_school, "gym-1", place.r102)

        assert first.scan.outcome == Outcome.FOUND
        assert second.scan.outcome == Outcome.ALREADY
        assert second.scan.asset_tag == "GYM-1"
        counts = selectors.stocktaking_counts(stocktaking=whole_school)
        assert (counts.seen, counts.found, counts.missing) == (1, 1, 4)

    def test_the_same_client_id_twice_is_stored_once_and_answered_alike(
        self, coordinator, whole_school, place
    ):
        first = scan(coordinator, whole_school, "GYM-1", place.r101, client_id="c-1")
        again = scan(coordinator, whole_school, "GYM-1", place.r101, client_id="c-1")

        assert (first.created, again.created) == (True, False)
        assert again.scan.pk == first.scan.pk
        assert again.scan.outcome == Outcome.FOUND  # not "already": it is the same scan
        assert Scan.objects.filter(stocktaking=whole_school).count() == 1

    def test_the_label_address_counts_as_its_tag(self, coordinator, whole_school, place, settings):
        settings.LERNSTATT_BASE_URL = "https://inventar.stadt.example"
        tagged = DeviceFactory(
            asset_tag="INV/2024/0001 ä", school=whole_school.school, room=place.r102
        )
        whole_school.expected.create(device=tagged, asset_tag=tagged.asset_tag, room=place.r102)

        by_url = scan(
            coordinator,
            whole_school,
            "https://inventar.stadt.example/d/INV/2024/0001%20%C3%A4",
            place.r102,
        )
        by_old_address = scan(coordinator, whole_school, "http://alt.example/d/GYM-3", place.r102)

        assert (by_url.scan.device, by_url.scan.outcome) == (tagged, Outcome.FOUND)
        assert (by_old_address.scan.asset_tag, by_old_address.scan.outcome) == ("GYM-3", "found")

    def test_scanned_at_is_stored_but_the_order_is_the_servers(
        self, coordinator, whole_school, place
    ):
        claimed = timezone.now() - datetime.timedelta(days=400)
        recorded = services.scan_record(
            actor=coordinator,
            stocktaking=whole_school,
            client_id="offline-1",
            code="GYM-2",
            room_id=place.r101.pk,
            scanned_at=claimed,
        )

        assert recorded.scan.scanned_at == claimed
        assert recorded.scan.received_at > claimed + datetime.timedelta(days=399)
        seen = DeviceSeen.objects.get(device=place.devices["GYM-2"])
        assert seen.seen_at == recorded.scan.received_at

    def test_a_client_id_of_someone_elses_scan_is_a_conflict(
        self, coordinator, it_admin, whole_school, place
    ):
        scan(coordinator, whole_school, "GYM-1", place.r101, client_id="shared")

        with pytest.raises(Conflict):
            scan(it_admin, whole_school, "GYM-2", place.r101, client_id="shared")

    def test_a_room_outside_the_stocktaking_is_not_found(self, coordinator, school_a, place):
        stocktaking = services.stocktaking_start(
            actor=coordinator, school_number=school_a.number, room_ids=[place.lab.pk]
        )

        with pytest.raises(NotFound):
            scan(coordinator, stocktaking, "GYM-1", place.r101)

    def test_each_seen_device_gets_its_last_seen_date(self, coordinator, whole_school, place):
        scan(coordinator, whole_school, "GYM-1", place.r101)
        scan(coordinator, whole_school, "GYM-3", place.r101)  # elsewhere
        scan(coordinator, whole_school, "NEU-1", place.r101)  # unknown

        seen = {row.device.asset_tag: row.stocktaking for row in DeviceSeen.objects.all()}
        assert seen == {"GYM-1": whole_school, "GYM-3": whole_school}


class TestMove:
    def test_moving_here_writes_the_device_history(self, coordinator, whole_school, place):
        recorded = scan(coordinator, whole_school, "GYM-3", place.r101)

        moved = services.scan_move(actor=coordinator, stocktaking=whole_school, scan=recorded.scan)

        device = place.devices["GYM-3"]
        device.refresh_from_db()
        assert device.room == place.r101
        row = DeviceHistory.objects.get(device=device, field="room")
        assert (row.old, row.new, row.actor) == ("102", "101", coordinator)
        assert moved.moved_at is not None
        answer = scan_answer(actor=coordinator, scan=moved)
        assert answer["message"] == "GYM-3 now belongs to room 101."
        assert answer["can_move"] is False

    def test_moving_twice_changes_nothing_the_second_time(self, coordinator, whole_school, place):
        recorded = scan(coordinator, whole_school, "GYM-3", place.r101)
        services.scan_move(actor=coordinator, stocktaking=whole_school, scan=recorded.scan)
        services.scan_move(actor=coordinator, stocktaking=whole_school, scan=recorded.scan)

        assert DeviceHistory.objects.filter(device=place.devices["GYM-3"]).count() == 1

    def test_a_found_device_cannot_be_moved(self, coordinator, whole_school, place):
        recorded = scan(coordinator, whole_school, "GYM-1", place.r101)

        with pytest.raises(Conflict):
            services.scan_move(actor=coordinator, stocktaking=whole_school, scan=recorded.scan)

    def test_a_device_of_a_school_out_of_reach_is_not_found(self, coordinator, whole_school, place):
        recorded = scan(coordinator, whole_school, "GS-1", place.r101)

        with pytest.raises(NotFound):
            services.scan_move(actor=coordinator, stocktaking=whole_school, scan=recorded.scan)
        place.devices["GS-1"].refresh_from_db()
        assert place.devices["GS-1"].room == place.b_room


class TestClose:
    def test_closing_reports_the_chosen_devices_lost_and_counts_the_loaned_ones_as_seen(
        self, coordinator, whole_school, place
    ):
        scan(coordinator, whole_school, "GYM-1", place.r101)
        scan(coordinator, whole_school, "GYM-3", place.r101)
        loaned = place.devices["GYM-4"]
        LoanFactory(device=loaned, status="on_loan", student__school=whole_school.school)

        closed = services.stocktaking_close(
            actor=coordinator, stocktaking=whole_school, lost=["gym-2"]
        )

        assert not closed.is_open and closed.closed_by == coordinator
        results = dict(closed.expected.values_list("asset_tag", "result"))
        assert results == {
            "GYM-1": ExpectedResult.SEEN,
            "GYM-2": ExpectedResult.LOST,
            "GYM-3": ExpectedResult.SEEN,
            "GYM-4": ExpectedResult.ON_LOAN,
            "GYM-5": ExpectedResult.MISSING,
        }
        lost = place.devices["GYM-2"]
        lost.refresh_from_db()
        assert lost.status == Status.LOST
        row = DeviceHistory.objects.get(device=lost, field="status")
        assert (row.old, row.new, row.actor) == (Status.IN_USE, Status.LOST, coordinator)
        assert place.devices["GYM-5"].status == Status.IN_USE  # "später klären": untouched
        assert DeviceSeen.objects.get(device=loaned).stocktaking == closed
        counts = selectors.stocktaking_counts(stocktaking=closed)
        assert (counts.expected, counts.seen, counts.on_loan, counts.missing, counts.lost) == (
            5, 3, 1, 2, 1,
        )  # fmt: skip

    def test_a_second_close_is_a_conflict(self, coordinator, whole_school):
        services.stocktaking_close(actor=coordinator, stocktaking=whole_school)

        with pytest.raises(Conflict):
            services.stocktaking_close(actor=coordinator, stocktaking=whole_school)

    def test_no_scan_is_taken_after_closing_but_a_resent_one_is_answered(
        self, coordinator, whole_school, place
    ):
        before = scan(coordinator, whole_school, "GYM-1", place.r101, client_id="early")
        services.stocktaking_close(actor=coordinator, stocktaking=whole_school)

        with pytest.raises(Conflict) as refused:
            scan(coordinator, whole_school, "GYM-2", place.r101)
        assert "closed" in refused.value.message
        resent = scan(coordinator, whole_school, "GYM-1", place.r101, client_id="early")
        assert (resent.created, resent.scan.pk) == (False, before.scan.pk)

    def test_a_tag_that_is_not_missing_is_refused_and_nothing_is_closed(
        self, coordinator, whole_school, place
    ):
        scan(coordinator, whole_school, "GYM-1", place.r101)

        with pytest.raises(ValidationFailed):
            services.stocktaking_close(actor=coordinator, stocktaking=whole_school, lost=["GYM-1"])
        whole_school.refresh_from_db()
        assert whole_school.is_open
        place.devices["GYM-1"].refresh_from_db()
        assert place.devices["GYM-1"].status == Status.IN_USE

    def test_a_teacher_may_not_close(self, class_teacher, whole_school):
        with pytest.raises(PermissionDenied):
            services.stocktaking_close(actor=class_teacher, stocktaking=whole_school)


class TestComparison:
    def test_compares_with_the_last_closed_stocktaking_of_the_school(
        self, coordinator, school_a, place
    ):
        last = services.stocktaking_start(actor=coordinator, school_number=school_a.number)
        scan(coordinator, last, "GYM-1", place.r101)
        scan(coordinator, last, "GYM-2", place.r101)
        services.stocktaking_close(actor=coordinator, stocktaking=last)
        now = services.stocktaking_start(actor=coordinator, school_number=school_a.number)
        scan(coordinator, now, "GYM-1", place.r101)
        scan(coordinator, now, "GYM-3", place.r102)

        comparison = selectors.stocktaking_comparison(stocktaking=now)

        assert comparison.previous == last
        assert comparison.missing_now_found_before == ["GYM-2"]
        assert comparison.found_now_missing_before == ["GYM-3"]
        assert (comparison.counts.seen, comparison.previous_counts.seen) == (2, 2)
        assert (comparison.counts.missing, comparison.previous_counts.missing) == (3, 3)

    def test_the_first_stocktaking_has_nothing_to_compare_with(self, whole_school):
        assert selectors.stocktaking_comparison(stocktaking=whole_school) is None
