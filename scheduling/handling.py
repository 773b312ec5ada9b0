"""The loan flow once a device is reserved: handout, return, extension, loss.

Each step is done by someone who manages loans for the student's school, locks the loan's
row and checks its status first (locked), and writes the device's
history: its status through inventory.services' history helpers, and a row for the loan
event (loan_event_write).
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from core.models import User
from inventory.models import Status
from scheduling import allocation
from scheduling.booking import device_hold
from scheduling.history import device_note_add, device_status_set, loan_event_write
from scheduling.models import Accessory, Loan, LoanStatus
from scheduling.services import check_manager, locked


def _invalid(errors: list[dict], message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=errors)


def _accessories(field: str, accessories: list[str]) -> list[str]:
    unknown = [item for item in accessories if item not in Accessory.values]
    if unknown:
        message = _("Unknown accessory %(item)s; choose from: %(choices)s.") % {
            "item": unknown[0],
            "choices": ", ".join(Accessory.values),
        }
        raise _invalid([{"field": field, "message": message}], message)
    return list(dict.fromkeys(accessories))


def loan_scan_check(loan: Loan, asset_tag: str | None) -> None:
    """A scanned asset tag must be the loan's device (None: nothing was scanned)."""
    if asset_tag is None or asset_tag.strip().lower() == loan.device.asset_tag.lower():
        return
    message = _("Device %(scanned)s is not the device of this loan; please take %(reserved)s.") % {
        "scanned": asset_tag.strip(),
        "reserved": loan.device.asset_tag,
    }
    raise _invalid([{"field": "asset_tag", "message": message}], message)


def early_handout_text(loan: Loan) -> str:
    """What handing out before the loan's first day means, for the person to confirm."""
    return _(
        "This loan starts on %(date)s. Handed out today, it starts today instead: please confirm."
    ) % {"date": date_format(loan.starts_on, "SHORT_DATE_FORMAT")}


def loan_handout(
    *,
    actor: User,
    loan: Loan,
    asset_tag: str,
    guardian_name: str,
    accessories: list[str],
    condition: str = "",
    agreement_signed: bool,
    start_today: bool = False,
) -> Loan:
    """Hand the reserved device to the student's guardian: the scanned `asset_tag` must be
    the reserved device, the loan agreement signed. Records who, when, accessories and
    condition; the device becomes on_loan. Handed out before the first day, the loan starts
    today, which `start_today` must confirm (Conflict if the device is booked until then)."""
    check_manager(actor, loan)
    accessories = _accessories("accessories", accessories)
    errors = []
    if loan.starts_on > timezone.localdate() and not start_today:
        errors.append({"field": "start_today", "message": early_handout_text(loan)})
    if not guardian_name.strip():
        errors.append({"field": "guardian_name", "message": _("Please give the guardian's name.")})
    if not agreement_signed:
        errors.append(
            {
                "field": "agreement_signed",
                "message": _("The loan agreement must be signed before the handout."),
            }
        )
    if errors:
        raise _invalid(errors, _("The device cannot be handed out yet."))
    with transaction.atomic():
        loan = locked(loan, "handout")
        loan_scan_check(loan, asset_tag)
        device = loan.device
        loan.handed_out_at, loan.handed_out_by = timezone.now(), actor
        loan.guardian_name = guardian_name.strip()
        loan.accessories_out = accessories
        loan.condition_out = condition.strip()
        loan.agreement_signed = True
        starts_on = min(loan.starts_on, timezone.localdate())
        device_hold(loan, device, starts_on=starts_on, status=LoanStatus.ON_LOAN)
        device_status_set(device=device, status=Status.ON_LOAN, actor=actor)
        loan_event_write(loan=loan, device=device, event="handed_out", actor=actor)
    return loan


def loan_return(
    *,
    actor: User,
    loan: Loan,
    accessories: list[str],
    condition: str = "",
    damaged: bool = False,
    asset_tag: str | None = None,
) -> Loan:
    """Take the device back: condition and accessories returned are recorded; a damaged
    device goes to in_repair with the damage added to its notes (so the repair list says
    what is broken), any other to in_stock and on to the next waiting request."""
    check_manager(actor, loan)
    accessories = _accessories("accessories", accessories)
    if damaged and not condition.strip():
        message = _("Please describe the damage; it goes into the device's notes for the repair.")
        raise _invalid([{"field": "condition", "message": message}], message)
    with transaction.atomic():
        loan = locked(loan, "return")
        loan_scan_check(loan, asset_tag)
        device = loan.device
        loan.status = LoanStatus.RETURNED
        loan.returned_at, loan.returned_by = timezone.now(), actor
        loan.accessories_in = accessories
        loan.condition_in = condition.strip()
        loan.save()
        loan_event_write(loan=loan, device=device, event="returned", actor=actor)
        status = Status.IN_REPAIR if damaged else Status.IN_STOCK
        device_status_set(device=device, status=status, actor=actor)
        if damaged:
            device_note_add(device=device, note=_damage_note(loan), actor=actor)
        if not damaged:
            allocation.loans_allocate_waiting(actor=actor, devices=[device])
    return loan


def _damage_note(loan: Loan) -> str:
    # No student's name: the device's notes are read by everyone who sees the device.
    return _("Damaged at return on %(date)s: %(damage)s") % {
        "date": date_format(timezone.localdate(), "SHORT_DATE_FORMAT"),
        "damage": loan.condition_in,
    }


def loan_mark_lost(*, actor: User, loan: Loan, note: str = "") -> Loan:
    """The device of a loan did not come back: the loan and the device become lost."""
    check_manager(actor, loan)
    with transaction.atomic():
        loan = locked(loan, "lost")
        device = loan.device
        loan.status = LoanStatus.LOST
        if note.strip():
            loan.condition_in = note.strip()
        loan.save()
        loan_event_write(loan=loan, device=device, event="lost", actor=actor)
        device_status_set(device=device, status=Status.LOST, actor=actor)
    return loan


def loan_extend(*, actor: User, loan: Loan, ends_on: datetime.date) -> Loan:
    """Move the last day of a reserved or handed-out loan later. Conflict (409) when the
    device is booked for a day of the extension; then nothing changes."""
    check_manager(actor, loan)
    with transaction.atomic():
        loan = locked(loan, "extend")
        if loan.ends_on is not None and ends_on <= loan.ends_on:
            message = _("The new last day must be after the current one (%(date)s).") % {
                "date": loan.ends_on.strftime("%d.%m.%Y")
            }
            raise _invalid([{"field": "ends_on", "message": message}], message)
        device_hold(loan, loan.device, ends_on=ends_on, status=loan.status)
        loan_event_write(loan=loan, device=loan.device, event="extended", actor=actor)
    return loan
