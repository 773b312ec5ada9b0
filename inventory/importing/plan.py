"""From the rows of a device spreadsheet to a plan: what each row would create or change,
and every error with its row and column. Planning reads the database in a few queries per
file (never one per row) and writes nothing."""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from core.errors import FileRejected
from core.models import User
from core.permissions import school_ids
from core.sheets.read import Table
from core.sheets.values import lower_key, padding_message, padding_twins
from imports.running import Progress
from inventory.columns import DEVICE_COLUMNS
from inventory.importing.known import Known, StoredDevice, asset_tags_by_number, devices_where
from inventory.importing.parse import Row, parse_rows
from inventory.importing.report import ImportReport, RowOutcome
from inventory.models import DeviceModel, Room, School, Status
from inventory.services import device_changes, history_value

# Device fields that an empty cell sets to this value (clearing it).
EMPTY = {
    "serial_number": "",
    "purchase_date": None,
    "purchase_price": None,
    "funding_programme": "",
    "warranty_end": None,
    "lendable": False,
    "notes": "",
    "mac_addresses": [],
}
FOREIGN_KEYS = ("model", "school", "room")


@dataclass
class Plan:
    report: ImportReport
    creates: list[dict[str, Any]]  # the fields of each new device
    updates: list[tuple[StoredDevice, dict[str, tuple[Any, Any]]]]
    new_models: list[DeviceModel]
    new_rooms: list[Room]

    @property
    def has_errors(self) -> bool:
        return self.report.counts["error"] > 0

    def refused(self, *, only_valid: bool) -> bool:
        """The write-or-refuse rule of every device import: a file with rows in error is
        written only when the valid rows alone were asked for."""
        return self.has_errors and not only_valid


class _Planner:
    def __init__(
        self,
        *,
        actor: User,
        table: Table,
        school: School | None,
        create_missing: bool,
        progress: Progress,
        known: Known,
    ):
        self.actor = actor
        self.known = known
        self.table = table
        self.import_school = school
        self.create_missing = create_missing
        self.progress = progress
        self.reach = school_ids(actor)
        self.headers = table.headers
        self.new_models: dict[tuple[str, str], DeviceModel] = {}
        self.new_rooms: dict[tuple[int, str], Room] = {}
        self.model_categories: dict[tuple[str, str], str] = {}
        # The schools whose devices or names the report's rows show (all within reach).
        self.named_schools: set[int] = set()

    def collect_categories(self, rows: list[Row]) -> None:
        """The category a file gives for each model, for models that are new."""
        if "category" not in self.headers:
            return
        for row in rows:
            values = row.values
            manufacturer, name = values.get("manufacturer"), values.get("model")
            if manufacturer and name and values.get("category"):
                key = (lower_key(manufacturer), lower_key(name))
                self.model_categories.setdefault(key, values["category"])

    def reaches(self, school_id: int) -> bool:
        return self.reach is None or school_id in self.reach

    def error(self, row: Row, key: str | None, message: str) -> None:
        row.errors.append(
            {"row": row.row, "column": self.headers.get(key) if key else None, "message": message}
        )

    # --- deciding each row ------------------------------------------------------------------

    def resolve(self, row: Row) -> None:
        values = row.values
        device = self.known.devices.get(lower_key(row.tag)) if row.tag else None
        row.device = device
        if device is not None and not self.reaches(device.school_id):
            # The same words as for a single edit, and no word about the other school.
            self.error(
                row,
                "asset_tag",
                _("Asset tag %(tag)s is already used by another device.") % {"tag": row.tag},
            )
            return
        if device is not None:
            self.named_schools.add(device.school_id)
        school = self.resolve_school(row, device)
        if school is not None:
            self.named_schools.add(school.id)
        model = self.resolve_model(row, device)
        room = self.resolve_room(row, device, school)
        if row.errors:
            return
        final: dict[str, Any] = {
            key: values[key] if values[key] is not None else EMPTY[key]
            for key in EMPTY
            if key in values
        }
        if values.get("status"):
            final["status"] = values["status"]
        if model is not None:
            final["model"] = model
        if school is not None:
            final["school"] = school
        if room is not False:
            final["room"] = room
        if device is None:
            final.setdefault("status", Status.IN_STOCK)
            final["asset_tag"] = row.tag
            row.final = final
        else:
            row.changes = self.compare(device, final)

    def resolve_school(self, row: Row, device: StoredDevice | None) -> School | None:
        text = row.values.get("school") or ""
        if text:
            school = self.known.find_school(text)
            if school is None or not self.reaches(school.id):
                self.error(
                    row,
                    "school",
                    _("School “%(school)s” was not found, or you may not import devices for it.")
                    % {"school": text},
                )
                return None
            if self.import_school is not None and school.id != self.import_school.id:
                self.error(
                    row,
                    "school",
                    _("This row is for %(school)s, but the import is for %(import)s.")
                    % {"school": school, "import": self.import_school},
                )
                return None
            return school
        if self.import_school is not None:
            if device is not None and device.school_id != self.import_school.id:
                self.error(
                    row,
                    "school",
                    _("Device %(tag)s belongs to %(school)s, not to %(import)s of this import.")
                    % {
                        "tag": row.tag,
                        "school": self.known.schools_by_id[device.school_id],
                        "import": self.import_school,
                    },
                )
                return None
            return self.import_school
        if device is None:
            self.error(
                row,
                "school",
                _(
                    "The school is missing. Fill in the school number, or choose the school "
                    "for the whole import."
                ),
            )
        return None

    def resolve_model(self, row: Row, device: StoredDevice | None) -> DeviceModel | None:
        values = row.values
        name = values.get("model") or ""
        manufacturer = values.get("manufacturer") or ""
        if not name:
            if device is None:
                self.error(row, "model", _("The model is missing."))
            return None
        if manufacturer:
            key = (lower_key(manufacturer), lower_key(name))
            model = self.known.models.get(key) or self.new_models.get(key)
            if model is not None:
                return model
        else:
            candidates = self.known.models_by_name.get(lower_key(name), [])
            if len(candidates) == 1:
                return candidates[0]
            self.error(
                row,
                "model",
                _("Fill in the manufacturer of “%(model)s”: it is needed to find the model.")
                % {"model": name},
            )
            return None
        if not self.create_missing:
            self.error(
                row,
                "model",
                _(
                    "The model “%(model)s” of %(manufacturer)s does not exist yet. Create it "
                    "first, or choose to create missing models and rooms."
                )
                % {"model": name, "manufacturer": manufacturer},
            )
            return None
        category = values.get("category") or self.model_categories.get(key)
        if not category:
            self.error(
                row,
                "category" if "category" in self.headers else "model",
                _("“%(model)s” is a new model, so its category is needed (e.g. Laptop).")
                % {"model": f"{manufacturer} {name}"},
            )
            return None
        model = DeviceModel(manufacturer=manufacturer, name=name, category=category)
        self.new_models[key] = model
        return model

    def resolve_room(self, row: Row, device: StoredDevice | None, school: School | None):
        """The row's room, None to clear it, or False to leave it as it is."""
        if "room" not in row.values:
            if device is not None and school is not None and device.room_id:
                room = self.known.rooms_by_id.get(device.room_id)
                if room is not None and room.school_id != school.id:
                    return None  # moved to another school: the old room is not there
            return False
        name = row.values["room"]
        if not name:
            return None
        if school is None:
            school = self.known.schools_by_id.get(device.school_id) if device is not None else None
            if school is None:
                return False
        key = (school.id, lower_key(name))
        room = self.known.rooms.get(key) or self.new_rooms.get(key)
        if room is not None:
            return room
        if not self.create_missing:
            self.error(
                row,
                "room",
                _(
                    "Room “%(room)s” does not exist at %(school)s. Create it first, or choose "
                    "to create missing models and rooms."
                )
                % {"room": name, "school": school},
            )
            return False
        room = Room(school=school, name=name)
        self.new_rooms[key] = room
        return room

    def compare(self, device: StoredDevice, final: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
        changes: dict[str, tuple[Any, Any]] = {}
        for key, lookup in (
            ("model", self.known.models_by_id),
            ("school", self.known.schools_by_id),
            ("room", self.known.rooms_by_id),
        ):
            if key not in final:
                continue
            new = final.pop(key)
            old_id = getattr(device, key + "_id")
            # A new object without an id yet is one the import creates.
            if (old_id is not None) if new is None else (new.id is None or new.id != old_id):
                changes[key] = (lookup.get(old_id), new)
        # Most cells are equal to what is stored; only the others go through the history's
        # own comparison, so a change means the same here as for a single edit.
        different = {key: new for key, new in final.items() if getattr(device, key) != new}
        if different:
            changes.update(device_changes(device, different))
        return changes

    # --- serial numbers ---------------------------------------------------------------------

    def check_serials(self, rows: list[Row]) -> None:
        """A serial number is unique per manufacturer, across the database and the file."""
        claimed: dict[tuple[str, str], Row] = {}
        new_keys: dict[tuple[str, str], list[Row]] = defaultdict(list)
        in_file = {lower_key(row.tag) for row in rows if not row.errors}
        for row in rows:
            if row.errors:
                continue
            device = row.device
            if device is None:
                serial = row.final.get("serial_number", "")
                manufacturer = row.final["model"].manufacturer
            else:
                serial = self._after(device, row.changes, "serial_number")
                model = self._after(device, row.changes, "model")
                manufacturer = model.manufacturer if model is not None else device.manufacturer
            if not serial:
                continue
            key = (lower_key(manufacturer), lower_key(serial))
            first = claimed.get(key)
            if first is not None:
                self.error(
                    row,
                    "serial_number",
                    _("Serial number %(serial)s of %(manufacturer)s is already in row %(row)s.")
                    % {"serial": serial, "manufacturer": manufacturer, "row": first.row},
                )
                continue
            claimed[key] = row
            if device is None or "serial_number" in row.changes or "model" in row.changes:
                new_keys[key].append(row)
        serials = {serial for _manufacturer, serial in new_keys}
        fields = ("serial_number", "asset_tag", "manufacturer")
        for serial, tag, manufacturer in devices_where("serial_number", serials, fields):
            if lower_key(tag) in in_file:
                continue  # its serial after the import is checked above
            for row in new_keys.get((lower_key(manufacturer), lower_key(serial)), []):
                self.error(
                    row,
                    "serial_number",
                    _("Serial number %(serial)s of %(manufacturer)s is already used.")
                    % {"serial": serial, "manufacturer": manufacturer},
                )

    def _after(self, device: StoredDevice, changes: dict, key: str):
        if key in changes:
            return changes[key][1]
        if key == "model":
            return self.known.models_by_id.get(device.model_id)
        return getattr(device, key)

    # --- the answer -------------------------------------------------------------------------

    def outcome(self, row: Row) -> RowOutcome:
        if row.errors:
            return RowOutcome(row.row, "error", row.tag, errors=row.errors)
        if row.device is None:
            return RowOutcome(row.row, "create", row.tag, errors=row.errors)
        if not row.changes:
            return RowOutcome(row.row, "unchanged", row.device.asset_tag, errors=row.errors)
        changes = [
            {
                "field": key,
                "column": self.headers.get(key),
                "old": history_value(old),
                "new": history_value(new),
            }
            for key, (old, new) in sorted(
                row.changes.items(), key=lambda change: self.table.columns.get(change[0], 999)
            )
        ]
        return RowOutcome(
            row.row, "update", row.device.asset_tag, changes=changes, errors=row.errors
        )

    def padded_tags(self, rows: list[Row]) -> None:
        """A new asset tag of digits that is a stored one without its leading zeros (555
        next to 00555: Excel dropped them) is an error, never a second device."""
        new = {row.tag for row in rows if row.tag.isdigit() and row.device is None}
        if not new:
            return
        every = self.known._every_device
        if every is not None:
            stored = [device.asset_tag for device in every.values()]
        else:
            stored = asset_tags_by_number(new)
        twins = padding_twins(new, stored)
        for row in rows:
            twin = twins.get(row.tag) if row.device is None else None
            if twin is not None:
                self.error(row, "asset_tag", padding_message(row.tag, twin))

    def duplicates(self, rows: list[Row]) -> None:
        by_tag: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            if row.tag:
                by_tag[lower_key(row.tag)].append(row)
        for same in by_tag.values():
            if len(same) > 1:
                numbers = ", ".join(str(row.row) for row in same)
                for row in same:
                    self.error(
                        row,
                        "asset_tag",
                        _("Asset tag %(tag)s appears more than once in the file (rows %(rows)s).")
                        % {"tag": row.tag, "rows": numbers},
                    )


def plan_device_import(
    *,
    actor: User,
    table: Table,
    school: School | None = None,
    create_missing: bool = False,
    progress: Progress,
    known: Known | None = None,
    date_order: str = "dmy",
) -> Plan:
    """Every row's outcome and what would be written; reads, never writes. The caller has
    checked that the actor may import, and for `school`; `known` may come loaded already.
    `date_order` (dmy or mdy) reads dates with slashes when their column does not tell."""
    if "asset_tag" not in table.columns:
        raise FileRejected(
            _("“%(name)s” has no column with the asset tag (%(header)s); it is needed.")
            % {"name": table.filename, "header": str(DEVICE_COLUMNS[0].header)},
            code="missing_column",
        )
    planner = _Planner(
        actor=actor,
        table=table,
        school=school,
        create_missing=create_missing,
        progress=progress,
        known=known or Known(),
    )
    dates: list[dict[str, Any]] = []
    rows = parse_rows(table, progress, date_order=date_order, dates=dates)
    planner.collect_categories(rows)
    planner.duplicates(rows)
    planner.known.load_devices({lower_key(row.tag) for row in rows if row.tag})
    for row in rows:
        row.device = planner.known.devices.get(lower_key(row.tag)) if row.tag else None
    planner.padded_tags(rows)
    for row in rows:
        planner.resolve(row)
        row.values = None  # decided: what is still needed is in final or changes
    planner.check_serials(rows)

    outcomes = [planner.outcome(row) for row in rows]
    counts = dict.fromkeys(("create", "update", "unchanged", "error"), 0)
    for outcome in outcomes:
        counts[outcome.outcome] += 1
    valid = [row for row in rows if not row.errors]
    # Only the new models and rooms that rows without errors use are created.
    used: dict[int, DeviceModel | Room] = {}
    for row in valid:
        for key in ("model", "room"):
            value = row.final.get(key) if row.device is None else row.changes.get(key)
            value = value[1] if isinstance(value, tuple) else value
            if value is not None and value.pk is None:
                used[id(value)] = value
    new_models = [value for value in used.values() if isinstance(value, DeviceModel)]
    new_rooms = [value for value in used.values() if isinstance(value, Room)]
    report = ImportReport(
        counts=counts,
        rows=outcomes,
        unknown_columns=list(table.unknown_columns),
        to_create={
            "models": [
                {"manufacturer": m.manufacturer, "name": m.name, "category": m.category}
                for m in new_models
            ],
            "rooms": [{"school": r.school.number, "name": r.name} for r in new_rooms],
        },
        header_row=table.header_row,
        hidden_rows=table.hidden_rows,
        schools=sorted(planner.named_schools),
        date_orders=dates,
        skipped=list(table.skipped),
    )
    return Plan(
        report=report,
        creates=[row.final for row in valid if row.device is None],
        updates=[(row.device, row.changes) for row in valid if row.device and row.changes],
        new_models=new_models,
        new_rooms=new_rooms,
    )
