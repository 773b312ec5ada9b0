"""A scan's answer as the scanner reads it, the same for the API and the scan page: the
outcome, a plain message in the user's language, the device, whether it may be moved here,
and the counts.

Where a device found elsewhere is recorded is named only to who may see it: a teacher
learns "another room", anyone learns "another school" for a school out of their reach."""

from typing import Any

from django.utils.translation import gettext as _

from core.models import User
from core.permissions import reaches_school
from stocktaking.models import Outcome, Scan
from stocktaking.selectors import manages, may_move, scan_counts, visible_room_ids


def _place(actor: User, scan: Scan) -> tuple[str | None, str | None, str]:
    """(room, school, kind) of where the scan's device is recorded, as far as the actor may
    know: kind is "room", "no_room", "school", "school_no_room", "other_room" or
    "other_school"."""
    school, room = scan.recorded_school, scan.recorded_room
    if school is None or not reaches_school(actor, school.pk):
        return None, None, "other_school"
    if school.pk != scan.stocktaking.school_id:
        if not manages(actor):
            return None, None, "other_school"
        return (room.name if room else None), school.name, "school" if room else "school_no_room"
    if room is None:
        return None, school.name, "no_room"
    rooms = visible_room_ids(actor=actor, stocktaking=scan.stocktaking)
    if rooms is not None and room.pk not in rooms:
        return None, school.name, "other_room"
    return room.name, school.name, "room"


def _elsewhere_message(tag: str, kind: str, room: str | None, school: str | None) -> str:
    values = {"tag": tag, "room": room, "school": school}
    messages = {
        "room": _("%(tag)s is recorded in room %(room)s, not here."),
        "no_room": _("%(tag)s is recorded without a room."),
        "school": _("%(tag)s is recorded at %(school)s, room %(room)s."),
        "school_no_room": _("%(tag)s is recorded at %(school)s."),
        "other_room": _("%(tag)s is recorded for another room."),
        "other_school": _("%(tag)s is recorded at another school."),
    }
    return messages[kind] % values


def scan_message(actor: User, scan: Scan) -> str:
    """The plain sentence for the scan's outcome."""
    tag = scan.asset_tag
    if scan.outcome == Outcome.UNKNOWN:
        return _("No device has the asset tag %(tag)s. It is noted, to be created later.") % {
            "tag": tag
        }
    if scan.outcome == Outcome.ALREADY:
        return _("%(tag)s has already been scanned in this stock-taking.") % {"tag": tag}
    if scan.outcome == Outcome.FOUND:
        model = str(scan.device.model) if scan.device is not None else ""
        if model:
            return _("%(tag)s found: %(model)s.") % {"tag": tag, "model": model}
        return _("%(tag)s found.") % {"tag": tag}
    if scan.moved_at is not None and scan.room is not None:
        return _("%(tag)s now belongs to room %(room)s.") % {"tag": tag, "room": scan.room.name}
    room, school, kind = _place(actor, scan)
    return _elsewhere_message(tag, kind, room, school)


def scan_device(actor: User, scan: Scan) -> dict[str, Any] | None:
    """The device as the answer names it; None for an unknown tag."""
    if scan.device_id is None:
        return None
    if scan.moved_at is not None and scan.room is not None:
        room, school = scan.room.name, scan.room.school.name
    else:
        room, school, _kind = _place(actor, scan)
    return {
        "asset_tag": scan.asset_tag,
        "name": str(scan.device.model) if scan.device is not None else "",
        "room": room,
        "school": school,
    }


def scan_answer(*, actor: User, scan: Scan) -> dict[str, Any]:
    """The whole answer of a scan (the API's ScanOut)."""
    counts = scan_counts(
        stocktaking=scan.stocktaking,
        room_ids=visible_room_ids(actor=actor, stocktaking=scan.stocktaking),
    )
    return {
        "id": scan.pk,
        "client_id": scan.client_id,
        "outcome": scan.outcome,
        "message": scan_message(actor, scan),
        "device": scan_device(actor, scan),
        "can_move": may_move(actor, scan),
        "moved": scan.moved_at is not None,
        "counts": {"expected": counts.expected, "seen": counts.seen, "missing": counts.missing},
    }
