"""From the rows of a device spreadsheet to a plan: what each row would create or change,
and every error with its row and column. Planning reads the database in a few queries per
file (never one per row) and writes nothing.

The rows are planned a chunk at a time while the file is read, and of a planned row only
its outcome is kept, with its asset tag and serial number as keys for the checks across
the file; so memory grows with the report, not with the cells of a large file. What only
the whole file tells (an asset tag twice, a stored tag without its leading zeros, a serial
number twice, the order of day and month of dates with slashes, a new model's category in
a later row) is decided once the file is read (_Planner.finish), and each error it finds
goes where the row's other errors have it: cells, dates with slashes, asset tag, school,
model, room, serial number."""

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
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
from inventory.importing.parse import Row, parsed_rows, read_later_dates
from inventory.importing.report import NO_ITEMS, ImportReport, RowOutcome, row_error
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
# The order in which compare lists a row's changes (and the history rows are written).
CHANGE_ORDER = (*FOREIGN_KEYS, *EMPTY, "status")
# Rows planned together: the stored devices with their asset tags are read at once.
CHUNK = 2000

Error = dict[str, Any]


@dataclass
class Plan:
    report: ImportReport
    creates: list[dict[str, Any]]  # the fields of each new device
    updates: list[tuple[StoredDevice, dict[str, tuple[Any, Any]]]]
    new_models: list[DeviceModel]
    new_rooms: list[Room]
    # False for a plan made to be shown only: it keeps nothing to write (no creates, no
    # updates), and device_import_write refuses it.
    writable: bool = True

    @property
    def has_errors(self) -> bool:
        return self.report.counts["error"] > 0

    def refused(self, *, only_valid: bool) -> bool:
        """The write-or-refuse rule of every device import: a file with rows in error is
        written only when the valid rows alone were asked for."""
        return self.has_errors and not only_valid


class _Later:
    """A row with dates written with slashes, planned without them: what adding them
    needs once the whole file is read."""

    __slots__ = ("cells", "dates", "device", "fields", "outcome")

    def __init__(self, outcome: RowOutcome, cells, device, fields) -> None:
        self.outcome = outcome
        self.cells = cells  # Row.later
        self.device = device
        # A new device's fields (when kept for writing) or a stored one's changes.
        self.fields = fields
        self.dates: dict[str, Any] = {}


def _outcome_of(entry: Any) -> RowOutcome:
    """The outcome of an entry of _Planner.tags or _Planner.serials: the outcome itself,
    or a tuple beginning with it."""
    return entry if entry.__class__ is RowOutcome else entry[0]


def _row_number(outcome: RowOutcome) -> int:
    return outcome.row


def _entries(found: Any) -> list | tuple:
    return found if found.__class__ is list else (found,)


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
        writes: bool,
    ):
        self.actor = actor
        self.known = known
        self.table = table
        self.import_school = school
        self.create_missing = create_missing
        self.progress = progress
        self.reach = school_ids(actor)
        self.headers = table.headers
        self.writes = writes
        self.new_models: dict[tuple[str, str], DeviceModel] = {}
        self.new_rooms: dict[tuple[int, str], Room] = {}
        self.model_categories: dict[tuple[str, str], str] = {}
        # The schools whose devices or names the report's rows show (all within reach).
        self.named_schools: set[int] = set()
        self.outcomes: list[RowOutcome] = []
        # Lower-cased asset tag -> its row: the outcome, or (outcome, the tag as the file
        # writes it) where the outcome shows the stored spelling; a list of them for a tag
        # the file has more than once.
        self.tags: dict[str, Any] = {}
        self.new_digit_tags: set[str] = set()  # new asset tags of digits only
        # Lower-cased manufacturer -> lower-cased serial number -> the first row without
        # errors that has it (its outcome); for one that more rows have, a list of that
        # outcome and (outcome, serial number, manufacturer) of each further row.
        self.serials: dict[str, dict[str, Any]] = {}
        self.manufacturer_keys: dict[str, str] = {}
        # id() of a model or room the import creates -> the rows without errors using it.
        self.users: dict[int, list[RowOutcome]] = defaultdict(list)
        # A new model no row has given a category yet -> the rows using it: (outcome, where
        # the error about it goes in the row's errors, "manufacturer model" as the row says).
        self.uncategorised: dict[tuple[str, str], list[tuple[RowOutcome, int, str]]] = {}
        self.waiting: tuple[tuple[str, str], int, str] | None = None  # from resolve_model
        self.later: list[_Later] = []
        # For each row, in the order of outcomes: how many of its errors come from its
        # cells; finish puts the errors the whole file tells after them.
        self.parsed = bytearray()
        # The same message for many rows (a room missing at a school) is kept once.
        self.messages: dict[str, str] = {}
        # (outcome, stored device or None, changes or fields) of each row without errors,
        # kept for writing.
        self.written: list[tuple[RowOutcome, StoredDevice | None, dict[str, Any]]] = []

    def plan_rows(self, rows: Iterator[Row]) -> None:
        """Plan every row, a chunk of rows at a time: their categories first (a row may
        give a model's category that a row above it needs), then their stored devices."""
        while chunk := list(islice(rows, CHUNK)):
            self.collect_categories(chunk)
            self.known.load_devices({lower_key(row.tag) for row in chunk if row.tag})
            for row in chunk:
                self.outcomes.append(self.plan_row(row))

    def collect_categories(self, rows: list[Row]) -> None:
        """The category a file gives for each model, for models that are new: the first one
        it gives, which a new model made without one (resolve_model) then gets."""
        if "category" not in self.headers:
            return
        for row in rows:
            values = row.values
            manufacturer, name = values.get("manufacturer"), values.get("model")
            if manufacturer and name and values.get("category"):
                key = (lower_key(manufacturer), lower_key(name))
                if key not in self.model_categories:
                    self.model_categories[key] = values["category"]
                    if self.uncategorised.pop(key, None) is not None:
                        self.new_models[key].category = values["category"]

    def reaches(self, school_id: int) -> bool:
        return self.reach is None or school_id in self.reach

    def row_error(self, number: int, key: str | None, message: str) -> Error:
        if len(self.messages) < 10_000:
            message = self.messages.setdefault(message, message)
        return row_error(number, self.headers.get(key) if key else None, message)

    def error(self, row: Row, key: str | None, message: str) -> None:
        row.errors.append(self.row_error(row.row, key, message))

    # --- deciding each row ------------------------------------------------------------------

    def plan_row(self, row: Row) -> RowOutcome:
        """Decide one row and keep of it what the report and the checks across the file
        need."""
        self.parsed.append(len(row.errors))  # at most one error a cell
        self.resolve(row)
        outcome = self.outcome(row)
        device = row.device
        if not row.errors:
            self.note_valid(row, outcome)
        if row.later:
            fields = row.changes if device is not None else row.final if self.writes else None
            self.later.append(_Later(outcome, row.later, device, fields))
        if row.tag:
            self.note_tag(row, outcome)
        if self.waiting is not None:
            key, at, label = self.waiting
            self.uncategorised[key].append((outcome, at, label))
            self.waiting = None
        return outcome

    def note_valid(self, row: Row, outcome: RowOutcome) -> None:
        """A row without errors (yet): its serial number claimed, the new models and rooms
        it uses, and what is written for it."""
        device = row.device
        if device is None:
            final = row.final
            serial = final.get("serial_number", "")
            model, room = final["model"], final.get("room")
            manufacturer = model.manufacturer
            if self.writes:
                self.written.append((outcome, None, final))
        else:
            changes = row.changes
            serial = self._after(device, changes, "serial_number")
            after = self._after(device, changes, "model")
            manufacturer = after.manufacturer if after is not None else device.manufacturer
            model = changes["model"][1] if "model" in changes else None
            room = changes["room"][1] if "room" in changes else None
            if self.writes and (changes or row.later):
                self.written.append((outcome, device, changes))
        if model is not None and model.pk is None:
            self.users[id(model)].append(outcome)
        if room is not None and room.pk is None:
            self.users[id(room)].append(outcome)
        if serial:
            self.claim_serial(serial, manufacturer, outcome)

    def note_tag(self, row: Row, outcome: RowOutcome) -> None:
        tag = outcome.asset_tag
        entry: Any = outcome
        if tag != row.tag:  # the stored device's spelling; messages name the file's
            tag = row.tag
            entry = (outcome, tag)
        key = lower_key(tag)
        if key == tag:
            key = tag  # one string for both
        found = self.tags.get(key)
        if found is None:
            self.tags[key] = entry
        elif found.__class__ is list:
            found.append(entry)
        else:
            self.tags[key] = [found, entry]
        if row.device is None and tag.isdigit():
            self.new_digit_tags.add(tag)

    def claim_serial(self, serial: str, manufacturer: str, outcome: RowOutcome) -> None:
        key = self.manufacturer_keys.get(manufacturer)
        if key is None:
            key = self.manufacturer_keys[manufacturer] = lower_key(manufacturer)
        by_serial = self.serials.get(key)
        if by_serial is None:
            by_serial = self.serials[key] = {}
        serial_key = lower_key(serial)
        first = by_serial.get(serial_key)
        if first is None:
            by_serial[serial_key] = outcome
        elif first.__class__ is list:
            first.append((outcome, serial, manufacturer))
        else:
            by_serial[serial_key] = [first, (outcome, serial, manufacturer)]

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
                if key in self.uncategorised:
                    self.waiting = (key, len(row.errors), f"{manufacturer} {name}")
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
        if not category and "category" not in self.headers:
            self.error(row, "model", _category_needed(f"{manufacturer} {name}"))
            return None
        model = DeviceModel(manufacturer=manufacturer, name=name, category=category or "")
        self.new_models[key] = model
        if not category:
            # A row further down may give it (collect_categories); until the file is read,
            # the rows using the model wait for it (finish).
            self.uncategorised[key] = []
            self.waiting = (key, len(row.errors), f"{manufacturer} {name}")
        return model

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

    def _after(self, device: StoredDevice, changes: dict, key: str):
        if key in changes:
            return changes[key][1]
        if key == "model":
            return self.known.models_by_id.get(device.model_id)
        return getattr(device, key)

    # --- the answer -------------------------------------------------------------------------

    def outcome(self, row: Row) -> RowOutcome:
        if row.errors:
            # A list of its size: the row's list grew by appending, with room for more.
            return RowOutcome(row.row, "error", row.tag, NO_ITEMS, list(row.errors))
        if row.device is None:
            return RowOutcome(row.row, "create", row.tag, NO_ITEMS, NO_ITEMS)
        if not row.changes:
            return RowOutcome(row.row, "unchanged", row.device.asset_tag, NO_ITEMS, NO_ITEMS)
        shown = self.changes_shown(row.changes)
        return RowOutcome(row.row, "update", row.device.asset_tag, shown, NO_ITEMS)

    def changes_shown(self, changes: dict[str, tuple[Any, Any]]) -> list[dict[str, Any]]:
        """A row's changes as the report lists them, in the order of the file's columns."""
        return [
            {
                "field": key,
                "column": self.headers.get(key),
                "old": history_value(old),
                "new": history_value(new),
            }
            for key, (old, new) in sorted(
                changes.items(), key=lambda change: self.table.columns.get(change[0], 999)
            )
        ]

    def fail(self, outcome: RowOutcome, errors: list[Error]) -> None:
        """Make a planned row one with errors: `errors`, all of them."""
        if outcome.outcome != "error":
            if outcome.outcome != "create":  # it showed the stored device's spelling
                outcome.asset_tag = self.file_tag(outcome)
            outcome.outcome = "error"
            outcome.changes = NO_ITEMS
        outcome.errors = errors

    def file_tag(self, outcome: RowOutcome) -> str:
        """The asset tag of a row as the file writes it."""
        for entry in _entries(self.tags[lower_key(outcome.asset_tag)]):
            if entry is outcome:
                return outcome.asset_tag
            if entry.__class__ is tuple and entry[0] is outcome:
                return entry[1]
        raise LookupError(outcome.row)

    # --- once the file is read ---------------------------------------------------------------

    def finish(self, date_order: str, dates: list[dict[str, Any]]) -> None:
        """The checks that need every row, in the order of a row's errors: dates with
        slashes, asset tags twice in the file or without their leading zeros, new models
        without a category; then the dates are added to the rows they leave without
        errors, and last the serial numbers are checked."""
        early: dict[int, tuple[RowOutcome, list[Error]]] = {}

        def add(outcome: RowOutcome, error: Error) -> None:
            early.setdefault(outcome.row, (outcome, []))[1].append(error)

        if self.later:
            cells = [(later.outcome.row, later.cells) for later in self.later]
            for later, read in zip(
                self.later, read_later_dates(cells, self.headers, date_order, dates), strict=True
            ):
                for key, value, error in read:
                    if error is None:
                        later.dates[key] = value
                    else:
                        add(later.outcome, error)
        for found in self.tags.values():
            if found.__class__ is list:
                numbers = ", ".join(str(_outcome_of(entry).row) for entry in found)
                message = _("Asset tag %(tag)s appears more than once in the file (rows %(rows)s).")
                for entry in found:
                    outcome = _outcome_of(entry)
                    tag = entry[1] if entry.__class__ is tuple else outcome.asset_tag
                    add(
                        outcome,
                        self.row_error(
                            outcome.row, "asset_tag", message % {"tag": tag, "rows": numbers}
                        ),
                    )
        self.padded_tags(add)
        model_errors: dict[int, tuple[RowOutcome, int, Error]] = {}
        for uses in self.uncategorised.values():
            for outcome, at, label in uses:
                error = self.row_error(outcome.row, "category", _category_needed(label))
                model_errors[outcome.row] = (outcome, at, error)
        for number in early.keys() | model_errors.keys():
            outcome, before = early.get(number) or (model_errors[number][0], [])
            errors = list(outcome.errors)
            first = self.parsed[bisect_left(self.outcomes, number, key=_row_number)]
            if number in model_errors:
                _outcome, at, error = model_errors[number]
                errors.insert(at, error)
            errors[first:first] = before
            self.fail(outcome, errors)
        self.add_later_dates()
        self.check_serials()

    def padded_tags(self, add: Callable[[RowOutcome, Error], None]) -> None:
        """A new asset tag of digits that is a stored one without its leading zeros (555
        next to 00555: Excel dropped them) is an error, never a second device."""
        new = self.new_digit_tags
        if not new:
            return
        every = self.known._every_device
        if every is not None:
            stored = [device.asset_tag for device in every.values()]
        else:
            stored = asset_tags_by_number(new)
        for tag, twin in padding_twins(new, stored).items():
            # Digits have no case: every row with this key writes the tag so.
            for entry in _entries(self.tags[lower_key(tag)]):
                outcome = _outcome_of(entry)
                add(outcome, self.row_error(outcome.row, "asset_tag", padding_message(tag, twin)))

    def add_later_dates(self) -> None:
        """The dates with slashes of the rows still without errors, added to what the
        row creates or changes."""
        for later in self.later:
            outcome = later.outcome
            if outcome.outcome == "error" or not later.dates:
                continue
            device = later.device
            if device is None:
                if later.fields is not None:
                    later.fields.update(later.dates)
                continue
            different = {k: v for k, v in later.dates.items() if getattr(device, k) != v}
            added = device_changes(device, different) if different else {}
            if not added:
                continue
            changes = later.fields
            merged = {**changes, **added}
            changes.clear()
            changes.update((key, merged[key]) for key in CHANGE_ORDER if key in merged)
            outcome.outcome = "update"
            outcome.changes = self.changes_shown(changes)

    def check_serials(self) -> None:
        """A serial number is unique per manufacturer, across the database and the file:
        the first row without errors that has it keeps it."""
        found: list[tuple[RowOutcome, Error]] = []
        # Manufacturer -> serial number -> the row giving a device that serial number.
        new_keys: dict[str, dict[str, RowOutcome]] = {}
        for manufacturer_key, by_serial in self.serials.items():
            new = new_keys[manufacturer_key] = {}
            for serial_key, claims in by_serial.items():
                if claims.__class__ is RowOutcome:  # the common case: one row has it
                    if claims.outcome != "error" and _changes_serial(claims):
                        new[serial_key] = claims
                    continue
                first = None
                for claim in claims:
                    outcome = _outcome_of(claim)
                    if outcome.outcome == "error":
                        continue
                    if first is None:
                        first = outcome
                        if _changes_serial(outcome):
                            new[serial_key] = outcome
                        continue
                    _outcome, serial, manufacturer = claim
                    message = _(
                        "Serial number %(serial)s of %(manufacturer)s is already in row %(row)s."
                    ) % {"serial": serial, "manufacturer": manufacturer, "row": first.row}
                    found.append((outcome, self.row_error(outcome.row, "serial_number", message)))
        serials = {serial for new in new_keys.values() for serial in new}
        fields = ("serial_number", "asset_tag", "manufacturer")
        for serial, tag, manufacturer in devices_where("serial_number", serials, fields):
            if self.valid_in_file(lower_key(tag)):
                continue  # its serial after the import is checked above
            outcome = new_keys.get(lower_key(manufacturer), {}).get(lower_key(serial))
            if outcome is not None:
                message = _("Serial number %(serial)s of %(manufacturer)s is already used.") % {
                    "serial": serial,
                    "manufacturer": manufacturer,
                }
                found.append((outcome, self.row_error(outcome.row, "serial_number", message)))
        for outcome, error in found:
            self.fail(outcome, [*outcome.errors, error])

    def valid_in_file(self, key: str) -> bool:
        """Whether a row without errors has this (lower-cased) asset tag."""
        found = self.tags.get(key)
        return found is not None and _outcome_of(_entries(found)[0]).outcome != "error"

    def created(self) -> tuple[list[DeviceModel], list[Room]]:
        """The new models and rooms that rows without errors use (only those are created),
        each in the order of the first such row."""
        lists: tuple[list, list] = ([], [])
        for made, objects in zip(lists, (self.new_models, self.new_rooms), strict=True):
            for value in objects.values():
                user = next(
                    (o for o in self.users.get(id(value), ()) if o.outcome != "error"), None
                )
                if user is not None:
                    made.append((user.row, value))
            made.sort(key=lambda first: first[0])
        return [value for _row, value in lists[0]], [value for _row, value in lists[1]]


def _category_needed(label: str) -> str:
    return _("“%(model)s” is a new model, so its category is needed (e.g. Laptop).") % {
        "model": label
    }


def _changes_serial(outcome: RowOutcome) -> bool:
    """Whether the row gives a device a serial number it does not have yet (a new device,
    a new serial number or a new model): those are checked against the stored ones."""
    if outcome.outcome != "update":
        return outcome.outcome == "create"
    return any(change["field"] in ("serial_number", "model") for change in outcome.changes)


def plan_device_import(
    *,
    actor: User,
    table: Table,
    school: School | None = None,
    create_missing: bool = False,
    progress: Progress,
    known: Known | None = None,
    date_order: str = "dmy",
    writes: bool = True,
) -> Plan:
    """Every row's outcome and what would be written; reads, never writes. The caller has
    checked that the actor may import, and for `school`; `known` may come loaded already.
    `date_order` (dmy or mdy) reads dates with slashes when their column does not tell.
    With `writes` False the plan is only shown: it keeps nothing to write."""
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
        known=known or Known(compact=not writes),
        writes=writes,
    )
    planner.known.expect_rows(table.total_estimate)
    planner.plan_rows(parsed_rows(table, progress))
    dates: list[dict[str, Any]] = []
    planner.finish(date_order, dates)

    outcomes = planner.outcomes
    counts = dict.fromkeys(("create", "update", "unchanged", "error"), 0)
    for outcome in outcomes:
        counts[outcome.outcome] += 1
    new_models, new_rooms = planner.created()
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
    written = [(o, device, fields) for o, device, fields in planner.written if o.outcome != "error"]
    return Plan(
        report=report,
        creates=[fields for _o, device, fields in written if device is None],
        updates=[(device, fields) for _o, device, fields in written if device and fields],
        new_models=new_models,
        new_rooms=new_rooms,
        writable=writes,
    )
