"""The one place that lets a loan hold a device: never two holding loans of one device
with overlapping periods, whatever the entry point and however many people click at once.

The check runs inside the caller's transaction. On SQLite every write transaction is
serialised (IMMEDIATE), so the check sees every booking made before it; on PostgreSQL two
bookings may pass the check at the same moment, and then the exclusion constraint
`loan_device_no_overlap` refuses the second one, which becomes the same Conflict.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.errors import Conflict
from inventory.models import Device
from scheduling.models import HOLDING, Loan, LoanStatus


def overlapping(starts_on: datetime.date, ends_on: datetime.date | None) -> Q:
    """Loans whose period shares at least one day with starts_on..ends_on (both days
    included; ends_on None: open-ended)."""
    q = Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)
    if ends_on is not None:
        q &= Q(starts_on__lte=ends_on)
    return q


def holding_loans(
    device_id: int, starts_on: datetime.date, ends_on: datetime.date | None
) -> QuerySet[Loan]:
    """The loans that hold the device on some day of the period."""
    return Loan.objects.filter(
        overlapping(starts_on, ends_on), device_id=device_id, status__in=HOLDING
    )


def device_hold(
    loan: Loan,
    device: Device,
    *,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    status: str = LoanStatus.RESERVED,
) -> Loan:
    """Let `loan` hold `device` (with a new period if given: an extension) and save it.
    Raises Conflict (409) when another loan holds the device on a day of the period;
    then nothing is written."""
    starts_on = starts_on or loan.starts_on
    ends_on = ends_on if ends_on is not None else loan.ends_on
    taken = holding_loans(device.pk, starts_on, ends_on).exclude(pk=loan.pk).first()
    if taken is not None:
        raise _conflict(device, taken)
    loan.device = device
    loan.starts_on, loan.ends_on, loan.status = starts_on, ends_on, status
    try:
        with transaction.atomic():
            loan.save()
    except IntegrityError as exc:
        # Booked by someone else between the check and the write (PostgreSQL).
        taken = holding_loans(device.pk, starts_on, ends_on).exclude(pk=loan.pk).first()
        if taken is None:
            raise
        raise _conflict(device, taken) from exc
    return loan


def _conflict(device: Device, taken: Loan) -> Conflict:
    values = {"tag": device.asset_tag, "start": taken.starts_on.strftime("%d.%m.%Y")}
    if taken.ends_on is None:
        message = _("Device %(tag)s is already booked from %(start)s with no end.") % values
    else:
        message = _("Device %(tag)s is already booked from %(start)s until %(end)s.") % {
            **values,
            "end": taken.ends_on.strftime("%d.%m.%Y"),
        }
    return Conflict(message, code="device_booked")
