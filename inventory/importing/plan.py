"""From the rows of a device spreadsheet to a plan: what each row would create or change,
and every error with its row and column. Planning reads the database in a few queries per
file (never one per row) and writes nothing."""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from core.errors import FileRejected
from core.models import User
from core.permissions import school_ids
from core.sheets.read import Table
from inventory.columns import DEVICE_COLUMNS, PARSERS
from inventory.importing.report import ImportReport, Progress, RowOutcome
from inventory.models import Device, DeviceModel, Room, School, Status
from inventory.services import device_changes, history_value

# Text cells longer than the database column are row errors, not database errors.
TEXT_LIMITS = {
    "asset_tag": Device._meta.get_field("asset_tag").max_length,
    "serial_number": Device._meta.get_field("serial_number").max_length,
    "funding_programme": Device._meta.get_field("funding_programme").max_length,
    "manufacturer": DeviceModel._meta.get_field("manufacturer").max_length,
    "model": DeviceModel._meta.get_field("name").max_length,
    "room": Room._meta.get_field("name").max_length,
}
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
# Columns whose cells repeat a lot; their parsed values are remembered per file.
CACHED_KINDS = {"date", "money", "bool", "status", "category", "macs"}
CACHE_LIMIT = 20_000


@cache
def device_spellings() -> dict[str, str]:
    """Folded header spelling -> column key, German and English."""
    return {spelling: column.key for column in DEVICE_COLUMNS for spelling in column.spellings()}


def expected_headers() -> list[str]:
    """The headers of the main columns, in the current language, for messages."""
    keys = ("asset_tag", "serial_number", "manufacturer", "model", "school", "room")
    return [str(column.header) for column in DEVICE_COLUMNS if column.key in keys]


class StoredDevice:
    """A device as stored, read as plain values: cheaper than a model instance, and all
    that comparing a row with it needs."""

    __slots__ = (
        "id",
        "asset_tag",
        "serial_number",
        "manufacturer",
        "mac_addresses",
        "model_id",
        "school_id",
        "room_id",
        "status",
        "purchase_date",
        "purchase_price",
        "funding_programme",
        "warranty_end",
        "lendable",
        "notes",
    )

    def __init__(self, *values: Any):
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)


@dataclass
class _Row:
    row: int
    values: dict[str, Any]
    errors: list[dict[str, Any]]
    tag: str = ""
    device: StoredDevice | None = None
    final: dict[str, Any] = field(default_factory=dict)  # a new device's fields
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


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


def _chunks(items: list, size: int | None = None):
    size = size or min(connection.features.max_query_params or 5000, 5000) - 10
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Planner:
    def __init__(
        self,
        *,
        actor: User,
        table: Table,
        school: School | None,
        create_missing: bool,
        progress: Progress,
    ):
        self.actor = actor
        self.table = table
        self.import_school = school
        self.create_missing = create_missing
        self.progress = progress
        self.reach = school_ids(actor)
        self.headers = table.headers
        self.new_models: dict[tuple[str, str], DeviceModel] = {}
        self.new_rooms: dict[tuple[int, str], Room] = {}
        self.model_categories: dict[tuple[str, str], str] = {}

    def error(self, row: _Row, key: str | None, message: str) -> None:
        row.errors.append(
            {"row": row.row, "column": self.headers.get(key) if key else None, "message": message}
        )

    # --- reading ---------------------------------------------------------------------------

    def parse(self) -> list[_Row]:
        columns = []
        for column in DEVICE_COLUMNS:
            if column.key in self.table.columns:
                cached = {} if column.kind in CACHED_KINDS else None
                limit = TEXT_LIMITS.get(column.key)
                columns.append(
                    (
                        column.key,
                        self.table.columns[column.key],
                        PARSERS[column.kind],
                        cached,
                        limit,
                    )
                )
        rows = []
        for number, cells in self.table.rows():
            width = len(cells)
            values: dict[str, Any] = {}
            row = _Row(number, values, [])
            for key, index, parse, cached, limit in columns:
                cell = cells[index] if index < width else None
                if cached is None:
                    value, problem = self._parse(parse, cell)
                else:
                    memo = (type(cell), cell)
                    hit = cached.get(memo)
                    if hit is None:
                        hit = self._parse(parse, cell)
                        if len(cached) < CACHE_LIMIT:
                            cached[memo] = hit
                    value, problem = hit
                if problem:
                    self.error(row, key, problem)
                elif limit and value and len(value) > limit:
                    self.error(
                        row,
                        key,
                        _("“%(value)s…” is too long: at most %(max)s characters.")
                        % {"value": value[:20], "max": limit},
                    )
                else:
                    values[key] = value
            row.tag = values.get("asset_tag", "")
            if not row.tag:
                self.error(row, "asset_tag", _("The asset tag is missing."))
            manufacturer, name = values.get("manufacturer"), values.get("model")
            if manufacturer and name and values.get("category"):
                self.model_categories.setdefault(
                    (manufacturer.lower(), name.lower()), values["category"]
                )
            rows.append(row)
            self.progress.advance()
        return rows

    @staticmethod
    def _parse(parse, cell) -> tuple[Any, str | None]:
        try:
            return parse(cell), None
        except ValueError as exc:
            return None, str(exc)

    # --- loading what the file refers to ----------------------------------------------------

    def load(self, rows: list[_Row]) -> None:
        schools = list(School.objects.only("id", "number", "name"))
        self.schools_by_id = {school.id: school for school in schools}
        self.schools_by_number = {school.number: school for school in schools}
        self.schools_by_name: dict[str, list[School]] = defaultdict(list)
        for school in schools:
            self.schools_by_name[school.name.strip().casefold()].append(school)

        models = list(DeviceModel.objects.all())
        self.models_by_id = {model.id: model for model in models}
        self.models: dict[tuple[str, str], DeviceModel] = {}
        self.models_by_name: dict[str, list[DeviceModel]] = defaultdict(list)
        for model in models:
            self.models.setdefault((model.manufacturer.lower(), model.name.lower()), model)
            self.models_by_name[model.name.lower()].append(model)

        tags = sorted({row.tag.lower() for row in rows if row.tag})
        self.devices: dict[str, StoredDevice] = {}
        for chunk in _chunks(tags):
            found = (
                Device.objects.annotate(tag_key=Lower("asset_tag"))
                .filter(tag_key__in=chunk)
                .values_list(*StoredDevice.__slots__)
            )
            for values in found:
                device = StoredDevice(*values)
                self.devices[device.asset_tag.lower()] = device

        wanted = {device.school_id for device in self.devices.values()}
        if self.import_school is not None:
            wanted.add(self.import_school.id)
        for row in rows:
            school = self.find_school(row.values.get("school") or "")
            if school is not None:
                wanted.add(school.id)
        self.rooms: dict[tuple[int, str], Room] = {}
        self.rooms_by_id: dict[int, Room] = {}
        for room in Room.objects.filter(school_id__in=sorted(wanted)).only("id", "school", "name"):
            self.rooms.setdefault((room.school_id, room.name.lower()), room)
            self.rooms_by_id[room.id] = room

    def reaches(self, school_id: int) -> bool:
        return self.reach is None or school_id in self.reach

    def find_school(self, text: str) -> School | None:
        """A school by 6-digit number (leading zeros lost by Excel restored) or exact name."""
        if not text:
            return None
        if text.isdigit() and len(text) <= 6:
            return self.schools_by_number.get(text.zfill(6))
        found = self.schools_by_name.get(text.casefold(), [])
        return found[0] if len(found) == 1 else None

    # --- deciding each row ------------------------------------------------------------------

    def resolve(self, row: _Row) -> None:
        values = row.values
        device = self.devices.get(row.tag.lower()) if row.tag else None
        row.device = device
        if device is not None and not self.reaches(device.school_id):
            # The same words as for a single edit, and no word about the other school.
            self.error(
                row,
                "asset_tag",
                _("Asset tag %(tag)s is already used by another device.") % {"tag": row.tag},
            )
            return
        school = self.resolve_school(row, device)
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

    def resolve_school(self, row: _Row, device: StoredDevice | None) -> School | None:
        text = row.values.get("school") or ""
        if text:
            school = self.find_school(text)
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
                        "school": self.schools_by_id[device.school_id],
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

    def resolve_model(self, row: _Row, device: StoredDevice | None) -> DeviceModel | None:
        values = row.values
        name = values.get("model") or ""
        manufacturer = values.get("manufacturer") or ""
        if not name:
            if device is None:
                self.error(row, "model", _("The model is missing."))
            return None
        if manufacturer:
            key = (manufacturer.lower(), name.lower())
            model = self.models.get(key) or self.new_models.get(key)
            if model is not None:
                return model
        else:
            candidates = self.models_by_name.get(name.lower(), [])
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

    def resolve_room(self, row: _Row, device: StoredDevice | None, school: School | None):
        """The row's room, None to clear it, or False to leave it as it is."""
        if "room" not in row.values:
            if device is not None and school is not None and device.room_id:
                room = self.rooms_by_id.get(device.room_id)
                if room is not None and room.school_id != school.id:
                    return None  # moved to another school: the old room is not there
            return False
        name = row.values["room"]
        if not name:
            return None
        if school is None:
            school = self.schools_by_id.get(device.school_id) if device is not None else None
            if school is None:
                return False
        key = (school.id, name.lower())
        room = self.rooms.get(key) or self.new_rooms.get(key)
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
        lookups = {"model": self.models_by_id, "school": self.schools_by_id}
        lookups["room"] = self.rooms_by_id
        for key in FOREIGN_KEYS:
            if key in final:
                new = final.pop(key)
                old_id = getattr(device, f"{key}_id")
                if new is None and old_id is None:
                    continue
                if new is None or new.pk is None or new.pk != old_id:
                    changes[key] = (lookups[key].get(old_id), new)
        # Most cells are equal to what is stored; only the others go through the history's
        # own comparison, so a change means the same here as for a single edit.
        different = {key: new for key, new in final.items() if getattr(device, key) != new}
        if different:
            changes.update(device_changes(device, different))
        return changes

    # --- serial numbers ---------------------------------------------------------------------

    def check_serials(self, rows: list[_Row]) -> None:
        """A serial number is unique per manufacturer, across the database and the file."""
        claimed: dict[tuple[str, str], _Row] = {}
        new_keys: dict[tuple[str, str], list[_Row]] = defaultdict(list)
        in_file = {row.tag.lower() for row in rows if not row.errors}
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
            key = (manufacturer.lower(), serial.lower())
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
        serials = sorted({serial for _manufacturer, serial in new_keys})
        for chunk in _chunks(serials):
            others = (
                Device.objects.annotate(serial_key=Lower("serial_number"))
                .filter(serial_key__in=chunk)
                .values_list("asset_tag", "manufacturer", "serial_number")
            )
            for tag, manufacturer, serial in others:
                if tag.lower() in in_file:
                    continue  # its serial after the import is checked above
                for row in new_keys.get((manufacturer.lower(), serial.lower()), []):
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
            return self.models_by_id.get(device.model_id)
        return getattr(device, key)

    # --- the answer -------------------------------------------------------------------------

    def outcome(self, row: _Row) -> RowOutcome:
        if row.errors:
            return RowOutcome(row.row, "error", row.tag, errors=row.errors)
        if row.device is None:
            return RowOutcome(row.row, "create", row.tag)
        if not row.changes:
            return RowOutcome(row.row, "unchanged", row.device.asset_tag)
        changes = [
            {
                "field": key,
                "column": self.headers.get(key),
                "old": history_value(old),
                "new": history_value(new),
            }
            for key, (old, new) in row.changes.items()
        ]
        return RowOutcome(row.row, "update", row.device.asset_tag, changes=changes)

    def duplicates(self, rows: list[_Row]) -> None:
        by_tag: dict[str, list[_Row]] = defaultdict(list)
        for row in rows:
            if row.tag:
                by_tag[row.tag.lower()].append(row)
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
) -> Plan:
    """Every row's outcome and what would be written; reads, never writes. The caller has
    checked that the actor may import, and for `school`."""
    if "asset_tag" not in table.columns:
        raise FileRejected(
            _("“%(name)s” has no column with the asset tag (%(header)s); it is needed.")
            % {"name": table.filename, "header": str(DEVICE_COLUMNS[0].header)},
            code="missing_column",
        )
    planner = _Planner(
        actor=actor, table=table, school=school, create_missing=create_missing, progress=progress
    )
    rows = planner.parse()
    planner.duplicates(rows)
    planner.load(rows)
    for row in rows:
        planner.resolve(row)
    planner.check_serials(rows)

    outcomes = [planner.outcome(row) for row in rows]
    counts = dict.fromkeys(("create", "update", "unchanged", "error"), 0)
    for outcome in outcomes:
        counts[outcome.outcome] += 1
    valid = [row for row in rows if not row.errors]
    new_models = _unique(
        value for row in valid for value in _referenced(row, "model") if value.pk is None
    )
    new_rooms = _unique(
        value for row in valid for value in _referenced(row, "room") if value.pk is None
    )
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
    )
    return Plan(
        report=report,
        creates=[row.final for row in valid if row.device is None],
        updates=[(row.device, row.changes) for row in valid if row.device and row.changes],
        new_models=new_models,
        new_rooms=new_rooms,
    )


def _referenced(row: _Row, key: str) -> list:
    value = row.final.get(key) if row.device is None else row.changes.get(key, (None, None))[1]
    return [value] if value is not None else []


def _unique(items) -> list:
    seen: dict[int, Any] = {}
    for item in items:
        seen.setdefault(id(item), item)
    return list(seen.values())
