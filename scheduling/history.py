"""What the loan flow writes into a device's history (inventory.models.DeviceHistory).

A change of the device's own fields (its status) is written by inventory.services' history
helpers, as every other device change: field `status`, old → new. Each loan event also
gets a row of its own, field `loan`, whose new value says plainly which loan did what:
`loan 12 reserved 2026-12-01..2026-12-20`. Both are language-neutral, like every history
value.
"""

from typing import NamedTuple

from django.utils import timezone

from core.models import User
from inventory.models import Device, DeviceHistory
from inventory.services import device_changes, history_rows
from scheduling.models import Loan

LOAN_FIELD = "loan"


class LoanEvent(NamedTuple):
    """A loan event as its history row says it."""

    loan_id: int
    event: str  # reserved, handed_out, extended, cancelled, returned, lost
    period: str  # "2026-12-01..2026-12-20", "2026-12-01..open"


def loan_event_text(loan: Loan, event: str) -> str:
    """The value of the history row of `event`: the one place that writes it."""
    until = loan.ends_on.isoformat() if loan.ends_on else "open"
    return f"{loan_event_prefix(loan.pk)}{event} {loan.starts_on.isoformat()}..{until}"


def loan_event_prefix(loan_id: int) -> str:
    """How every history value of the loan's events begins (to find them)."""
    return f"loan {loan_id} "


def loan_event_read(text: str) -> LoanEvent | None:
    """A history value written by loan_event_text, read back; None for any other text."""
    parts = text.split(" ")
    if len(parts) != 4 or parts[0] != "loan" or not parts[1].isdigit():
        return None
    return LoanEvent(int(parts[1]), parts[2], parts[3])


def loan_event_write(*, loan: Loan, device: Device, event: str, actor: User | None) -> None:
    """One history row on `device` for `event` (reserved, handed_out, extended, cancelled,
    returned, lost) of `loan`."""
    DeviceHistory.objects.create(
        device=device,
        asset_tag=device.asset_tag,
        actor=actor,
        at=timezone.now(),
        action=DeviceHistory.Action.UPDATE,
        field=LOAN_FIELD,
        new=loan_event_text(loan, event),
    )


def device_status_set(*, device: Device, status: str, actor: User | None) -> None:
    """Give the device a new status and write the status row into its history (nothing
    when the status is already that)."""
    changes = device_changes(device, {"status": status})
    if not changes:
        return
    device.status = status
    device.save(update_fields=["status", "updated_at"])
    DeviceHistory.objects.bulk_create(history_rows(device, changes, actor=actor, at=timezone.now()))


def device_note_add(*, device: Device, note: str, actor: User | None) -> None:
    """Add a paragraph to the device's notes, with its history row."""
    notes = f"{device.notes.rstrip()}\n\n{note}" if device.notes.strip() else note
    changes = device_changes(device, {"notes": notes})
    device.notes = notes
    device.save(update_fields=["notes", "updated_at"])
    DeviceHistory.objects.bulk_create(history_rows(device, changes, actor=actor, at=timezone.now()))
