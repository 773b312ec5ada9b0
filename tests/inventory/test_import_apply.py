import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from core.errors import Conflict
from inventory.exporting import device_export
from inventory.importing import device_import_apply, device_import_preview
from inventory.models import Device, DeviceHistory, DeviceModel, Room
from tests.factories import DeviceFactory, DeviceModelFactory, RoomFactory
from tests.inventory.files import csv_bytes, xlsx

FULL_HEADER = [
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
    "Ausleihbar",
    "MAC-Adresse",
    "Bemerkung",
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def thinkpad(db):
    return DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14", category="laptop")


@pytest.fixture
def room_a(school_a):
    return RoomFactory(school=school_a, name="A101")


def apply(actor, rows, *, filename="inventar.xlsx", **options):
    data = csv_bytes(rows) if filename.endswith(".csv") else xlsx(rows)
    return device_import_apply(actor=actor, data=data, filename=filename, **options)


def stored_counts() -> tuple[int, ...]:
    return (
        Device.objects.count(),
        DeviceHistory.objects.count(),
        DeviceModel.objects.count(),
        Room.objects.count(),
    )


def test_messy_cells_become_typed_values_with_a_creation_history_row(
    it_admin, school_a, thinkpad, room_a
):
    rows = [
        ["Inventar 2024"],
        FULL_HEADER,
        [
            "INV-1 ",
            "PF0ABC",
            "lenovo",
            "ThinkPad L14",
            "",
            165432,
            "a101",
            "im Einsatz",
            datetime.date(2020, 8, 1),
            "1.234,50 €",
            "DigitalPakt Schule ",
            "31.07.2025",
            "ja",
            "ac-1f-6b-00-00-01",
            "O'Briens Gerät, Akku „schwach“; Hülle fehlt",
        ],
        [
            4711,
            12345678,
            "Lenovo",
            "ThinkPad L14",
            None,
            "165432",
            None,
            None,
            "2020-08-01",
            649,
            None,
            None,
            "nein",
            None,
            None,
        ],
    ]
    report = apply(it_admin, rows)
    assert report.applied is True
    assert report.counts == {"create": 2, "update": 0, "unchanged": 0, "error": 0}

    first = Device.objects.get(asset_tag="INV-1")
    assert first.model == thinkpad and first.manufacturer == "Lenovo"
    assert first.school == school_a and first.room == room_a
    assert first.status == "in_use"
    assert first.purchase_date == datetime.date(2020, 8, 1)
    assert first.purchase_price == Decimal("1234.50")
    assert first.funding_programme == "DigitalPakt Schule"
    assert first.warranty_end == datetime.date(2025, 7, 31)
    assert first.lendable is True
    assert first.mac_addresses == ["AC:1F:6B:00:00:01"]
    assert first.notes == "O'Briens Gerät, Akku „schwach“; Hülle fehlt"

    second = Device.objects.get(asset_tag="4711")
    assert second.serial_number == "12345678"
    assert second.status == "in_stock" and second.room is None and second.lendable is False
    assert second.purchase_price == Decimal("649.00")

    history = DeviceHistory.objects.order_by("asset_tag")
    assert [(h.asset_tag, h.action, h.actor, h.device_id) for h in history] == [
        ("4711", "create", it_admin, second.id),
        ("INV-1", "create", it_admin, first.id),
    ]


def test_one_bad_row_writes_nothing_at_all(it_admin, school_a, thinkpad):
    before = stored_counts()
    rows = [
        FULL_HEADER,
        [
            "INV-1",
            "S1",
            "Dell",
            "Latitude 3540",
            "Notebook",
            "165432",
            "B 1",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "INV-2",
            "S2",
            "Lenovo",
            "ThinkPad L14",
            "",
            "165432",
            "",
            "",
            "31.02.2020",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]
    report = apply(it_admin, rows, create_missing=True)
    assert report.applied is False
    assert report.counts["error"] == 1
    assert report.errors == [
        {
            "row": 3,
            "column": "Kaufdatum",
            "message": "“31.02.2020” is not a date. Please write it as DD.MM.YYYY, e.g. "
            "01.08.2020.",
        }
    ]
    assert stored_counts() == before


def test_only_valid_rows_are_written_when_asked_for(it_admin, school_a, thinkpad):
    rows = [
        FULL_HEADER,
        [
            "INV-1",
            "S1",
            "Dell",
            "Latitude 3540",
            "Notebook",
            "165432",
            "B 1",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        ["INV-2", "S2", "HP", "ProBook 450", "", "165432", "B 2", "", "", "", "", "", "", "", ""],
    ]
    report = apply(it_admin, rows, create_missing=True, only_valid=True)
    assert report.applied is True
    assert report.counts == {"create": 1, "update": 0, "unchanged": 0, "error": 1}
    assert list(Device.objects.values_list("asset_tag", flat=True)) == ["INV-1"]
    # Only what the valid row needs is created: not the model and room of the bad row.
    assert sorted(DeviceModel.objects.values_list("name", flat=True)) == [
        "Latitude 3540",
        "ThinkPad L14",
    ]
    assert list(Room.objects.values_list("name", flat=True)) == ["B 1"]


def test_importing_the_same_file_again_changes_nothing_and_writes_no_history(
    it_admin, school_a, thinkpad, room_a
):
    rows = [
        FULL_HEADER,
        [
            "INV-1",
            "S1",
            "Lenovo",
            "ThinkPad L14",
            "",
            "165432",
            "A101",
            "im Einsatz",
            "01.08.2020",
            "649,00",
            "DigitalPakt",
            "31.07.2025",
            "ja",
            "AC:1F:6B:00:00:01",
            "Notiz",
        ],
        ["INV-2", "", "Lenovo", "ThinkPad L14", "", "165432", "", "", "", "", "", "", "", "", ""],
    ]
    apply(it_admin, rows)
    before = stored_counts()
    updated_at = list(Device.objects.order_by("id").values_list("updated_at", flat=True))

    report = apply(it_admin, rows)
    assert report.counts == {"create": 0, "update": 0, "unchanged": 2, "error": 0}
    assert stored_counts() == before
    assert list(Device.objects.order_by("id").values_list("updated_at", flat=True)) == updated_at


@pytest.mark.parametrize("read_all_devices", [True, False])
def test_devices_are_found_whether_all_are_read_first_or_only_the_files(
    it_admin, school_a, thinkpad, monkeypatch, read_all_devices
):
    # Large files read every device before their rows are known; small ones ask by tag.
    from inventory.importing import apply as apply_module
    from inventory.importing import known

    threshold = -1 if read_all_devices else 10**9
    monkeypatch.setattr(apply_module, "SCAN_ABOVE", threshold)
    monkeypatch.setattr(known, "SCAN_ABOVE", threshold)
    for tag in ("INV-1", "INV-2"):
        DeviceFactory(asset_tag=tag, serial_number="", model=thinkpad, school=school_a)
    DeviceFactory(asset_tag="OTHER", serial_number="S9", model=thinkpad, school=school_a)
    rows = [
        ["Inventarnummer", "Status", "Seriennummer", "Modell", "Schulnummer"],
        ["inv-1", "im Einsatz", "", "", ""],
        ["INV-2", "Lager", "", "", ""],
        ["INV-3", "", "S9", "ThinkPad L14", "165432"],
        ["INV-4", "", "S10", "ThinkPad L14", "165432"],
    ]
    report = device_import_preview(actor=it_admin, data=xlsx(rows), filename="inventar.xlsx")
    assert [row.outcome for row in report.rows] == ["unchanged", "update", "error", "create"]


def test_changed_cells_update_exactly_those_fields_with_one_history_row_each(
    it_admin, school_a, thinkpad, room_a
):
    room_b = RoomFactory(school=school_a, name="B202")
    device = DeviceFactory(
        asset_tag="INV-1",
        model=thinkpad,
        school=school_a,
        room=room_a,
        status="in_use",
        purchase_price=Decimal("649.00"),
        notes="alt",
    )
    rows = [
        ["Inventarnummer", "Raum", "Status", "Kaufpreis", "Bemerkung", "MAC"],
        ["INV-1", "B202", "defekt", "649", "alt", "ac1f6b000009"],
    ]
    report = apply(it_admin, rows)
    assert report.counts["update"] == 1
    device.refresh_from_db()
    assert (device.room, device.status, device.purchase_price) == (room_b, "in_repair", 649)
    assert device.mac_addresses == ["AC:1F:6B:00:00:09"]
    history = DeviceHistory.objects.filter(device=device)
    assert sorted((h.field, h.old, h.new, h.action, h.actor) for h in history) == [
        ("mac_addresses", "", "AC:1F:6B:00:00:09", "update", it_admin),
        ("room", "A101", "B202", "update", it_admin),
        ("status", "in_use", "in_repair", "update", it_admin),
    ]


def test_absent_columns_are_left_alone_and_empty_cells_clear_their_field(
    it_admin, school_a, thinkpad
):
    device = DeviceFactory(
        asset_tag="INV-1",
        model=thinkpad,
        school=school_a,
        notes="Akku schwach",
        lendable=True,
        warranty_end=datetime.date(2025, 7, 31),
        funding_programme="DigitalPakt Schule",
    )
    rows = [["Inventarnummer", "Bemerkung", "Ausleihbar", "Modell"], ["INV-1", "", "", ""]]
    apply(it_admin, rows)
    device.refresh_from_db()
    assert device.notes == "" and device.lendable is False
    assert device.model == thinkpad  # required: an empty cell does not clear it
    assert device.warranty_end == datetime.date(2025, 7, 31)
    assert device.funding_programme == "DigitalPakt Schule"


def test_device_moved_to_another_school_leaves_its_old_room(
    it_admin, school_a, school_b, thinkpad, room_a
):
    device = DeviceFactory(asset_tag="INV-1", model=thinkpad, school=school_a, room=room_a)
    report = apply(it_admin, [["Inventarnummer", "Schulnummer"], ["INV-1", "123456"]])
    assert report.rows[0].changes == [
        {
            "field": "school",
            "column": "Schulnummer",
            "old": "Gymnasium am Park (165432)",
            "new": "Grundschule Lindenweg (123456)",
        },
        {"field": "room", "column": None, "old": "A101", "new": ""},
    ]
    device.refresh_from_db()
    assert (device.school, device.room) == (school_b, None)
    assert DeviceHistory.objects.filter(device=device).count() == 2


def test_model_change_updates_the_manufacturer_kept_on_the_device(it_admin, school_a, thinkpad):
    device = DeviceFactory(asset_tag="INV-1", model=thinkpad, school=school_a)
    ipad = DeviceModelFactory(manufacturer="Apple", name="iPad 10", category="tablet")
    apply(it_admin, [["Inventarnummer", "Hersteller", "Modell"], ["INV-1", "Apple", "iPad 10"]])
    device.refresh_from_db()
    assert (device.model, device.manufacturer) == (ipad, "Apple")
    assert list(DeviceHistory.objects.values_list("field", "old", "new")) == [
        ("model", "Lenovo ThinkPad L14", "Apple iPad 10")
    ]


def test_missing_models_and_rooms_are_created_when_asked(it_admin, school_a):
    rows = [
        FULL_HEADER[:7],
        ["INV-1", "S1", "Dell", "Latitude 3540", "Notebook", "165432", "PC-Raum 1"],
        ["INV-2", "S2", "dell", "LATITUDE 3540", "", "165432", "pc-raum 1"],
    ]
    report = apply(it_admin, rows, create_missing=True)
    assert report.counts["create"] == 2
    model = DeviceModel.objects.get()
    assert (model.manufacturer, model.name, model.category) == ("Dell", "Latitude 3540", "laptop")
    room = Room.objects.get()
    assert (room.school, room.name) == (school_a, "PC-Raum 1")
    assert set(Device.objects.values_list("model", "room", "manufacturer")) == {
        (model.id, room.id, "Dell")
    }


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_names_with_apostrophes_umlauts_and_commas_import_and_reimport_unchanged(
    it_admin, school_a, delimiter
):
    rows = [
        ["Inventarnummer", "Hersteller", "Modell", "Kategorie", "Schulnummer", "Raum", "Notiz"],
        [
            "INV-1",
            "Müller's Bürotechnik",
            'Tab M10 Plus (3rd Gen), "Schüler"',
            "Tablet",
            "165432",
            "Lehrer's Zimmer, 1. OG",
            "Hülle fehlt; Stift, Ladegerät",
        ],
    ]
    data = csv_bytes(rows, delimiter=delimiter)
    first = device_import_apply(
        actor=it_admin, data=data, filename="inventar.csv", create_missing=True
    )
    assert first.counts["create"] == 1
    device = Device.objects.select_related("model", "room").get()
    assert device.model.manufacturer == "Müller's Bürotechnik"
    assert device.model.name == 'Tab M10 Plus (3rd Gen), "Schüler"'
    assert device.room.name == "Lehrer's Zimmer, 1. OG"
    assert device.notes == "Hülle fehlt; Stift, Ladegerät"
    again = device_import_apply(actor=it_admin, data=data, filename="inventar.csv")
    assert again.counts == {"create": 0, "update": 0, "unchanged": 1, "error": 0}


def test_csv_in_windows_1252_with_umlauts_is_imported(it_admin, school_a, thinkpad):
    rows = [
        ["Inventarnummer", "Modell", "Schulnummer", "Förderprogramm", "Bemerkung"],
        ["INV-1", "ThinkPad L14", "165432", "Sofortausstattungsprogramm", "Gerät für Schüler"],
    ]
    data = csv_bytes(rows, encoding="cp1252")
    report = device_import_apply(actor=it_admin, data=data, filename="inventar.csv")
    assert report.applied is True
    device = Device.objects.get()
    assert device.notes == "Gerät für Schüler"
    assert device.funding_programme == "Sofortausstattungsprogramm"


def test_school_chosen_for_the_import_fills_rows_without_a_school_column(
    coordinator, school_a, thinkpad
):
    rows = [["Inventarnummer", "Modell"], ["INV-1", "ThinkPad L14"]]
    report = apply(coordinator, rows, school=school_a.number)
    assert report.applied is True
    assert Device.objects.get().school == school_a


def test_coordinator_cannot_import_into_another_school(coordinator, school_a, school_b, thinkpad):
    rows = [["Inventarnummer", "Modell", "Schulnummer"], ["INV-1", "ThinkPad L14", "123456"]]
    report = apply(coordinator, rows)
    assert report.applied is False
    assert Device.objects.count() == 0


def test_serial_taken_by_another_user_meanwhile_is_a_conflict_and_nothing_is_written(
    it_admin, school_a, thinkpad, monkeypatch
):
    from inventory.importing import apply as apply_module

    rows = [["Inventarnummer", "Seriennummer", "Modell", "Schulnummer"]] + [
        [f"INV-{n}", f"S{n}", "ThinkPad L14", "165432"] for n in range(3)
    ]
    write = apply_module.device_import_write

    def another_user_first(**kwargs):
        DeviceFactory(asset_tag="OTHER", serial_number="S2", model=thinkpad, school=school_a)
        return write(**kwargs)

    monkeypatch.setattr(apply_module, "device_import_write", another_user_first)
    with pytest.raises(Conflict):
        apply(it_admin, rows)
    assert list(Device.objects.values_list("asset_tag", flat=True)) == ["OTHER"]
    assert DeviceHistory.objects.count() == 0


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_exported_device_list_imports_back_unchanged(it_admin, school_a, thinkpad, room_a, fmt):
    DeviceFactory(
        asset_tag="INV-1",
        model=thinkpad,
        school=school_a,
        room=room_a,
        notes="=SUMME(A1:A3), 'Zitat'",
        mac_addresses=["AC:1F:6B:00:00:01", "AC:1F:6B:00:00:02"],
    )
    DeviceFactory(
        asset_tag="INV-2",
        model=thinkpad,
        school=school_a,
        purchase_price=None,
        purchase_date=None,
        warranty_end=None,
        lendable=True,
        status="on_loan",
    )
    with translation.override("de"):
        export = device_export(actor=it_admin, fmt=fmt)
    try:
        data = export.path.read_bytes()
    finally:
        export.path.unlink()
    report = device_import_preview(actor=it_admin, data=data, filename=f"export.{fmt}")
    assert report.unknown_columns == []
    assert report.counts == {"create": 0, "update": 0, "unchanged": 2, "error": 0}, report.rows
