"""The loans on the pages of the apps below: a device's loans on the device page, a
person's loans and the devices they had on the person page (registered in
SchedulingConfig.ready through core.pages), and the loans' rows in a device's history
(registered through inventory.history)."""

import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Person
from core.errors import PermissionDenied
from core.models import User
from core.permissions import Perm, has
from inventory.history import HistoryText, period_text
from inventory.models import Device
from scheduling.history import loan_event_read
from scheduling.models import Loan
from scheduling.selectors import LoanFilters, loan_list

DEVICE_LOANS_LIMIT = 50
PERSON_LOANS_LIMIT = 100


def device_loans(actor: User, device: Device) -> dict[str, Any]:
    """The device's loans for those who manage loans (they see the students' names);
    None for everyone else."""
    if not has(actor, Perm.LOAN_MANAGE):
        return {"loans": None}
    loans = loan_list(actor=actor, perm=Perm.LOAN_MANAGE).filter(device=device)
    return {"loans": list(loans[:DEVICE_LOANS_LIMIT])}


def person_loans(actor: User, person: Person) -> dict[str, Any]:
    """The person's loans the actor may see (all of them for those who manage loans, else
    the actor's own requests; None for a role that sees no loans) and their devices."""
    perm = Perm.LOAN_MANAGE if has(actor, Perm.LOAN_MANAGE) else Perm.LOAN_REQUEST
    try:
        found = loan_list(actor=actor, filters=LoanFilters(student=person.pk), perm=perm)
    except PermissionDenied:
        return {"loans": None, "devices": []}
    loans = list(found[:PERSON_LOANS_LIMIT])
    devices: list[Device] = []
    for loan in loans:
        if loan.device is not None and loan.device not in devices:
            devices.append(loan.device)
    return {"loans": loans, "devices": devices}


def _event_text(event: str, name: str | None) -> str:
    """What happened to the device in a loan's event, with the student when shown."""
    if name is None:
        words = {
            "reserved": _("reserved for a loan"),
            "handed_out": _("handed out on loan"),
            "extended": _("loan extended"),
            "cancelled": _("reservation cancelled"),
            "returned": _("returned from a loan"),
            "lost": _("reported lost on loan"),
        }
        return words.get(event, event)
    words = {
        "reserved": _("reserved for %(name)s"),
        "handed_out": _("handed out to %(name)s"),
        "extended": _("loan of %(name)s extended"),
        "cancelled": _("reservation for %(name)s cancelled"),
        "returned": _("returned by %(name)s"),
        "lost": _("reported lost by %(name)s"),
    }
    return words[event] % {"name": name} if event in words else event


def _period(text: str) -> str:
    """ "2026-10-21..2026-11-18" (or "..open") as the page writes the days."""
    first, _dots, last = text.partition("..")
    try:
        starts = datetime.date.fromisoformat(first)
        ends = None if last == "open" else datetime.date.fromisoformat(last)
    except ValueError:
        return text
    return period_text(starts, ends)


def loan_history_read(actor: User, values: list[str]) -> dict[str, HistoryText]:
    """The loans' rows of a device's history in words: "handed out to Anna Schmidt (5a),
    21. Oktober – 18. November 2026", with a link to the loan. Only those who manage loans
    see the student and the link."""
    events = {value: loan_event_read(value) for value in values}
    loans: dict[int, Loan] = {}
    if has(actor, Perm.LOAN_MANAGE):
        ids = {event.loan_id for event in events.values() if event is not None}
        loans = {
            loan.pk: loan
            for loan in loan_list(actor=actor, perm=Perm.LOAN_MANAGE).filter(pk__in=ids)
        }
    read = {}
    for value, event in events.items():
        if event is None:
            continue
        loan = loans.get(event.loan_id)
        name = loan.student_label if loan is not None else None
        url = reverse("scheduling:loan_detail", args=[loan.pk]) if loan is not None else None
        text = f"{_event_text(event.event, name)}, {_period(event.period)}"
        read[value] = HistoryText(text, url)
    return read
