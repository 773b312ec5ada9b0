"""Reads of loans, always through the actor's scope (the permissions' `scope`).

Who sees which loans: those who manage loans see every loan of the schools they reach;
those who may only request see the requests they made themselves. One rule for the API
and the web pages alike (loan_list, loan_get), and one for what they may do with a loan
they see (loan_actions).
"""

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotFound
from core.models import User
from core.permissions import Perm, has, reaches_school, require, school_ids, scope
from inventory.models import Device, DeviceHistory, School, Status
from scheduling import allocation
from scheduling.booking import overlapping
from scheduling.history import LOAN_FIELD, loan_event_prefix
from scheduling.models import HOLDING, LOAN_ACTIONS, REQUESTER_ACTIONS, Loan, LoanStatus

LOAN_ORDERINGS = {"requested_at", "starts_on", "ends_on", "status"}


@dataclass(frozen=True)
class LoanFilters:
    status: str | None = None
    school: str | None = None  # school number
    category: str | None = None
    student: int | None = None  # person id: the loans on a person's page
    mine: bool = False  # only the requests the actor made
    overdue: bool = False  # only loans on loan after their last day
    due_by: datetime.date | None = None  # only loans that start on this day or before
    ordering: str = "-requested_at"


def loan_list(
    *, actor: User, filters: LoanFilters | None = None, perm: Perm = Perm.LOAN_REQUEST
) -> QuerySet[Loan]:
    """The loans the actor may see, filtered and ordered (`ordering` may start with '-';
    `requested_at` ascending is the queue, first come first served). One query."""
    filters = filters or LoanFilters()
    qs = scope(
        Loan.objects.select_related(
            "student__school_class", "school", "device__model", "requested_by"
        ),
        actor,
        perm,
    )
    if filters.mine or not has(actor, Perm.LOAN_MANAGE):
        qs = qs.filter(requested_by=actor)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.school:
        qs = qs.filter(school__number=filters.school)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.student is not None:
        qs = qs.filter(student_id=filters.student)
    if filters.overdue:
        qs = qs.filter(status=LoanStatus.ON_LOAN, ends_on__lt=timezone.localdate())
    if filters.due_by is not None:
        qs = qs.filter(starts_on__lte=filters.due_by)
    field = filters.ordering.lstrip("-")
    if field not in LOAN_ORDERINGS:
        field = "requested_at"
    prefix = "-" if filters.ordering.startswith("-") else ""
    return qs.order_by(prefix + field, prefix + "pk")


def loan_get(*, actor: User, loan_id: int, perm: Perm = Perm.LOAN_REQUEST) -> Loan:
    """One loan the actor may see (loan_list: a teacher the loans they requested, those who
    manage loans those of their schools); NotFound also for one out of reach. Fetched with
    LOAN_MANAGE, a role that may not manage gets 403 whatever the loan."""
    loan = loan_list(actor=actor, perm=perm).filter(pk=loan_id).first()
    if loan is None:
        raise NotFound(_("Loan not found."))
    return loan


def loan_manages(actor: User, loan: Loan) -> bool:
    """Whether the actor manages loans of the loan's school (decide, hand out, take back)."""
    return has(actor, Perm.LOAN_MANAGE) and reaches_school(actor, loan.school_id)


def loan_may_cancel(actor: User, loan: Loan) -> bool:
    """Its requester or one who manages the loan's school may cancel it (in any status)."""
    if loan_manages(actor, loan):
        return True
    return has(actor, Perm.LOAN_REQUEST) and loan.requested_by_id == actor.pk


def loan_actions(*, actor: User, loan: Loan) -> frozenset[str]:
    """What the actor may do with the loan now (LOAN_ACTIONS of its status): everything
    for one who manages its school, only cancelling for the teacher who requested it,
    nothing for anyone else. What a page offers; each step checks again."""
    allowed = LOAN_ACTIONS.get(loan.status, frozenset())
    if loan_manages(actor, loan):
        return allowed
    if loan_may_cancel(actor, loan):
        return allowed & REQUESTER_ACTIONS
    return frozenset()


def _schools(actor: User, perm: Perm, numbers: list[str]) -> list[School]:
    """The schools named by number, each in the actor's reach or a pool site (for lending,
    every school may look at the pool); NotFound naming the first one that is not."""
    require(actor, perm)
    found = {
        school.number: school
        for school in School.objects.filter(number__in=numbers)
        if school.loan_pool or reaches_school(actor, school.id)
    }
    for number in numbers:
        if number not in found:
            message = _("School %(number)s not found.") % {"number": number}
            raise NotFound(message, errors=[{"field": "school", "message": message}])
    return [found[number] for number in numbers]


class AvailableDevice(NamedTuple):
    """A free device as an availability list shows it: values, not a model instance, since
    a city-wide period can free a thousand devices and building instances took half the
    time of the query."""

    asset_tag: str
    manufacturer: str
    model_name: str
    school_number: str
    school_name: str
    pool: bool


# Where each AvailableDevice field comes from, in its order.
_AVAILABLE_COLUMNS = (
    "asset_tag",
    "model__manufacturer",
    "model__name",
    "school__number",
    "school__name",
    "school__loan_pool",
)


def device_availability(
    *,
    actor: User,
    category: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    schools: list[str] | None = None,
) -> list[AvailableDevice]:
    """Devices of the category free on every day of the period, in the named schools (by
    default the actor's schools and the pool), in allocation order. One query."""
    rows = device_availability_query(
        actor=actor, category=category, starts_on=starts_on, ends_on=ends_on, schools=schools
    )
    return [AvailableDevice._make(row) for row in rows]


def device_availability_query(
    *,
    actor: User,
    category: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    schools: list[str] | None = None,
) -> QuerySet:
    """The one query behind device_availability, its rows the AvailableDevice fields."""
    require(actor, Perm.LOAN_REQUEST)
    qs = allocation.free_devices(category=category, starts_on=starts_on, ends_on=ends_on)
    if schools:
        qs = qs.filter(school__in=_schools(actor, Perm.LOAN_REQUEST, schools))
    else:
        ids = school_ids(actor)
        if ids is not None:
            qs = qs.filter(Q(school_id__in=ids) | Q(school__loan_pool=True))
    return qs.order_by("school__name", "asset_tag").values_list(*_AVAILABLE_COLUMNS)


@dataclass(frozen=True)
class CalendarWindow:
    starts_on: datetime.date
    ends_on: datetime.date


def calendar_window(starts_on: datetime.date | None, weeks: int) -> CalendarWindow:
    first = starts_on or timezone.localdate()
    return CalendarWindow(first, first + datetime.timedelta(weeks=weeks, days=-1))


def loan_calendar(
    *,
    actor: User,
    window: CalendarWindow,
    school: str | None = None,
    asset_tag: str | None = None,
    category: str | None = None,
) -> QuerySet[Device]:
    """The lendable devices of the schools the actor manages loans for (or one school, or
    one device; NotFound when out of reach), each with `window_loans`: its reserved and
    on-loan loans that touch the window, by first day. Two queries, whatever the number of
    devices and loans."""
    qs = scope(
        Device.objects.filter(lendable=True).exclude(status=Status.RETIRED),
        actor,
        Perm.LOAN_MANAGE,
    )
    if school:
        if not scope(
            School.objects.filter(number=school), actor, Perm.LOAN_MANAGE, school_field="id"
        ).exists():
            raise NotFound(_("School %(number)s not found.") % {"number": school})
        qs = qs.filter(school__number=school)
    if asset_tag:
        qs = qs.filter(asset_tag__iexact=asset_tag.strip())
        if not qs.exists():
            raise NotFound(_("Device %(tag)s not found.") % {"tag": asset_tag})
    if category:
        qs = qs.filter(model__category=category)
    loans = (
        Loan.objects.filter(status__in=HOLDING)
        .filter(overlapping(window.starts_on, window.ends_on))
        .select_related("student", "school")
        .order_by("starts_on", "pk")
    )
    return (
        qs.select_related("model", "school")
        .prefetch_related(Prefetch("loans", queryset=loans, to_attr="window_loans"))
        .order_by("school__name", "asset_tag")
    )


def _count(qs: QuerySet, field: str = "school") -> Subquery:
    counted = (
        qs.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def loan_counts(*, actor: User) -> QuerySet[School]:
    """Per school the actor may report on: `pool_devices` (its lendable devices, lost and
    retired ones not counted), `on_loan`, `overdue` (on loan after the last day) and
    `waiting` (requests of its students waiting for a device). One query."""
    today = timezone.localdate()
    loans = Loan.objects.all()
    return (
        scope(School.objects.all(), actor, Perm.REPORT_VIEW, school_field="id")
        .annotate(
            pool_devices=_count(
                Device.objects.filter(lendable=True).exclude(
                    status__in=(Status.LOST, Status.RETIRED)
                )
            ),
            on_loan=_count(loans.filter(status=LoanStatus.ON_LOAN)),
            overdue=_count(loans.filter(status=LoanStatus.ON_LOAN, ends_on__lt=today)),
            waiting=_count(loans.filter(status=LoanStatus.WAITING)),
        )
        .order_by("name", "number")
    )


def loan_queue_counts(*, actor: User) -> dict[str, int]:
    """For those who manage loans, in the schools they reach: `requested` (the queue),
    `waiting`, `reserved` (ready for hand-out), `on_loan` and `overdue` (on loan after the
    last day). One query."""
    overdue = Q(status=LoanStatus.ON_LOAN, ends_on__lt=timezone.localdate())
    return scope(Loan.objects.all(), actor, Perm.LOAN_MANAGE).aggregate(
        requested=Count("pk", filter=Q(status=LoanStatus.REQUESTED)),
        waiting=Count("pk", filter=Q(status=LoanStatus.WAITING)),
        reserved=Count("pk", filter=Q(status=LoanStatus.RESERVED)),
        on_loan=Count("pk", filter=Q(status=LoanStatus.ON_LOAN)),
        overdue=Count("pk", filter=overdue),
    )


def loan_history(*, actor: User, loan: Loan) -> QuerySet[DeviceHistory]:
    """The rows the loan's events wrote into its device's history (loan_event_write),
    oldest first. `loan` comes from loan_get, so the actor's scope is already decided."""
    if loan.device_id is None:
        return DeviceHistory.objects.none()
    return (
        DeviceHistory.objects.filter(
            device_id=loan.device_id, field=LOAN_FIELD, new__startswith=loan_event_prefix(loan.pk)
        )
        .select_related("actor")
        .order_by("at", "id")
    )


def loans_held_by_students(*, school: School) -> dict[int, list[str]]:
    """Student id → the asset tags of the devices their loans hold (reserved or on loan),
    for the students of `school`: what the roster import shows for students who leave.
    No actor: the roster import has decided who may read the school. One query."""
    held: dict[int, list[str]] = {}
    rows = (
        Loan.objects.filter(student__school=school, status__in=HOLDING)
        .order_by("student_id", "device__asset_tag")
        .values_list("student_id", "device__asset_tag")
    )
    for student_id, asset_tag in rows:
        held.setdefault(student_id, []).append(asset_tag)
    return held
