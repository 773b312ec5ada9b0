"""What the loan flow writes into a device's history (inventory.models.DeviceHistory).

A change of the device's own fields (its status) is written by inventory.services' history
helpers, as every other device change: field `status`, old → new. Each loan event also
gets a row of its own, field `loan`, whose new value says plainly which loan did what:
`loan 12 reserved 2026-12-01..2026-12-20`. Both are language-neutral, like every history
value.
"""

from django.utils import timezone

from core.models import User
from inventory.models import Device, DeviceHistory
from inventory.services import device_changes, history_rows
from scheduling.models import Loan

LOAN_FIELD = "loan"


def loan_event_text(loan: Loan, event: str) -> str:
    until = loan.ends_on.isoformat() if loan.ends_on else "open"
    return f"loan {loan.pk} {event} {loan.starts_on.isoformat()}..{until}"


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
