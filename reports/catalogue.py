"""The reports city staff, IT admins and coordinators read: what each one shows (title,
description, columns) and what its chart draws. The figures come from
reports.selectors; pages, .xlsx files and the open-data export are all built
from the same definition, so they always show the same numbers."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import User
from inventory.models import Category, Status
from reports import selectors
from reports.selectors import Row

# Column kinds. Dimensions say what a row is about, measures are its numbers.
TEXT, YEAR, MONTH = "text", "year", "month"
NUMBER, DECIMAL, MONEY = "number", "decimal", "money"
MEASURES = (NUMBER, DECIMAL, MONEY)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT

    @property
    def is_measure(self) -> bool:
        return self.kind in MEASURES


@dataclass(frozen=True)
class Chart:
    """A bar per distinct label; rows with the same label add up (a school's categories)."""

    label: str  # the column whose values name the bars
    value: str  # the measure column the bars show
    title: str


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    description: str
    columns: tuple[Column, ...]
    chart: Chart
    rows: Callable[..., list[Row]]

    def rows_for(self, actor: User) -> list[Row]:
        return self.rows(actor=actor)


SCHOOL = Column("school", gettext_lazy("School"))
SCHOOL_NUMBER = Column("school_number", gettext_lazy("School number"))
DEVICES = Column("devices", gettext_lazy("Devices"), NUMBER)

REPORTS: tuple[Report, ...] = (
    Report(
        slug="devices-per-school",
        title=gettext_lazy("Devices per school"),
        description=gettext_lazy(
            "How many devices each school has, by category and status. Categories a school "
            "has no device of are left out."
        ),
        columns=(
            SCHOOL,
            SCHOOL_NUMBER,
            Column("category", gettext_lazy("Category")),
            *(Column(status.value, status.label, NUMBER) for status in Status),
            Column("total", gettext_lazy("Total"), NUMBER),
        ),
        chart=Chart("school", "total", gettext_lazy("Devices per school")),
        rows=selectors.devices_by_school,
    ),
    Report(
        slug="students-per-device",
        title=gettext_lazy("Students per device"),
        description=gettext_lazy(
            "Active students per device in service (neither retired nor lost), per school."
        ),
        columns=(
            SCHOOL,
            SCHOOL_NUMBER,
            Column("students", gettext_lazy("Active students"), NUMBER),
            Column("devices", gettext_lazy("Devices in service"), NUMBER),
            Column("students_per_device", gettext_lazy("Students per device"), DECIMAL),
        ),
        chart=Chart("school", "students_per_device", gettext_lazy("Students per device")),
        rows=selectors.students_per_device,
    ),
    Report(
        slug="fleet-age",
        title=gettext_lazy("Age of the devices"),
        description=gettext_lazy(
            "Devices in service (neither retired nor lost) by the year they were bought."
        ),
        columns=(
            Column("year", gettext_lazy("Purchase year"), YEAR),
            Column("age", gettext_lazy("Age in years"), NUMBER),
            DEVICES,
        ),
        chart=Chart("year", "devices", gettext_lazy("Devices by purchase year")),
        rows=selectors.fleet_age,
    ),
    Report(
        slug="warranty",
        title=gettext_lazy("Warranty ending"),
        description=gettext_lazy(
            "Devices in service whose warranty ends within the next 12 months, per school "
            "and month; every month is shown, also those in which none ends."
        ),
        columns=(
            Column("month", gettext_lazy("Month"), MONTH),
            SCHOOL,
            SCHOOL_NUMBER,
            DEVICES,
        ),
        chart=Chart("month", "devices", gettext_lazy("Warranty ending per month")),
        rows=selectors.warranty_ending,
    ),
    Report(
        slug="spending",
        title=gettext_lazy("Spending by funding programme"),
        description=gettext_lazy(
            "The purchase prices of all devices bought (retired and lost ones too), per "
            "funding programme and purchase year, in euros."
        ),
        columns=(
            Column("funding_programme", gettext_lazy("Funding programme")),
            Column("year", gettext_lazy("Purchase year"), YEAR),
            DEVICES,
            Column("purchase_price_sum", gettext_lazy("Purchase prices (EUR)"), MONEY),
        ),
        chart=Chart(
            "funding_programme",
            "purchase_price_sum",
            gettext_lazy("Spending per funding programme (EUR)"),
        ),
        rows=selectors.spending,
    ),
    Report(
        slug="loans",
        title=gettext_lazy("Loans per school"),
        description=gettext_lazy(
            "Per school: its lendable devices, the devices on loan now, those of them "
            "overdue, and requests waiting for a device."
        ),
        columns=(
            SCHOOL,
            SCHOOL_NUMBER,
            Column("pool_devices", gettext_lazy("Lendable devices"), NUMBER),
            Column("on_loan", gettext_lazy("On loan"), NUMBER),
            Column("overdue", gettext_lazy("Overdue"), NUMBER),
            Column("waiting", gettext_lazy("Waiting for a device"), NUMBER),
        ),
        chart=Chart("school", "on_loan", gettext_lazy("Devices on loan per school")),
        rows=selectors.loans_by_school,
    ),
    Report(
        slug="lost-in-repair",
        title=gettext_lazy("Lost or in repair"),
        description=gettext_lazy("Per school: the devices in repair and the devices lost."),
        columns=(
            SCHOOL,
            SCHOOL_NUMBER,
            Column("in_repair", Status.IN_REPAIR.label, NUMBER),
            Column("lost", Status.LOST.label, NUMBER),
            Column("total", gettext_lazy("Total"), NUMBER),
        ),
        chart=Chart("school", "total", gettext_lazy("Lost or in repair per school")),
        rows=selectors.lost_or_in_repair,
    ),
    Report(
        slug="not-seen",
        title=gettext_lazy("Not seen for over 12 months"),
        description=gettext_lazy(
            "Per school: the devices in service (neither retired nor lost) that a "
            "stock-taking last saw more than 12 months ago, and apart from them those that "
            "no stock-taking has ever seen."
        ),
        columns=(
            SCHOOL,
            SCHOOL_NUMBER,
            Column("devices", gettext_lazy("Devices in service"), NUMBER),
            Column("seen_over_a_year_ago", gettext_lazy("Last seen over 12 months ago"), NUMBER),
            Column("never_seen", gettext_lazy("Never seen"), NUMBER),
            Column("not_seen", gettext_lazy("Not seen for 12 months, in total"), NUMBER),
        ),
        chart=Chart("school", "not_seen", gettext_lazy("Not seen for 12 months per school")),
        rows=selectors.not_seen_for_a_year,
    ),
)

BY_SLUG = {report.slug: report for report in REPORTS}


def label_text(column: Column, value: object) -> str:
    """A dimension's value as a person reads it (a chart's label, a table's cell)."""
    if value is None:
        return _("unknown")
    if column.kind == MONTH and isinstance(value, datetime.date):
        return date_format(value, "YEAR_MONTH_FORMAT")
    if column.key == "category" and value in Category.values:
        return str(Category(value).label)
    if column.key == "funding_programme" and value == "":
        return _("without funding programme")
    return str(value)


def chart_points(report: Report, rows: list[Row]) -> list[tuple[str, int | Decimal]]:
    """(label, value) per bar, in the order the labels first appear; rows with the same
    label add up, rows without a value (no devices: no ratio) are left out."""
    column = next(c for c in report.columns if c.key == report.chart.label)
    # Names repeat ("Grundschule Mitte"): two schools of one name stay two bars.
    by_school = column.key == "school"
    totals: dict[tuple, int | Decimal] = {}
    labels: dict[tuple, str] = {}
    for row in rows:
        value = row[report.chart.value]
        if value is None:
            continue
        key = (row[column.key], row.get("school_number") if by_school else None)
        labels[key] = label_text(column, row[column.key])
        totals[key] = totals.get(key, 0) + value
    return [(labels[key], total) for key, total in totals.items()]
