"""Which device a loan may get, and which one it does get: the allocation rules, here alone.

- A device may serve a loan if it is lendable, of the loan's category, not lost, retired
  or in repair, and belongs to the student's school or to a site of the city's loan pool
  (School.loan_pool).
- It is free for a period if no reserved or on-loan loan holds it on a day of the period,
  and it is not out on an overdue loan (an overdue device is away until it comes back).
- Automatic allocation takes the first free device of the student's school, then of the
  pool, each in asset tag order. Waiting requests are served first come, first served
  (requested_at, then id).

Booking itself goes through scheduling.booking.device_hold, which keeps the never-twice rule.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from core.errors import Conflict
from core.models import User
from inventory.models import Category, Device, Status
from scheduling.booking import device_hold, overlapping
from scheduling.history import loan_event_write
from scheduling.models import HOLDING, Loan, LoanStatus

# Devices in these states are not lent, whatever their lendable flag says.
UNAVAILABLE = (Status.LOST, Status.RETIRED, Status.IN_REPAIR)
# How many candidates automatic allocation tries when others book at the same moment.
_TRIES = 5


def lendable_devices(category: str) -> QuerySet[Device]:
    """Devices of the category that may be lent at all."""
    return Device.objects.filter(lendable=True, model__category=category).exclude(
        status__in=UNAVAILABLE
    )


def blocking(starts_on: datetime.date, ends_on: datetime.date | None) -> Q:
    """Loans that keep their device from being lent on some day of the period."""
    # An overdue loan is on loan too, so the status test comes first for both: then the
    # (device, status) index finds a device's few holding loans instead of every loan it
    # ever had (SQLite read them all: 20 times slower with 200,000 loans).
    return Q(status__in=HOLDING) & (
        overlapping(starts_on, ends_on) | _overdue(timezone.localdate())
    )


def _overdue(today: datetime.date) -> Q:
    return Q(status=LoanStatus.ON_LOAN, ends_on__lt=today)


def free_devices(
    *, category: str, starts_on: datetime.date, ends_on: datetime.date | None
) -> QuerySet[Device]:
    """Devices of the category free on every day of the period: one query (NOT EXISTS),
    whatever the number of loans."""
    busy = Loan.objects.filter(blocking(starts_on, ends_on), device_id=OuterRef("pk"))
    return lendable_devices(category).filter(~Exists(busy))


def serves(school_id: int) -> Q:
    """Devices that may be lent to a student of the school: its own and the pool's."""
    return Q(school_id=school_id) | Q(school__loan_pool=True)


def lendable_categories(school_id: int) -> list[str]:
    """The categories a student of the school can borrow: those of which a lendable device
    serves the school (its own or the pool's), in the order of Category; one in repair
    counts (it comes back), a lost or retired one does not. A switch or a projector is
    never among them unless marked lendable. One query."""
    found = set(
        Device.objects.filter(serves(school_id), lendable=True)
        .exclude(status__in=(Status.LOST, Status.RETIRED))
        .order_by()
        .values_list("model__category", flat=True)
        .distinct()
    )
    return [category for category in Category.values if category in found]


def in_allocation_order(qs: QuerySet[Device], school_id: int) -> QuerySet[Device]:
    own_first = Case(
        When(school_id=school_id, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return qs.order_by(own_first, "asset_tag", "pk")


def start_for(loan: Loan) -> datetime.date:
    """The first day a loan can hold a device: its own, or today if that has passed."""
    return max(loan.starts_on, timezone.localdate())


def reserve(loan: Loan, device: Device, *, actor: User | None) -> Loan:
    """Book `device` for `loan` (status reserved) and write the device's history row.
    Raises Conflict when the device is taken on a day of the period; then nothing is
    written."""
    with transaction.atomic():
        device_hold(loan, device, starts_on=start_for(loan), status=LoanStatus.RESERVED)
        loan_event_write(loan=loan, device=device, event="reserved", actor=actor)
    return loan


def allocate_one(loan: Loan, *, actor: User | None) -> Device | None:
    """Reserve the first free device for the loan; None when there is none."""
    candidates = in_allocation_order(
        free_devices(category=loan.category, starts_on=start_for(loan), ends_on=loan.ends_on)
        .filter(serves(loan.school_id))
        .select_related("model", "school"),
        loan.school_id,
    )
    for device in candidates[:_TRIES]:
        try:
            reserve(loan, device, actor=actor)
        except Conflict:
            continue  # booked by someone else a moment ago: the next one
        return device
    return None


def _free_in_memory(
    bookings: list[tuple[datetime.date, datetime.date | None]],
    starts_on: datetime.date,
    ends_on: datetime.date | None,
) -> bool:
    for start, end in bookings:
        if (end is None or end >= starts_on) and (ends_on is None or start <= ends_on):
            return False
    return True


def loans_allocate_waiting(
    *, actor: User | None = None, devices: Iterable[Device] | None = None
) -> list[Loan]:
    """Reserve a device for as many waiting requests as possible, first come first served,
    in one pass: three reads for all requests and devices together, then two writes per
    request that gets a device. `devices` limits the pass to these devices (one that has
    just come back). Requests whose period is over stay waiting. Returns the reserved
    loans."""
    today = timezone.localdate()
    with transaction.atomic():
        waiting = list(
            Loan.objects.select_for_update()
            .filter(status=LoanStatus.WAITING)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
            .order_by("requested_at", "pk")
        )
        if not waiting:
            return []
        candidates = (
            Device.objects.filter(
                lendable=True, model__category__in={loan.category for loan in waiting}
            )
            .exclude(status__in=UNAVAILABLE)
            .filter(
                Q(school_id__in={loan.school_id for loan in waiting}) | Q(school__loan_pool=True)
            )
            .filter(~Exists(Loan.objects.filter(_overdue(today), device_id=OuterRef("pk"))))
            .select_related("model", "school")
            .order_by("asset_tag", "pk")
        )
        if devices is not None:
            candidates = candidates.filter(pk__in=[device.pk for device in devices])
        own: dict[tuple[str, int], list[Device]] = defaultdict(list)
        pool: dict[str, list[Device]] = defaultdict(list)
        for device in candidates:
            own[(device.model.category, device.school_id)].append(device)
            if device.school.loan_pool:
                pool[device.model.category].append(device)
        bookings: dict[int, list] = defaultdict(list)
        held = Loan.objects.filter(
            status__in=HOLDING, device_id__in=[d.pk for group in own.values() for d in group]
        ).values_list("device_id", "starts_on", "ends_on")
        for device_id, starts_on, ends_on in held:
            bookings[device_id].append((starts_on, ends_on))

        reserved = []
        for loan in waiting:
            starts_on = start_for(loan)
            mine = own.get((loan.category, loan.school_id), [])
            others = [d for d in pool.get(loan.category, []) if d.school_id != loan.school_id]
            for device in (*mine, *others):
                if not _free_in_memory(bookings[device.pk], starts_on, loan.ends_on):
                    continue
                try:
                    reserve(loan, device, actor=actor)
                except Conflict:
                    continue
                bookings[device.pk].append((loan.starts_on, loan.ends_on))
                reserved.append(loan)
                break
    return reserved
