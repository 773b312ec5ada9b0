"""Writes of stock-takings: start, scan, move a device found elsewhere, close.

A scan and a close of the same stock-taking lock its row first (scans share the lock, a
close takes it alone), so a scan is either in before the close (and counted by it) or
refused after it. Scanners at the same moment are kept apart by Scan's unique
constraints: a client id is stored once, and a device is sighted once per stock-taking;
the second of two writes waits for the first and gets the answer it left."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.errors import Conflict, NotFound, ValidationFailed
from core.models import User
from core.permissions import Perm, reaches_school, require
from inventory.models import Device, Room, Status
from inventory.selectors import school_get
from inventory.services import device_update
from scheduling.models import Loan, LoanStatus
from stocktaking.codes import MAX_CODE_LENGTH, tag_from_code
from stocktaking.models import (
    SIGHTINGS,
    DeviceSeen,
    ExpectedDevice,
    ExpectedResult,
    Outcome,
    Scan,
    Stocktaking,
    StocktakingStatus,
)
from stocktaking.selectors import manages, scan_room_get

MAX_CLIENT_ID = 64
MAX_NAME = 200


def _invalid(field: str, message: str, summary: str | None = None) -> ValidationFailed:
    return ValidationFailed(summary or message, errors=[{"field": field, "message": message}])


def _scope_rooms(school, building: str, room_ids: Sequence[int]) -> list[Room]:
    if building and room_ids:
        raise _invalid("rooms", _("Choose a building or rooms, not both."))
    if room_ids:
        rooms = list(Room.objects.filter(school=school, pk__in=set(room_ids)))
        if len(rooms) != len(set(room_ids)):
            raise _invalid("rooms", _("Some of the rooms are not rooms of this school."))
        return rooms
    if building:
        rooms = list(Room.objects.filter(school=school, building__iexact=building))
        if not rooms:
            message = _("%(school)s has no room in the building %(building)s.") % {
                "school": school.name,
                "building": building,
            }
            raise _invalid("building", message)
        return rooms
    return []


def _default_name(school, building: str, rooms: list[Room]) -> str:
    day = date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    if building:
        where = building
    elif rooms:
        where = ", ".join(sorted(room.name for room in rooms))
    else:
        where = school.name
    return f"{where}, {day}"[:MAX_NAME]


def stocktaking_start(
    *,
    actor: User,
    school_number: str,
    building: str = "",
    room_ids: Sequence[int] = (),
    name: str = "",
) -> Stocktaking:
    """Start a stock-taking of a school the actor reaches: the whole school, the rooms of
    one building, or the rooms named (rooms of that school only; ValidationFailed naming
    the field otherwise). Its expected devices are the devices recorded there that are not
    retired, frozen now: one ExpectedDevice each, with the room they are recorded in."""
    require(actor, Perm.STOCKTAKE_MANAGE)
    school = school_get(actor=actor, number=school_number, perm=Perm.STOCKTAKE_MANAGE)
    building = " ".join((building or "").split())
    rooms = _scope_rooms(school, building, list(room_ids or ()))
    name = " ".join((name or "").split())
    if len(name) > MAX_NAME:
        raise _invalid("name", _("A name has at most %(max)d characters.") % {"max": MAX_NAME})
    devices = Device.objects.filter(school=school).exclude(status=Status.RETIRED)
    if rooms:
        devices = devices.filter(room__in=rooms)
    with transaction.atomic():
        stocktaking = Stocktaking.objects.create(
            school=school,
            name=name or _default_name(school, building, rooms),
            whole_school=not rooms,
            building=building if rooms else "",
            started_by=actor,
            started_at=timezone.now(),
        )
        stocktaking.rooms.set(rooms)
        ExpectedDevice.objects.bulk_create(
            ExpectedDevice(
                stocktaking=stocktaking,
                device_id=device_id,
                asset_tag=asset_tag,
                room_id=room_id,
                room_name=room_name or "",
            )
            for device_id, asset_tag, room_id, room_name in devices.values_list(
                "pk", "asset_tag", "room_id", "room__name"
            ).iterator(chunk_size=2000)
        )
    return stocktaking


@dataclass(frozen=True)
class ScanRecorded:
    scan: Scan
    created: bool  # False: the client id was known, this is the scan stored before


def devices_seen(device_ids: Iterable[int], *, stocktaking: Stocktaking, at: datetime) -> None:
    """Record that the stock-taking saw the devices at `at` (their DeviceSeen), in one
    statement: another stock-taking writing the same row at the same moment waits for it."""
    rows = [DeviceSeen(device_id=pk, stocktaking=stocktaking, seen_at=at) for pk in set(device_ids)]
    if rows:
        DeviceSeen.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["device"],
            update_fields=["stocktaking", "seen_at"],
        )


def _in_place(stocktaking: Stocktaking, device: Device, room: Room | None) -> bool:
    """Whether the device is where it is recorded: in the room scanned in, or (no room
    chosen) anywhere in the stock-taking's scope."""
    if device.school_id != stocktaking.school_id:
        return False
    if room is not None:
        return device.room_id == room.pk
    if stocktaking.whole_school:
        return True
    return stocktaking.rooms.filter(pk=device.room_id).exists()


def _scan_room(actor: User, stocktaking: Stocktaking, room_id: int | None) -> Room | None:
    """The room scanned in: one the actor may scan in (scan_rooms), or none at all for
    those who manage."""
    if room_id is None:
        if manages(actor) and reaches_school(actor, stocktaking.school_id):
            return None
        raise _invalid("room_id", _("Please choose the room you are scanning in."))
    room = scan_room_get(actor=actor, stocktaking=stocktaking, room_id=room_id)
    if room is None:
        raise NotFound(_("Room not found in this stock-taking."))
    return room


def _device_tagged(tag: str) -> Device | None:
    """The device with the asset tag, case ignored, found through the index of the
    lowercased tags (a scan looks one up every time)."""
    if not tag:
        return None
    return (
        Device.objects.select_related("model", "school", "room")
        .annotate(tag_lower=Lower("asset_tag"))
        .filter(tag_lower=Lower(Value(tag)))
        .first()
    )


def _check_scan_input(client_id: str, code: str) -> tuple[str, str]:
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > MAX_CLIENT_ID or not client_id.isprintable():
        raise _invalid(
            "client_id",
            _("A scan needs an id of 1 to %(max)d characters.") % {"max": MAX_CLIENT_ID},
        )
    code = (code or "").strip()
    if not code:
        raise _invalid("code", _("Please scan or type an asset tag."))
    if len(code) > MAX_CODE_LENGTH:
        raise _invalid(
            "code", _("A code has at most %(max)d characters.") % {"max": MAX_CODE_LENGTH}
        )
    return client_id, code


def _replayed(scan: Scan, actor: User) -> ScanRecorded:
    if scan.scanned_by_id != actor.pk:
        raise Conflict(_("This scan id has already been used by someone else."), code="scan_taken")
    return ScanRecorded(scan, False)


def _locked(stocktaking: Stocktaking) -> Stocktaking:
    """The stock-taking as it is now, locked until the commit against everyone else who
    locks it (closing it)."""
    return Stocktaking.objects.select_for_update().get(pk=stocktaking.pk)


def _shared(stocktaking: Stocktaking) -> Stocktaking:
    """The stock-taking as it is now, held against a close until the commit, but not
    against other scans: on PostgreSQL a FOR KEY SHARE lock, which only the close's FOR
    UPDATE waits for, so scanners work side by side and Scan's constraints keep them
    apart. SQLite runs one write transaction at a time anyway."""
    if connection.vendor != "postgresql":
        return _locked(stocktaking)
    table = connection.ops.quote_name(Stocktaking._meta.db_table)
    return Stocktaking.objects.raw(
        f"SELECT * FROM {table} WHERE id = %s FOR KEY SHARE", [stocktaking.pk]
    )[0]


def _closed() -> Conflict:
    return Conflict(
        _("This stock-taking has been closed: it takes no more scans."), code="stocktaking_closed"
    )


def scan_record(
    *,
    actor: User,
    stocktaking: Stocktaking,
    client_id: str,
    code: str,
    room_id: int | None = None,
    scanned_at: datetime | None = None,
) -> ScanRecorded:
    """Record one scan of `code` (an asset tag, or a label's address) in the room `room_id`
    (those who manage may leave it out: anywhere in the scope). Promises:

    - idempotent: a client id already stored answers with that scan (`created` False),
      also after the stock-taking closed; never a second row, even when the same id
      arrives twice at the same moment;
    - a device counts once: its first scan is `found` (where it is recorded, or anywhere in
      the scope without a room) or `elsewhere`; every later one is `already`;
    - a code no device has is `unknown`, kept to be created later;
    - refused: a room the actor may not scan in (NotFound; a teacher's are their
      classrooms), a closed stock-taking (Conflict), a client id of someone else's scan
      (Conflict), a missing or too long code or id (ValidationFailed naming the field).

    `scanned_at` is what the client says and is only stored; the order of scans is the
    order they reach the server (`received_at`). A device seen gets its last-seen date."""
    require(actor, Perm.STOCKTAKE_SCAN)
    client_id, code = _check_scan_input(client_id, code)
    room = _scan_room(actor, stocktaking, room_id)
    tag = tag_from_code(code)
    # Read before the lock, which the scanners of the stock-taking wait for.
    device = _device_tagged(tag)
    with transaction.atomic():
        locked = _shared(stocktaking)
        existing = Scan.objects.filter(stocktaking=locked, client_id=client_id).first()
        if existing is not None:
            return _replayed(existing, actor)
        if not locked.is_open:
            raise _closed()
        now = timezone.now()
        scan = Scan(
            stocktaking=locked,
            client_id=client_id,
            code=code,
            asset_tag=(device.asset_tag if device is not None else tag)[:200],
            device=device,
            room=room,
            scanned_by=actor,
            scanned_at=scanned_at,
            received_at=now,
        )
        if device is None:
            scan.outcome = Outcome.UNKNOWN
        else:
            scan.recorded_room = device.room
            scan.recorded_school = device.school
            scan.outcome = Outcome.FOUND if _in_place(locked, device, room) else Outcome.ELSEWHERE
        try:
            with transaction.atomic():
                scan.save()
        except IntegrityError:
            existing = Scan.objects.filter(stocktaking=locked, client_id=client_id).first()
            if existing is not None:
                return _replayed(existing, actor)
            # The device has been sighted already: the database keeps one sighting each
            # (Scan's constraint), so it decides, whoever sent the first.
            scan.pk, scan.outcome = None, Outcome.ALREADY
            scan.save()
        if scan.outcome in SIGHTINGS:
            ExpectedDevice.objects.filter(stocktaking=locked, device=device).update(seen=True)
        if device is not None:
            devices_seen([device.pk], stocktaking=locked, at=now)
    return ScanRecorded(scan, True)


def scan_record_typed(*, actor: User, stocktaking: Stocktaking, code: str, room_id: int | None):
    """scan_record for a code sent without an id of its own (the page without JavaScript,
    a label's address opened on a phone): it gets a new one."""
    return scan_record(
        actor=actor,
        stocktaking=stocktaking,
        client_id=str(uuid.uuid4()),
        code=code,
        room_id=room_id,
    )


def scan_move(*, actor: User, stocktaking: Stocktaking, scan: Scan) -> Scan:
    """ "Hierher umbuchen": the device of a scan found elsewhere now belongs to the room it
    was scanned in (and its school), through inventory's device_update, which writes the
    device's history. Moving it again changes nothing. Refused: a role that may not manage
    (PermissionDenied), a device out of the actor's reach (NotFound), a scan that was not
    found elsewhere in a room (Conflict), a closed stock-taking (Conflict)."""
    require(actor, Perm.STOCKTAKE_MANAGE)
    with transaction.atomic():
        locked = _shared(stocktaking)
        if not locked.is_open:
            raise Conflict(_("This stock-taking has been closed: nothing can be moved now."))
        scan = (
            Scan.objects.select_for_update(of=("self",))
            .select_related("room__school", "stocktaking")
            .get(pk=scan.pk, stocktaking=locked)
        )
        if scan.moved_at is not None:
            return scan
        if scan.outcome != Outcome.ELSEWHERE or scan.room_id is None or scan.device_id is None:
            raise Conflict(_("Only a device found elsewhere, in a room, can be moved here."))
        device = Device.objects.select_related("model", "school", "room").get(pk=scan.device_id)
        if not reaches_school(actor, device.school_id):
            raise NotFound(_("Device %(tag)s not found.") % {"tag": scan.asset_tag})
        device_update(actor=actor, device=device, school=scan.room.school, room=scan.room)
        scan.moved_at = timezone.now()
        scan.moved_by = actor
        scan.save(update_fields=["moved_at", "moved_by"])
        scan.device = device
    return scan


def stocktaking_close(
    *, actor: User, stocktaking: Stocktaking, lost: Sequence[str] = ()
) -> Stocktaking:
    """Close the stock-taking, once: every expected device gets its result — seen (by a
    scan), on loan (handed out now: counts as seen, and gets its last-seen date), reported
    lost (the asset tags in `lost`: status Lost through device_update, with history), or
    to be clarified (the rest, left as they are). Refused: a second close, also one at the
    same moment (Conflict); a tag in `lost` that is not missing here (ValidationFailed,
    nothing written)."""
    require(actor, Perm.STOCKTAKE_MANAGE)
    with transaction.atomic():
        locked = _locked(stocktaking)
        if not locked.is_open:
            raise Conflict(
                _("This stock-taking has already been closed."), code="stocktaking_closed"
            )
        now = timezone.now()
        expected = ExpectedDevice.objects.filter(stocktaking=locked)
        expected.filter(seen=True).update(result=ExpectedResult.SEEN)
        unseen = expected.exclude(result=ExpectedResult.SEEN)
        on_loan_ids = set(
            Loan.objects.filter(
                status=LoanStatus.ON_LOAN, device_id__in=unseen.values("device_id")
            ).values_list("device_id", flat=True)
        )
        unseen.filter(device_id__in=on_loan_ids).update(result=ExpectedResult.ON_LOAN)
        missing = {
            row.asset_tag.casefold(): row
            for row in expected.filter(result="").select_related("device__model", "device__school")
        }
        wanted = list(dict.fromkeys(tag.strip().casefold() for tag in lost if tag.strip()))
        not_missing = [tag for tag in wanted if tag not in missing or missing[tag].device is None]
        if not_missing:
            message = _("These devices are not missing in this stock-taking: %(tags)s.") % {
                "tags": ", ".join(not_missing)
            }
            raise _invalid("lost", message, _("The stock-taking was not closed."))
        for tag in wanted:
            row = missing[tag]
            device = Device.objects.select_related("model", "school", "room").get(pk=row.device_id)
            device_update(actor=actor, device=device, status=Status.LOST)
            row.result = ExpectedResult.LOST
            row.save(update_fields=["result"])
        expected.filter(result="").update(result=ExpectedResult.MISSING)
        devices_seen(on_loan_ids, stocktaking=locked, at=now)
        locked.status = StocktakingStatus.CLOSED
        locked.closed_by = actor
        locked.closed_at = now
        locked.save(update_fields=["status", "closed_by", "closed_at"])
    return locked
