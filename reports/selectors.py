"""The reports' figures: one function per report, each one or two aggregate queries,
always through the actor's scope (core.permissions, Perm.REPORT_VIEW).

Every function returns plain rows (dicts of texts, dates and numbers) with the keys the
report's columns name (the report catalogue). Rows hold schools, categories,
years and counts only: no person's name, login, birth date or id ever reaches a row.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear, TruncMonth
from django.utils import timezone

from accounts.models import Person, PersonRole, PersonStatus
from core.models import User
from core.permissions import Perm, scope
from inventory.models import Category, Device, School, Status
from scheduling.selectors import loan_counts
from stocktaking.selectors import not_seen_by_school

Row = dict[str, object]

# Devices that still serve a school: the fleet, and what students share.
OUT_OF_SERVICE = (Status.RETIRED, Status.LOST)


def _devices(actor: User):
    return scope(Device.objects.all(), actor, Perm.REPORT_VIEW).order_by()


def _schools(actor: User):
    return scope(School.objects.all(), actor, Perm.REPORT_VIEW, school_field="id").order_by(
        "name", "number"
    )


def _count(qs, field: str = "school") -> Coalesce:
    """A subquery counting the rows of `qs` that belong to the outer school."""
    counted = qs.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), Value(0))


def devices_by_school(*, actor: User) -> list[Row]:
    """Per school and device category: the devices by status and in total. Combinations
    without devices are left out. One query."""
    counts: dict[tuple[str, str, str], dict[str, int]] = {}
    rows = (
        _devices(actor)
        .values_list("school__name", "school__number", "model__category", "status")
        .annotate(n=Count("id"))
    )
    for name, number, category, status, n in rows:
        counts.setdefault((name, number, category), {})[status] = n
    categories = list(Category.values)
    result = []
    for (name, number, category), by_status in sorted(
        counts.items(), key=lambda item: (item[0][0], item[0][1], categories.index(item[0][2]))
    ):
        row: Row = {
            "school": name,
            "school_number": number,
            "category": category,
        }
        row.update({status: by_status.get(status, 0) for status in Status.values})
        row["total"] = sum(by_status.values())
        result.append(row)
    return result


def students_per_device(*, actor: User) -> list[Row]:
    """Per school (those without students or devices too): active students, devices in
    service (neither retired nor lost) and students per device, rounded to one decimal
    (None without devices). One query."""
    students = Person.objects.filter(role=PersonRole.STUDENT, status=PersonStatus.ACTIVE)
    devices = Device.objects.exclude(status__in=OUT_OF_SERVICE)
    schools = (
        _schools(actor)
        .annotate(n_students=_count(students), n_devices=_count(devices))
        .values_list("name", "number", "n_students", "n_devices")
    )
    return [
        {
            "school": name,
            "school_number": number,
            "students": n_students,
            "devices": n_devices,
            "students_per_device": (
                (Decimal(n_students) / n_devices).quantize(Decimal("0.1"), ROUND_HALF_UP)
                if n_devices
                else None
            ),
        }
        for name, number, n_students, n_devices in schools
    ]


def fleet_age(*, actor: User) -> list[Row]:
    """Devices in service (neither retired nor lost) by purchase year, oldest first, with
    their age in years; those without a purchase date last (year None). One query."""
    this_year = timezone.localdate().year
    rows = (
        _devices(actor)
        .exclude(status__in=OUT_OF_SERVICE)
        .annotate(year=ExtractYear("purchase_date"))
        .values_list("year")
        .annotate(n=Count("id"))
    )
    result = [
        {"year": year, "age": this_year - year if year is not None else None, "devices": n}
        for year, n in rows
    ]
    return sorted(result, key=lambda row: (row["year"] is None, row["year"] or 0))


def _months_ahead(today: datetime.date, months: int) -> datetime.date:
    month = today.month - 1 + months
    year, month = today.year + month // 12, month % 12 + 1
    return datetime.date(year, month, 1)


def warranty_ending(*, actor: User, today: datetime.date | None = None) -> list[Row]:
    """Devices in service whose warranty ends in the next 12 months — from today to the
    end of the eleventh month after this one — per school and month (the month as its
    first day), by month, then school. Every month is there: one in which no warranty
    ends has a row of 0 devices without a school. One query."""
    today = today or timezone.localdate()
    end = _months_ahead(today, 12)  # the first day after the twelfth month
    rows = (
        _devices(actor)
        .exclude(status__in=OUT_OF_SERVICE)
        .filter(warranty_end__gte=today, warranty_end__lt=end)
        .annotate(month=TruncMonth("warranty_end"))
        .values_list("month", "school__name", "school__number")
        .annotate(n=Count("id"))
    )
    result = [
        {
            "month": month if isinstance(month, datetime.date) else month.date(),
            "school": name,
            "school_number": number,
            "devices": n,
        }
        for month, name, number, n in rows
    ]
    months = {row["month"] for row in result}
    for ahead in range(12):
        month = _months_ahead(today, ahead)
        if month not in months:
            result.append({"month": month, "school": "", "school_number": "", "devices": 0})
    return sorted(result, key=lambda row: (row["month"], row["school"], row["school_number"]))


def spending(*, actor: User) -> list[Row]:
    """Every device bought (retired and lost ones too: the money was spent), per funding
    programme and purchase year: how many and the sum of their purchase prices (Decimal;
    devices without a price count as 0). Programmes by name, "" for devices without one;
    years without a purchase date are None. One query."""
    rows = (
        _devices(actor)
        .annotate(year=ExtractYear("purchase_date"))
        .values_list("funding_programme", "year")
        .annotate(n=Count("id"), total=Sum("purchase_price"))
    )
    result = [
        {
            "funding_programme": programme,
            "year": year,
            "devices": n,
            "purchase_price_sum": Decimal(total or 0).quantize(Decimal("0.01")),
        }
        for programme, year, n, total in rows
    ]
    return sorted(
        result,
        key=lambda row: (
            row["funding_programme"] == "",
            str(row["funding_programme"]).casefold(),
            row["year"] is None,
            row["year"] or 0,
        ),
    )


def loans_by_school(*, actor: User) -> list[Row]:
    """Per school: its lendable devices, loans on loan now, of those overdue, and requests
    waiting for a device (loan_counts). One query."""
    return [
        {
            "school": school.name,
            "school_number": school.number,
            "pool_devices": school.pool_devices,
            "on_loan": school.on_loan,
            "overdue": school.overdue,
            "waiting": school.waiting,
        }
        for school in loan_counts(actor=actor)
    ]


def lost_or_in_repair(*, actor: User) -> list[Row]:
    """Per school (every school, zeros too): devices in repair, lost, and both. One query."""
    schools = (
        _schools(actor)
        .annotate(
            n_in_repair=Count("devices", filter=Q(devices__status=Status.IN_REPAIR)),
            n_lost=Count("devices", filter=Q(devices__status=Status.LOST)),
        )
        .values_list("name", "number", "n_in_repair", "n_lost")
    )
    return [
        {
            "school": name,
            "school_number": number,
            "in_repair": in_repair,
            "lost": lost,
            "total": in_repair + lost,
        }
        for name, number, in_repair, lost in schools
    ]


def not_seen_for_a_year(*, actor: User) -> list[Row]:
    """Per school (every school, zeros too): devices in service, those a stock-taking last
    saw more than 12 months ago, those no stock-taking has seen, and both together
    (stocktaking.selectors.not_seen_by_school). One query."""
    return not_seen_by_school(actor=actor, perm=Perm.REPORT_VIEW)
