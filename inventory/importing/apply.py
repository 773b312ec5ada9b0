"""The device import's services: preview (reads only) and apply (all or nothing)."""

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.collector import no_gc_pauses
from core.errors import Conflict, FileRejected, NotFound
from core.models import User
from core.permissions import Perm, reaches_school, require
from core.sheets.read import Table, read_table
from imports.running import Progress, ProgressCallback
from inventory.events import device_became_available_on_commit
from inventory.importing.bulk import insert_rows, insert_rows_returning_ids, update_rows
from inventory.importing.known import SCAN_ABOVE, Known
from inventory.importing.parse import device_spellings, expected_headers
from inventory.importing.plan import FOREIGN_KEYS, Plan, StoredDevice, plan_device_import
from inventory.importing.report import ImportReport
from inventory.models import Device, DeviceHistory, DeviceModel, Room, School, Status
from inventory.services import history_rows

BATCH = 1000
# Columns whose cells are read as the text the spreadsheet shows, also when Excel keeps a
# number ("00555" for 555 formatted 00000).
TEXT_COLUMNS = frozenset({"asset_tag", "serial_number", "room", "school"})


def import_school(*, actor: User, school: School | str | int | None) -> School | None:
    """The school chosen for a whole import (a School or its number), if the actor reaches
    it; NotFound otherwise, so that a school outside the actor's reach does not show."""
    if school is None or school == "":
        return None
    if not isinstance(school, School):
        number = str(school).strip()
        found = School.objects.filter(number=number.zfill(6) if number.isdigit() else number)
        school_obj = found.only("id", "number", "name").first()
    else:
        school_obj = school
    if school_obj is None or not reaches_school(actor, school_obj.id):
        raise NotFound(_("School %(number)s not found.") % {"number": school})
    return school_obj


def read_device_table(*, data: bytes, filename: str) -> Table:
    return read_table(
        data,
        filename,
        spellings=device_spellings(),
        expected=expected_headers(),
        text_columns=TEXT_COLUMNS,
    )


def device_import_plan(
    *,
    actor: User,
    data: bytes,
    filename: str,
    school: School | str | None = None,
    create_missing: bool = False,
    progress: Progress | None = None,
    steps_per_row: int = 1,
    date_order: str = "dmy",
    writes: bool = True,
) -> tuple[Plan, Progress]:
    """Read the file and decide every row; writes nothing. With `writes` False the plan is
    only shown and keeps nothing to write, only its report. Raises PermissionDenied,
    NotFound (school) or FileRejected (unreadable file)."""
    require(actor, Perm.DEVICE_IMPORT)
    chosen = import_school(actor=actor, school=school)
    # The file is opened in a second thread (an .xlsx's shared strings and styles, a CSV's
    # encoding check) while the stored devices are read; its rows stream later, as they are
    # planned. The reading thread touches no database.
    with ThreadPoolExecutor(max_workers=1) as pool:
        reading = pool.submit(_read_in, translation.get_language(), data, filename)
        known = Known(compact=not writes)
        if _names_most_devices(data):
            known.preload_devices()
        table = reading.result()
    tracker = progress or Progress(None, 1)
    tracker.total = table.total_estimate * steps_per_row
    try:
        plan = plan_device_import(
            actor=actor,
            table=table,
            school=chosen,
            create_missing=create_missing,
            progress=tracker,
            known=known,
            date_order=date_order,
            writes=writes,
        )
    except FileRejected as refused:
        # Refused while its rows were read (too many of them, damaged further down): the
        # traceback would keep the rows planned so far and the stored devices alive for as
        # long as the caller holds the error (a worker, while it records it in the job).
        del known, table, reading
        raise refused.with_traceback(None) from refused.__cause__
    return plan, tracker


def _read_in(language: str | None, data: bytes, filename: str) -> Table:
    with translation.override(language):
        return read_device_table(data=data, filename=filename)


# Fewer bytes than a spreadsheet row takes at least, so the estimate of rows is generous.
BYTES_PER_ROW = 40


def _names_most_devices(data: bytes) -> bool:
    """Whether the file may have about as many rows as there are devices: then all devices
    are read at once, before the file's asset tags are known."""
    return len(data) // BYTES_PER_ROW * 2 >= Device.objects.count() > SCAN_ABOVE


def device_import_preview(
    *,
    actor: User,
    data: bytes,
    filename: str,
    school: School | str | None = None,
    create_missing: bool = False,
    progress: ProgressCallback | None = None,
    date_order: str = "dmy",
) -> ImportReport:
    """Every row's outcome (create / update / unchanged / error, with changes and errors
    by row and column) and what would be created. Writes nothing. `date_order` (dmy or
    mdy) reads dates with slashes when their column's values do not tell."""
    with no_gc_pauses():
        plan, tracker = device_import_plan(
            actor=actor,
            data=data,
            filename=filename,
            school=school,
            create_missing=create_missing,
            progress=Progress(progress, 1),
            date_order=date_order,
            writes=False,
        )
    tracker.finish()
    return plan.report


def device_import_apply(
    *,
    actor: User,
    data: bytes,
    filename: str,
    school: School | str | None = None,
    create_missing: bool = False,
    only_valid: bool = False,
    progress: ProgressCallback | None = None,
    date_order: str = "dmy",
) -> ImportReport:
    """Import the file in one transaction: all rows or none. If any row has an error,
    nothing is written and the report comes back with `applied` False, unless `only_valid`
    asks to write the valid rows alone. Raises Conflict (nothing written) when another
    user saved the same asset tags or serial numbers meanwhile."""
    with no_gc_pauses():
        plan, tracker = device_import_plan(
            actor=actor,
            data=data,
            filename=filename,
            school=school,
            create_missing=create_missing,
            progress=Progress(progress, 1),
            steps_per_row=2,
            date_order=date_order,
        )
        if plan.refused(only_valid=only_valid):
            tracker.finish()
            return plan.report
        return device_import_write(plan=plan, actor=actor, progress=tracker)


def device_import_write(*, plan: Plan, actor: User, progress: Progress) -> ImportReport:
    """Write a plan: new models and rooms, new devices, changed devices, and a history row
    for each creation and each changed field, in one transaction. Rows with errors are
    left out. Raises Conflict if the database refuses a row (written meanwhile)."""
    if not plan.writable:
        raise ValueError("This plan was made to be shown only; plan the file for writing.")
    now = timezone.now()
    # The management command may act as the system, which is no row in the database.
    history_actor = actor if actor.pk else None
    progress.total = progress.done + len(plan.creates) + len(plan.updates) + 1
    try:
        with transaction.atomic():
            if plan.new_models:
                DeviceModel.objects.bulk_create(plan.new_models, batch_size=BATCH)
            if plan.new_rooms:
                Room.objects.bulk_create(plan.new_rooms, batch_size=BATCH)
            _create_devices(plan.creates, history_actor, now, progress)
            _update_devices(plan.updates, history_actor, now, progress)
            if _makes_available(plan):
                device_became_available_on_commit()
    except IntegrityError as exc:
        raise Conflict(
            _(
                "Another user saved devices, models or rooms of this file while it was "
                "imported. Nothing was imported; please import the file again."
            )
        ) from exc
    progress.finish()
    plan.report.applied = True
    return plan.report


def _makes_available(plan: Plan) -> bool:
    """Whether the plan leaves a device lendable and in stock that was not before: a new
    one, or a stored one whose lendable flag or status the file changes."""
    for fields in plan.creates:
        if fields.get("lendable") and fields["status"] == Status.IN_STOCK:
            return True
    for stored, changes in plan.updates:
        if "lendable" not in changes and "status" not in changes:
            continue
        lendable = changes["lendable"][1] if "lendable" in changes else stored.lendable
        status = changes["status"][1] if "status" in changes else stored.status
        if lendable and status == Status.IN_STOCK:
            return True
    return False


# Every column of a new device, in the order of _device_row: the stored columns an import
# compares (StoredDevice, without the id the database gives) and the two timestamps.
DEVICE_INSERT = (*StoredDevice._fields[1:], "created_at", "updated_at")
HISTORY_INSERT = ("device_id", "asset_tag", "actor_id", "at", "action", "field", "old", "new")


def _device_row(fields: dict[str, Any], now) -> tuple:
    """A new device's values in the order of DEVICE_INSERT; a column the file does not have
    gets the value of an empty cell (the field's default)."""
    get = fields.get
    model, room = fields["model"], get("room")
    return (
        fields["asset_tag"],
        get("serial_number", ""),
        model.manufacturer,
        get("mac_addresses", []),
        model.id,
        fields["school"].id,
        room.id if room is not None else None,
        fields["status"],
        get("purchase_date"),
        get("purchase_price"),
        get("funding_programme", ""),
        get("warranty_end"),
        get("lendable", False),
        get("notes", ""),
        now,
        now,
    )


def _create_devices(
    creates: list[dict[str, Any]], actor: User | None, now, progress: Progress
) -> None:
    if not creates:
        return
    ids = insert_rows_returning_ids(
        Device, DEVICE_INSERT, [_device_row(fields, now) for fields in creates]
    )
    progress.advance(len(creates) // 2)
    actor_id = actor.pk if actor is not None else None
    action = DeviceHistory.Action.CREATE
    insert_rows(
        DeviceHistory,
        HISTORY_INSERT,
        (
            (device_id, fields["asset_tag"], actor_id, now, action, "", "", "")
            for device_id, fields in zip(ids, creates, strict=True)
        ),
    )
    progress.advance(len(creates) - len(creates) // 2)


def _update_devices(
    updates: list[tuple[StoredDevice, dict[str, tuple[Any, Any]]]],
    actor: User | None,
    now,
    progress: Progress,
) -> None:
    # One UPDATE statement per set of changed fields, run for every device in the set.
    groups: dict[tuple[str, ...], list[list[Any]]] = defaultdict(list)
    history: list[DeviceHistory] = []
    for stored, changes in updates:
        values: dict[str, Any] = {"updated_at": now}
        for key, (_old, new) in changes.items():
            if key in FOREIGN_KEYS:
                values[f"{key}_id"] = new.pk if new is not None else None
            else:
                values[key] = new
        if "model" in changes:
            values["manufacturer"] = changes["model"][1].manufacturer
        names = tuple(sorted(values))
        groups[names].append([stored.id, *(values[name] for name in names)])
        device = Device(id=stored.id, asset_tag=stored.asset_tag)
        history.extend(history_rows(device, changes, actor=actor, at=now))
    for names, rows in groups.items():
        update_rows(Device, names, rows)
        progress.advance(len(rows))
    insert_rows(
        DeviceHistory,
        HISTORY_INSERT,
        ([getattr(entry, name) for name in HISTORY_INSERT] for entry in history),
    )
