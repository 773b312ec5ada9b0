"""The last-seen date of every device and the city's report of devices not seen for over
12 months, per school."""

import datetime

import pytest
from django.utils import timezone

from inventory.models import Status
from reports.catalogue import BY_SLUG
from stocktaking.models import DeviceSeen
from tests.factories import DeviceFactory
from tests.scheduling.factories import LoanFactory
from tests.stocktaking.conftest import scan

pytestmark = pytest.mark.django_db


def seen_days_ago(device, stocktaking, days: int) -> None:
    DeviceSeen.objects.update_or_create(
        device=device,
        defaults={
            "stocktaking": stocktaking,
            "seen_at": timezone.now() - datetime.timedelta(days=days),
        },
    )


@pytest.fixture
def history(whole_school, place, school_a, school_b):
    """School A: GYM-1 seen 400 days ago, GYM-2 30 days ago, GYM-3 366 days ago; GYM-4 and
    GYM-5 never; a lost and a retired device never seen either. School B: GS-1 never."""
    devices = place.devices
    seen_days_ago(devices["GYM-1"], whole_school, 400)
    seen_days_ago(devices["GYM-2"], whole_school, 30)
    seen_days_ago(devices["GYM-3"], whole_school, 366)
    DeviceFactory(asset_tag="GYM-LOST", school=school_a, status=Status.LOST)
    return devices


def rows_by_school(actor) -> dict[str, dict]:
    return {row["school_number"]: row for row in BY_SLUG["not-seen"].rows_for(actor)}


def test_the_report_counts_per_school_those_seen_over_a_year_ago_and_those_never_seen(
    history, city_staff, school_a, school_b
):
    rows = rows_by_school(city_staff)

    assert rows[school_a.number] == {
        "school": "Gymnasium am Park",
        "school_number": school_a.number,
        "devices": 5,  # in service: neither retired (GYM-OLD) nor lost (GYM-LOST)
        "seen_over_a_year_ago": 2,  # GYM-1, GYM-3
        "never_seen": 2,  # GYM-4, GYM-5
        "not_seen": 4,
    }
    assert rows[school_b.number]["never_seen"] == 1
    assert rows[school_b.number]["seen_over_a_year_ago"] == 0


def test_a_scan_today_takes_a_device_off_the_report(history, coordinator, whole_school, place):
    scan(coordinator, whole_school, "GYM-1", place.r101)
    scan(coordinator, whole_school, "GYM-4", place.r101)  # elsewhere: seen all the same

    row = rows_by_school(coordinator)[whole_school.school.number]

    assert (row["seen_over_a_year_ago"], row["never_seen"]) == (1, 1)


def test_a_coordinator_sees_their_schools_only(history, coordinator, school_b):
    assert list(rows_by_school(coordinator)) == [history["GYM-1"].school.number]


def test_closing_gives_the_devices_on_loan_their_last_seen_date(coordinator, whole_school, place):
    from stocktaking.services import stocktaking_close

    device = place.devices["GYM-5"]
    LoanFactory(device=device, status="on_loan", student__school=device.school)

    closed = stocktaking_close(actor=coordinator, stocktaking=whole_school)

    seen = DeviceSeen.objects.get(device=device)
    assert (seen.stocktaking, seen.seen_at) == (closed, closed.closed_at)
    assert not DeviceSeen.objects.filter(device=place.devices["GYM-4"]).exists()


def test_the_report_page_shows_the_figures_to_city_staff(history, client_for, city_staff):
    html = client_for(city_staff, language="en").get("/reports/not-seen/").content.decode()

    assert "Not seen for over 12 months" in html
    assert "Gymnasium am Park" in html and "Grundschule Lindenweg" in html
    assert "GYM-1" not in html  # aggregates only
