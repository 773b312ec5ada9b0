"""What the preview says is what the apply does, on SQLite and PostgreSQL alike: for a
generated file of devices full of edge values (NUL anywhere, text beyond the column's
length, asset tags differing only in case, unknown rooms, prices and dates out of range,
emoji, letters whose lower case differs between Python and the database), every row
previewed as create or update is stored with exactly the previewed values, no row with an
error is written, and the apply never fails after the preview."""

import datetime
import random
from decimal import Decimal

import pytest

from inventory.importing import device_import_apply
from inventory.importing.apply import device_import_plan
from inventory.models import Device, DeviceModel, Room, School
from tests.factories import DeviceFactory, DeviceModelFactory, RoomFactory
from tests.inventory.files import csv_bytes, xlsx

pytestmark = pytest.mark.django_db(transaction=False)

HEADER = [
    "Inventarnummer",
    "Seriennummer",
    "Hersteller",
    "Modell",
    "Kategorie",
    "Schulnummer",
    "Raum",
    "Status",
    "Kaufdatum",
    "Kaufpreis",
    "Förderprogramm",
    "Garantie bis",
    "Verleihbar",
    "Notizen",
]
FIELDS = (
    "serial_number",
    "purchase_date",
    "purchase_price",
    "funding_programme",
    "warranty_end",
    "lendable",
    "notes",
    "status",
    "mac_addresses",
)

TEXT_EDGES = [
    "",
    "ok",
    "a" * 49,
    "a" * 50,
    "a" * 51,
    "b" * 100,
    "b" * 101,
    "💻" * 50,
    "💻" * 51,
    "Mu\u0308ller",
    "nul\x00inside",
    "\x00",
    "ΑΣ",
    "ας",
    "İNV",
    "ẞtraße",
    " padded ",
]
PRICE_EDGES = [
    "",
    "649,00",
    "99999999,99",
    "100000000",
    "-1",
    "1e400",
    "NaN",
    "0,001",
    "1.234,56",
    "12,345.67",
]
DATE_EDGES = [
    "",
    "01.08.2020",
    "31.12.9999",
    "01.01.0001",
    "29.02.2021",
    "2019",
    "3",
    "44409",
    "2021-08-01",
    "08/01/2021",
    "13/01/2021",
]


def generated_rows(seed: int, count: int, *, nul: bool) -> list[list[object]]:
    """Rows of ordinary values, each cell an edge value now and then (about one in ten)."""
    rnd = random.Random(seed)
    texts = TEXT_EDGES if nul else [text for text in TEXT_EDGES if "\x00" not in text]

    def cell(usual: list[object], edges: list[object] = texts) -> object:
        return rnd.choice(edges) if rnd.random() < 0.1 else rnd.choice(usual)

    tags = ["INV-1", "inv-1", "00555", "555", "İNV-3", "inv-3", "ΑΣ-4", "ας-4"]
    rows: list[list[object]] = [HEADER]
    if nul:
        # A NUL within the first 64 KB makes the file no text file at all; after them it
        # is one cell's problem (and crashed the apply on PostgreSQL).
        usual = ["Lenovo", "ThinkPad L14", "", "165432", "A101", "", "01.08.2020", "649,00"]
        usual += ["", "", "ja", "Ordinary note " * 12]
        for number in range(400):
            rows.append([f"FILL-{number}", f"FSN{number}", *usual])
    for number in range(count):
        rows.append(
            [
                rnd.choice(tags) if rnd.random() < 0.15 else cell([f"GEN-{number}"]),
                cell([f"SN{number}", f"SN{number}", "SN-DUP", "sn-dup", "SN-STORED", ""]),
                cell(["Lenovo", "lenovo", "Dell"]),
                cell(["ThinkPad L14", "thinkpad l14", "Latitude 5", "New Model"]),
                cell(["Laptop", "", "Laptop"], ["Toaster"]),
                cell(["165432"], ["999999", "", "165432\x00" if nul else "1"]),
                cell(["A101", "a101", "", "B202", "Räum"]),
                cell(["", "im Einsatz", "Lager"], ["kaputt"]),
                cell(["01.08.2020", "", "2021-08-01", "08/01/2021"], DATE_EDGES),
                cell(["649,00", "", "1.234,56"], PRICE_EDGES),
                cell(["", "DigitalPakt Schule"]),
                cell(["31.07.2025", "", "44409"], DATE_EDGES),
                cell(["", "ja", "nein"], ["vielleicht"]),
                cell(["", "Akku schwach"]),
            ]
        )
    return rows


def stored() -> dict[str, dict[str, object]]:
    return {
        device.asset_tag: {
            **{name: getattr(device, name) for name in FIELDS},
            "model": _key(device.model),
            "school": device.school_id,
            "room": _key(device.room),
        }
        for device in Device.objects.select_related("model", "room")
    }


@pytest.fixture
def inventory(school_a):
    thinkpad = DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14")
    DeviceModelFactory(manufacturer="Dell", name="Latitude 5")
    room = RoomFactory(school=school_a, name="A101")
    for tag in ("INV-1", "00555", "inv-3", "ασ-4"):
        DeviceFactory(asset_tag=tag, model=thinkpad, school=school_a, room=room)
    DeviceFactory(asset_tag="OTHER", serial_number="SN-STORED", model=thinkpad, school=school_a)
    return school_a


def _key(value):
    """A model or room by what identifies it (a new one has no id in the preview's plan)."""
    if isinstance(value, DeviceModel):
        return (value.manufacturer.lower(), value.name.lower())
    if isinstance(value, Room):
        return (value.school_id, value.name.lower())
    return value.pk if isinstance(value, School) else value


@pytest.mark.parametrize(
    ("seed", "kind", "create_missing"),
    [(1, "csv", False), (2, "csv", True), (3, "xlsx", True), (4, "csv", True), (5, "xlsx", False)],
)
def test_the_preview_of_a_generated_file_is_exactly_what_the_apply_does(
    it_admin, inventory, seed, kind, create_missing
):
    rows = generated_rows(seed, 120, nul=kind == "csv")
    data = csv_bytes(rows) if kind == "csv" else xlsx(rows)
    assert kind != "csv" or b"\x00" not in data[:65536]
    filename = f"corpus.{kind}"
    options = {"actor": it_admin, "data": data, "filename": filename}
    before = stored()

    plan, _tracker = device_import_plan(**options, create_missing=create_missing)
    previewed = {outcome.row: outcome for outcome in plan.report.rows}
    assert plan.report.counts["error"] < len(rows) - 1  # some rows get through

    report = device_import_apply(**options, create_missing=create_missing, only_valid=True)

    assert report.applied
    assert [(o.row, o.outcome, o.errors) for o in report.rows] == [
        (o.row, o.outcome, o.errors) for o in plan.report.rows
    ]
    after = stored()
    created = {fields["asset_tag"]: fields for fields in plan.creates}
    for tag, fields in created.items():
        device = after.pop(tag)
        for name, value in fields.items():
            if name != "asset_tag":
                assert device[name] == _key(value), (tag, name)
    for old, changes in plan.updates:
        device = after[old.asset_tag]
        for name, (_old, new) in changes.items():
            assert device[name] == _key(new), (old.asset_tag, name)
        # The fields not changed are as they were (checked with every other device).
        after[old.asset_tag] = {**device, **{k: before[old.asset_tag][k] for k in changes}}
    # Every other device is as it was: rows with errors wrote nothing.
    assert after == before
    assert len(created) == sum(1 for o in previewed.values() if o.outcome == "create")
    for device in Device.objects.all():
        assert "\x00" not in device.notes + device.serial_number + device.asset_tag
        assert device.purchase_price is None or device.purchase_price < Decimal("100000000")
    assert not any("\x00" in name for name in Room.objects.values_list("name", flat=True))
    assert all(
        isinstance(value, datetime.date)
        for device in Device.objects.exclude(purchase_date=None)
        for value in [device.purchase_date]
    )
