"""A device file is planned a chunk of rows at a time while it is read, so that a preview's
memory grows with its report and not with the file's cells (issue 12); what only the whole
file tells (an asset tag twice, a stored tag without its leading zeros, a serial number
twice, the order of day and month of dates with slashes, a new model's category given
further down) is decided once the file is read. Where the chunks end changes nothing: a
file planned two or three rows at a time gets exactly the plan it gets in one go."""

import datetime
import tracemalloc
from xml.sax.saxutils import escape

import pytest
from django.utils import translation

from core.models import User
from inventory.importing import device_import_apply, device_import_preview
from inventory.importing import parse as parse_module
from inventory.importing import plan as plan_module
from inventory.importing.apply import device_import_plan, device_import_write
from inventory.models import Device, DeviceModel, Room, School
from tests.factories import DeviceFactory, DeviceModelFactory, RoomFactory
from tests.inventory.files import csv_bytes, xlsx, zip_bytes
from tests.inventory.test_import_preview_is_apply import generated_rows

pytestmark = pytest.mark.django_db

HEADER = ["Inventarnummer", "Seriennummer", "Hersteller", "Modell", "Kategorie", "Schulnummer"]
HEADER += ["Kaufdatum"]


@pytest.fixture
def thinkpad():
    return DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14")


@pytest.fixture
def stored(school_a, thinkpad):
    room = RoomFactory(school=school_a, name="A101")
    for tag in ("INV-1", "00555", "inv-3"):
        DeviceFactory(asset_tag=tag, model=thinkpad, school=school_a, room=room)
    DeviceFactory(asset_tag="OTHER", serial_number="SN-STORED", model=thinkpad, school=school_a)
    return school_a


def _plain(value):
    """A planned value by what identifies it: a new model or room has no id yet, and two
    plans make two objects of it."""
    if isinstance(value, DeviceModel):
        return ("model", value.manufacturer, value.name, value.category, value.pk)
    if isinstance(value, Room):
        return ("room", value.school_id, value.name, value.pk)
    if isinstance(value, School):
        return ("school", value.pk)
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    return value


def _planned(actor: User, data: bytes, filename: str, **options) -> dict:
    plan, _tracker = device_import_plan(actor=actor, data=data, filename=filename, **options)
    return {
        "report": plan.report.as_dict(),
        "creates": [{key: _plain(v) for key, v in fields.items()} for fields in plan.creates],
        "updates": [
            (device.asset_tag, [(key, _plain(change)) for key, change in changes.items()])
            for device, changes in plan.updates
        ],
        "new_models": [_plain(model) for model in plan.new_models],
        "new_rooms": [_plain(room) for room in plan.new_rooms],
    }


def test_what_the_whole_file_tells_reaches_rows_in_other_chunks(it_admin, stored, monkeypatch):
    rows = [
        HEADER,
        ["NEW-1", "S-1", "Acme", "Pad 1", "", "165432", "08/01/2021"],  # category: row 7
        ["DUP-1", "S-2", "Lenovo", "ThinkPad L14", "", "165432", ""],
        ["X-4", "s-1", "ACME", "pad 1", "", "165432", ""],  # the serial number of row 2
        ["555", "S-5", "Lenovo", "ThinkPad L14", "", "165432", ""],  # 00555 is stored
        ["dup-1", "S-6", "Lenovo", "ThinkPad L14", "", "165432", ""],
        ["NEW-7", "S-7", "Acme", "Pad 1", "Tablet", "165432", ""],
        ["NEW-8", "S-8", "Lenovo", "ThinkPad L14", "", "165432", "25/01/2021"],  # day first
        ["NEW-9", "S-9", "Zed", "Never", "", "165432", ""],  # no row gives its category
    ]
    data = csv_bytes(rows)
    options = {"actor": it_admin, "data": data, "filename": "inventar.csv"}
    monkeypatch.setattr(plan_module, "CHUNK", 2)

    with translation.override("en"):
        report = device_import_preview(**options, create_missing=True)

    outcomes = {row.asset_tag: row for row in report.rows}
    assert [row.outcome for row in report.rows] == [
        "create", "error", "error", "error", "error", "create", "create", "error"
    ]  # fmt: skip
    twice = "Asset tag %s appears more than once in the file (rows 3, 6)."
    assert [e["message"] for e in outcomes["DUP-1"].errors] == [twice % "DUP-1"]
    assert [e["message"] for e in outcomes["dup-1"].errors] == [twice % "dup-1"]
    assert [e["message"] for e in outcomes["X-4"].errors] == [
        "Serial number s-1 of Acme is already in row 2."
    ]
    assert "00555" in outcomes["555"].errors[0]["message"]
    assert [e["message"] for e in outcomes["NEW-9"].errors] == [
        "“Zed Never” is a new model, so its category is needed (e.g. Laptop)."
    ]
    assert report.to_create["models"] == [
        {"manufacturer": "Acme", "name": "Pad 1", "category": "tablet"}
    ]
    assert report.date_orders == [
        {"column": "Kaufdatum", "order": "dmy", "assumed": False, "conflict": False}
    ]
    monkeypatch.setattr(plan_module, "CHUNK", 10**6)
    with translation.override("en"):
        whole = device_import_preview(**options, create_missing=True)
    assert whole.as_dict() == report.as_dict()

    monkeypatch.setattr(plan_module, "CHUNK", 2)
    applied = device_import_apply(**options, create_missing=True, only_valid=True)
    assert applied.applied
    first = Device.objects.select_related("model").get(asset_tag="NEW-1")
    assert (first.model.name, first.model.category) == ("Pad 1", "tablet")
    assert first.purchase_date == datetime.date(2021, 1, 8)
    assert not Device.objects.filter(asset_tag__in=["DUP-1", "X-4", "555", "NEW-9"]).exists()


@pytest.mark.parametrize(
    ("seed", "kind", "create_missing"),
    [(11, "csv", True), (12, "xlsx", True), (13, "csv", False), (14, "xlsx", False)],
)
def test_a_file_planned_three_rows_at_a_time_gets_the_plan_it_gets_in_one_go(
    it_admin, stored, monkeypatch, seed, kind, create_missing
):
    rows = generated_rows(seed, 150, nul=False)
    data = csv_bytes(rows) if kind == "csv" else xlsx(rows)
    options = {"data": data, "filename": f"corpus.{kind}", "create_missing": create_missing}

    monkeypatch.setattr(plan_module, "CHUNK", 10**6)
    whole = _planned(it_admin, **options)
    monkeypatch.setattr(plan_module, "CHUNK", 3)
    chunked = _planned(it_admin, **options)
    previewed = device_import_preview(actor=it_admin, **options)

    assert whole["report"]["counts"]["error"] < 150  # some rows get through
    assert chunked == whole
    assert previewed.as_dict() == whole["report"]


def test_a_plan_made_for_a_preview_cannot_be_written_by_mistake(it_admin, stored):
    data = csv_bytes([HEADER, ["NEW-1", "S-1", "Lenovo", "ThinkPad L14", "", "165432", ""]])
    plan, tracker = device_import_plan(
        actor=it_admin, data=data, filename="inventar.csv", writes=False
    )
    assert plan.report.counts["create"] == 1

    with pytest.raises(ValueError):
        device_import_write(plan=plan, actor=it_admin, progress=tracker)
    assert not Device.objects.filter(asset_tag="NEW-1").exists()


def _previewed_bytes(actor: User, count: int) -> int:
    """The most memory (tracemalloc) a preview of `count` new devices takes, each row with
    its own serial number, MAC address and note, as an inventory list has them."""
    rows = [[*HEADER[:6], "MAC-Adresse", "Bemerkungen"]]
    for n in range(count):
        mac = f"AC:1F:6B:00:{n >> 8 & 0xFF:02X}:{n & 0xFF:02X}"
        note = f"Geprüft im Sommer, Akku und Netzteil vollständig, Hülle ersetzt ({n})"
        rows.append([f"NEW-{n:06d}", f"PF{n:07X}", "Lenovo", "ThinkPad L14", "", "165432"])
        rows[-1] += [mac, note]
    data = csv_bytes(rows)
    tracemalloc.start()
    try:
        report = device_import_preview(actor=actor, data=data, filename="inventar.csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.counts["create"] == count
    return peak


def test_a_preview_keeps_its_report_of_each_row_and_not_the_rows_cells(
    it_admin, stored, monkeypatch
):
    # Chunks of 500 rows, so that the chunk being planned weighs little against the file,
    # and the columns of notes and MAC addresses stop remembering their values as soon.
    monkeypatch.setattr(plan_module, "CHUNK", 500)
    monkeypatch.setattr(parse_module, "CACHE_CHECK", 500)
    extra = _previewed_bytes(it_admin, 4000) - _previewed_bytes(it_admin, 2000)
    # Each further row costs its outcome and its keys (asset tag, serial number): about
    # 350 bytes. Holding every row's cells until the whole file was planned cost 1,200.
    assert extra / 2000 < 700


def _shared_strings_xlsx(rows: list[list[str]]) -> bytes:
    """A workbook as Excel saves it: every text once in its table of shared strings, the
    cells naming them by number."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    strings: dict[str, int] = {}
    sheet = []
    for number, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{chr(65 + index)}{number}" t="s"><v>{strings.setdefault(text, len(strings))}'
            "</v></c>"
            for index, text in enumerate(row)
        )
        sheet.append(f'<row r="{number}">{cells}</row>')
    shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    return zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": (
                f'<workbook xmlns="{main}" xmlns:r="{rels}"><sheets>'
                '<sheet name="Inventar" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ).encode(),
            "xl/_rels/workbook.xml.rels": (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                f'relationships"><Relationship Id="rId1" Type="{rels}/worksheet" '
                'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
                f'Type="{rels}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
            ).encode(),
            "xl/worksheets/sheet1.xml": (
                f'<worksheet xmlns="{main}"><sheetData>{"".join(sheet)}</sheetData></worksheet>'
            ).encode(),
            "xl/sharedStrings.xml": f'<sst xmlns="{main}">{shared}</sst>'.encode(),
        }
    )


def test_long_notes_of_a_workbook_are_stored_as_the_file_has_them(it_admin, stored):
    # A workbook keeps its texts in one table; 80 notes of 1,000 characters each are more
    # than the two bytes its reader counts their ends in at first can hold.
    text = " ".join(["Akku und Netzteil geprüft."] * 37)
    notes = {f"LONG-{n}": f"{n:04d} {text}" for n in range(80)}
    rows = [[*HEADER[:4], HEADER[5], "Bemerkungen"]]
    rows += [[tag, "", "Lenovo", "ThinkPad L14", "165432", note] for tag, note in notes.items()]

    data = _shared_strings_xlsx(rows)
    report = device_import_apply(actor=it_admin, data=data, filename="inventar.xlsx")

    assert report.counts["create"] == 80
    saved = Device.objects.filter(asset_tag__in=notes).values_list("asset_tag", "notes")
    assert dict(saved) == notes
