"""The reports' figures (reports.selectors) for a small known data set."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import PersonRole, PersonStatus
from core.errors import PermissionDenied
from inventory.models import Category, Status
from reports import catalogue, selectors
from scheduling.models import LoanStatus
from tests.accounts.factories import PersonFactory
from tests.factories import DeviceFactory, DeviceModelFactory
from tests.scheduling.factories import LoanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def laptop(db):
    return DeviceModelFactory(name="L14", category=Category.LAPTOP)


@pytest.fixture
def tablet(db):
    return DeviceModelFactory(manufacturer="Apple", name="iPad", category=Category.TABLET)


def by_school(rows, number):
    return [row for row in rows if row["school_number"] == number]


def test_devices_are_counted_per_school_category_and_status(
    city_staff, school_a, school_b, laptop, tablet
):
    DeviceFactory.create_batch(2, school=school_a, model=laptop, status=Status.IN_USE)
    DeviceFactory(school=school_a, model=laptop, status=Status.LOST)
    DeviceFactory(school=school_a, model=tablet, status=Status.IN_STOCK)
    DeviceFactory(school=school_b, model=tablet, status=Status.IN_REPAIR)

    rows = selectors.devices_by_school(actor=city_staff)

    a_laptops, a_tablets = by_school(rows, "165432")
    assert (a_laptops["category"], a_laptops["in_use"], a_laptops["lost"]) == ("laptop", 2, 1)
    assert a_laptops["total"] == 3
    assert (a_tablets["category"], a_tablets["in_stock"], a_tablets["total"]) == ("tablet", 1, 1)
    [b_tablets] = by_school(rows, "123456")
    assert (b_tablets["in_repair"], b_tablets["total"]) == (1, 1)


def test_a_coordinator_gets_the_figures_of_their_schools_only(
    coordinator, school_a, school_b, laptop
):
    DeviceFactory(school=school_a, model=laptop)
    DeviceFactory(school=school_b, model=laptop)
    PersonFactory(school=school_b)

    for report in (
        selectors.devices_by_school,
        selectors.students_per_device,
        selectors.loans_by_school,
        selectors.lost_or_in_repair,
        selectors.warranty_ending,
    ):
        rows = report(actor=coordinator)
        # "": the warranty report's months in which no warranty ends, of no school.
        assert {row["school_number"] for row in rows} - {""} <= {"165432"}, report.__name__
    assert [row["school_number"] for row in selectors.lost_or_in_repair(actor=coordinator)] == [
        "165432"
    ]
    assert sum(row["devices"] for row in selectors.fleet_age(actor=coordinator)) == 1
    assert sum(row["devices"] for row in selectors.spending(actor=coordinator)) == 1


def test_a_teacher_may_not_read_reports(teacher):
    with pytest.raises(PermissionDenied):
        selectors.devices_by_school(actor=teacher)


def test_students_per_device_counts_active_students_and_devices_in_service(
    city_staff, school_a, school_b, laptop
):
    PersonFactory.create_batch(5, school=school_a)
    PersonFactory(school=school_a, status=PersonStatus.TOLERATED)
    PersonFactory(school=school_a, role=PersonRole.TEACHER)
    DeviceFactory.create_batch(2, school=school_a, model=laptop, status=Status.IN_USE)
    DeviceFactory(school=school_a, model=laptop, status=Status.IN_REPAIR)
    DeviceFactory(school=school_a, model=laptop, status=Status.LOST)
    DeviceFactory(school=school_a, model=laptop, status=Status.RETIRED)
    PersonFactory.create_batch(2, school=school_b)

    rows = {row["school_number"]: row for row in selectors.students_per_device(actor=city_staff)}

    assert rows["165432"]["students"] == 5
    assert rows["165432"]["devices"] == 3
    assert rows["165432"]["students_per_device"] == Decimal("1.7")
    assert rows["123456"]["devices"] == 0
    assert rows["123456"]["students_per_device"] is None  # no devices: no ratio


def test_the_fleet_age_counts_devices_in_service_by_purchase_year(city_staff, school_a, laptop):
    this_year = timezone.localdate().year
    DeviceFactory.create_batch(
        2, school=school_a, model=laptop, purchase_date=datetime.date(2020, 3, 1)
    )
    DeviceFactory(school=school_a, model=laptop, purchase_date=datetime.date(2023, 9, 1))
    DeviceFactory(school=school_a, model=laptop, purchase_date=None)
    DeviceFactory(school=school_a, model=laptop, status=Status.RETIRED)

    rows = selectors.fleet_age(actor=city_staff)

    assert rows == [
        {"year": 2020, "age": this_year - 2020, "devices": 2},
        {"year": 2023, "age": this_year - 2023, "devices": 1},
        {"year": None, "age": None, "devices": 1},
    ]


def test_warranty_ending_counts_the_next_twelve_months_per_school_and_month(
    city_staff, school_a, school_b, laptop
):
    today = datetime.date(2026, 3, 15)
    for warranty_end, school in [
        (datetime.date(2026, 3, 15), school_a),  # today: still counted
        (datetime.date(2026, 3, 31), school_a),
        (datetime.date(2026, 4, 2), school_b),
        (datetime.date(2027, 2, 28), school_a),  # the twelfth month, counting this one
        (datetime.date(2027, 3, 1), school_a),  # too far
        (datetime.date(2026, 3, 14), school_a),  # already ended
    ]:
        DeviceFactory(school=school, model=laptop, warranty_end=warranty_end)
    DeviceFactory(school=school_a, model=laptop, warranty_end=today, status=Status.RETIRED)

    rows = selectors.warranty_ending(actor=city_staff, today=today)

    empty = [(datetime.date(2026, month, 1), "", 0) for month in range(5, 13)]
    assert [(row["month"], row["school_number"], row["devices"]) for row in rows] == [
        (datetime.date(2026, 3, 1), "165432", 2),
        (datetime.date(2026, 4, 1), "123456", 1),
        *empty,
        (datetime.date(2027, 1, 1), "", 0),
        (datetime.date(2027, 2, 1), "165432", 1),
    ]


def test_the_warranty_chart_has_a_bar_for_every_month_in_order(city_staff, school_a, laptop):
    """A month in which nothing ends is a bar of 0, so the chart's months are evenly
    spaced and a gap is visible as a gap."""
    today = timezone.localdate()
    DeviceFactory(school=school_a, model=laptop, warranty_end=today)
    report = catalogue.BY_SLUG["warranty"]

    points = catalogue.chart_points(report, report.rows_for(city_staff))

    assert len(points) == 12
    assert points[0][1] == 1 and all(value == 0 for _label, value in points[1:])
    assert len({label for label, _value in points}) == 12


def test_spending_sums_purchase_prices_per_programme_and_year_as_decimal(
    city_staff, school_a, school_b, laptop
):
    def bought(price, programme, year, **kwargs):
        DeviceFactory(
            model=laptop,
            purchase_price=Decimal(price) if price is not None else None,
            funding_programme=programme,
            purchase_date=datetime.date(year, 5, 1),
            **kwargs,
        )

    bought("649.10", "DigitalPakt Schule", 2021, school=school_a)
    bought("350.20", "DigitalPakt Schule", 2021, school=school_b, status=Status.RETIRED)
    bought(None, "DigitalPakt Schule", 2021, school=school_b)
    bought("999.99", "DigitalPakt Schule", 2022, school=school_a)
    bought("100.00", "", 2022, school=school_a)

    rows = selectors.spending(actor=city_staff)

    assert rows == [
        {
            "funding_programme": "DigitalPakt Schule",
            "year": 2021,
            "devices": 3,
            "purchase_price_sum": Decimal("999.30"),
        },
        {
            "funding_programme": "DigitalPakt Schule",
            "year": 2022,
            "devices": 1,
            "purchase_price_sum": Decimal("999.99"),
        },
        {
            "funding_programme": "",
            "year": 2022,
            "devices": 1,
            "purchase_price_sum": Decimal("100.00"),
        },
    ]
    assert all(isinstance(row["purchase_price_sum"], Decimal) for row in rows)


def test_loans_per_school_come_from_the_loan_counts(city_staff, school_a, school_b, laptop):
    today = timezone.localdate()
    device = DeviceFactory(school=school_a, model=laptop, lendable=True, status=Status.ON_LOAN)
    DeviceFactory(school=school_a, model=laptop, lendable=True, status=Status.LOST)
    student = PersonFactory(school=school_a)
    LoanFactory(
        student=student,
        device=device,
        status=LoanStatus.ON_LOAN,
        starts_on=today - datetime.timedelta(days=20),
        ends_on=today - datetime.timedelta(days=1),
    )
    LoanFactory(student=PersonFactory(school=school_a), status=LoanStatus.WAITING)

    rows = {row["school_number"]: row for row in selectors.loans_by_school(actor=city_staff)}

    assert rows["165432"] == {
        "school": "Gymnasium am Park",
        "school_number": "165432",
        "pool_devices": 1,
        "on_loan": 1,
        "overdue": 1,
        "waiting": 1,
    }
    assert (rows["123456"]["on_loan"], rows["123456"]["waiting"]) == (0, 0)


def test_lost_or_in_repair_lists_every_school_with_zeros_too(
    city_staff, school_a, school_b, laptop
):
    DeviceFactory.create_batch(2, school=school_a, model=laptop, status=Status.IN_REPAIR)
    DeviceFactory(school=school_a, model=laptop, status=Status.LOST)
    DeviceFactory(school=school_a, model=laptop, status=Status.IN_USE)

    rows = selectors.lost_or_in_repair(actor=city_staff)

    assert [(r["school_number"], r["in_repair"], r["lost"], r["total"]) for r in rows] == [
        ("123456", 0, 0, 0),  # by name: Grundschule Lindenweg, Gymnasium am Park
        ("165432", 2, 1, 3),
    ]


@pytest.mark.parametrize(
    "report",
    [
        selectors.devices_by_school,
        selectors.students_per_device,
        selectors.fleet_age,
        selectors.warranty_ending,
        selectors.spending,
        selectors.loans_by_school,
        selectors.lost_or_in_repair,
    ],
)
def test_each_report_is_one_query_whatever_the_data(
    report, city_staff, school_a, school_b, laptop, django_assert_num_queries
):
    for school in (school_a, school_b):
        DeviceFactory.create_batch(
            3, school=school, model=laptop, warranty_end=timezone.localdate()
        )
        PersonFactory.create_batch(2, school=school)

    with django_assert_num_queries(1):
        report(actor=city_staff)
