"""What the inventory holds of the things a file refers to: schools, device models, rooms
and the devices with the file's asset tags, read in a few queries per file (never one per
row) and looked up in memory."""

import unicodedata
from collections import defaultdict, namedtuple

from django.db import connection
from django.db.models import F, Func, Value
from django.db.models.functions import Lower

from core.sheets.values import lower_key, unpadded
from inventory.models import Device, DeviceModel, Room, School

# Above this many keys, and when the file names a good part of the table anyway, reading
# the whole table once is faster than asking for the keys in chunks.
SCAN_ABOVE = 2_000

# A device as stored, read as plain values: cheaper than a model instance, and all that
# comparing a row with it needs.
StoredDevice = namedtuple(
    "StoredDevice",
    (
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
    ),
)


def _chunks(items: list, size: int | None = None):
    size = size or min(connection.features.max_query_params or 5000, 5000) - 10
    for start in range(0, len(items), size):
        yield items[start : start + size]


def devices_where(column: str, keys: set[str], fields: tuple[str, ...]):
    """Values of `fields` of the devices whose lower-cased `column` is one of `keys`."""
    if not keys:
        return
    if len(keys) > SCAN_ABOVE and len(keys) * 2 >= Device.objects.count():
        position = fields.index(column)
        for values in Device.objects.values_list(*fields):
            if lower_key(values[position]) in keys:
                yield values
        return
    for chunk in _chunks(sorted(keys)):
        qs = Device.objects.annotate(key=Lower(column)).filter(key__in=chunk)
        yield from qs.values_list(*fields)


def asset_tags_by_number(tags: set[str]) -> list[str]:
    """The stored asset tags that are, without their leading zeros, the number of one of
    `tags` (each made of digits): ['00555'] for {'555'}. One query per few thousand tags;
    LTRIM(text, characters) is the same on SQLite and PostgreSQL."""
    numbers = sorted({number for tag in tags if (number := unpadded(tag)) is not None})
    found: list[str] = []
    for chunk in _chunks(numbers):
        stripped = Func(F("asset_tag"), Value("0"), function="LTRIM")
        qs = Device.objects.annotate(number=stripped).filter(number__in=chunk)
        found.extend(qs.values_list("asset_tag", flat=True))
    return found


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class Known:
    """Lookups for planning an import. The catalogue (schools, models, rooms) is read when
    this is made; the devices with `load_devices`, once the file's asset tags are known,
    or all of them beforehand with `preload_devices` when the file names most of them."""

    def __init__(self) -> None:
        schools = list(School.objects.only("id", "number", "name"))
        self.schools_by_id = {school.id: school for school in schools}
        self.schools_by_number = {school.number: school for school in schools}
        self.found_schools: dict[str, School | None] = {}
        self.schools_by_name: dict[str, list[School]] = defaultdict(list)
        for school in schools:
            self.schools_by_name[_nfc(school.name.strip().casefold())].append(school)

        models = list(DeviceModel.objects.all())
        self.models_by_id = {model.id: model for model in models}
        self.models: dict[tuple[str, str], DeviceModel] = {}
        self.models_by_name: dict[str, list[DeviceModel]] = defaultdict(list)
        for model in models:
            # Compared as the file's text is read (NFC), also for names stored decomposed.
            key = (_nfc(lower_key(model.manufacturer)), _nfc(lower_key(model.name)))
            self.models.setdefault(key, model)
            self.models_by_name[key[1]].append(model)

        self.rooms: dict[tuple[int, str], Room] = {}
        self.rooms_by_id: dict[int, Room] = {}
        for room in Room.objects.only("id", "school", "name"):
            self.rooms.setdefault((room.school_id, _nfc(lower_key(room.name))), room)
            self.rooms_by_id[room.id] = room

        self.devices: dict[str, StoredDevice] = {}
        self._every_device: dict[str, StoredDevice] | None = None

    def preload_devices(self) -> None:
        """Read every device now (one query), for a file that names most of them."""
        self._every_device = {
            lower_key(values[1]): StoredDevice._make(values)
            for values in Device.objects.values_list(*StoredDevice._fields)
        }

    def load_devices(self, tags: set[str]) -> None:
        """The devices with these asset tags (lower case), by lower-cased asset tag."""
        if self._every_device is not None:
            every = self._every_device
            self.devices = {tag: every[tag] for tag in tags if tag in every}
            return
        self.devices = {}
        for values in devices_where("asset_tag", tags, StoredDevice._fields):
            device = StoredDevice._make(values)
            self.devices[lower_key(device.asset_tag)] = device

    def find_school(self, text: str) -> School | None:
        """A school by 6-digit number (leading zeros lost by Excel restored) or exact name."""
        try:
            return self.found_schools[text]
        except KeyError:
            pass
        school = None
        if text.isdigit() and len(text) <= 6:
            school = self.schools_by_number.get(text.zfill(6))
        elif text:
            found = self.schools_by_name.get(text.casefold(), [])
            school = found[0] if len(found) == 1 else None
        self.found_schools[text] = school
        return school
