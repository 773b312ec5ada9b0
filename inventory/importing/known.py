"""What the inventory holds of the things a file refers to: schools, device models, rooms
and the devices with the file's asset tags, read in a few queries per file (never one per
row) and looked up in memory."""

import unicodedata
from collections import defaultdict, namedtuple
from collections.abc import Iterator

from django.db import connection
from django.db.models import F, Func, Value
from django.db.models.functions import Lower

from core.sheets.values import lower_key, unpadded
from inventory.models import Device, DeviceModel, Room, School

# Above this many keys, and when the file names a good part of the table anyway, reading
# the whole table once is faster than asking for the keys in chunks.
SCAN_ABOVE = 2_000

# A device as stored, read as plain values: cheaper than a model instance, and all that
# comparing a row with it needs. (_stored_devices names its fields in this order.)
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


def _stored_devices(rows) -> Iterator[StoredDevice]:
    """StoredDevice of each row of values (in the order of its fields), with one object for
    all devices of a value that repeats from device to device (a manufacturer, a model, a
    room, a status, a date, a price): a file that names most devices has all of them read
    before it is planned (preload_devices), and each such value is then held once, not
    50,000 times (17 MB less). Prices are told apart by their text too: Decimal 649.0 and
    649.00 are equal, but not the same."""
    texts: dict[str, str] = {}
    numbers: dict[int | None, int | None] = {}
    dates: dict[object, object] = {}
    prices: dict[tuple[object, str], object] = {}
    text, number, date = texts.setdefault, numbers.setdefault, dates.setdefault
    make = StoredDevice._make
    for values in rows:
        pk, tag, serial, maker, macs, model, school, room, status, *rest = values
        bought, price, funding, warranty, lendable, notes = rest
        yield make(
            (
                pk,
                tag,
                serial,
                text(maker, maker),
                macs,
                number(model, model),
                number(school, school),
                number(room, room),
                text(status, status),
                date(bought, bought),
                prices.setdefault((price, str(price)), price),
                text(funding, funding),
                date(warranty, warranty),
                lendable,
                notes,
            )
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
        for values in Device.objects.values_list(*fields).iterator(chunk_size=2000):
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
    or all of them beforehand with `preload_devices` when the file names most of them.
    `compact` (for a preview, which has to fit into little memory) holds each value that
    repeats from device to device once; that takes a little longer to read."""

    def __init__(self, *, compact: bool = False) -> None:
        self.compact = compact
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
        rows = Device.objects.values_list(*StoredDevice._fields).iterator(chunk_size=2000)
        every = self._every_device = {}
        for device in self._stored(rows):
            key = lower_key(device.asset_tag)
            every[device.asset_tag if key == device.asset_tag else key] = device

    def expect_rows(self, count: int) -> None:
        """A file of about `count` rows is planned, and asks for its devices a chunk of rows
        at a time: if reading every device at once is cheaper (the rule of devices_where
        for the file as a whole, a small table for a large file), read them now."""
        fresh = self._every_device is None
        if fresh and count > SCAN_ABOVE and count * 2 >= Device.objects.count():
            self.preload_devices()

    def load_devices(self, tags: set[str]) -> None:
        """The devices with these asset tags (lower case), by lower-cased asset tag."""
        if self._every_device is not None:
            every = self._every_device
            self.devices = {tag: every[tag] for tag in tags if tag in every}
            return
        self.devices = {}
        for device in self._stored(devices_where("asset_tag", tags, StoredDevice._fields)):
            self.devices[lower_key(device.asset_tag)] = device

    def _stored(self, rows) -> Iterator[StoredDevice]:
        return _stored_devices(rows) if self.compact else map(StoredDevice._make, rows)

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
