import datetime

import pytest
from django.utils import translation

from core.errors import FileRejected, NotFound, PermissionDenied
from inventory.importing import device_import_preview
from inventory.models import Device, DeviceHistory, DeviceModel, Room
from tests.factories import DeviceFactory, DeviceModelFactory, RoomFactory, SchoolFactory
from tests.inventory.files import csv_bytes, xlsx

HEADER = ["Inventarnummer", "Seriennummer", "Hersteller", "Modell", "Schulnummer", "Raum"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def thinkpad(db):
    return DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14")


@pytest.fixture
def room_a(school_a):
    return RoomFactory(school=school_a, name="A101")


def preview(actor, rows, **options):
    return device_import_preview(actor=actor, data=xlsx(rows), filename="inventar.xlsx", **options)


def by_row(report) -> dict[int, object]:
    return {outcome.row: outcome for outcome in report.rows}


def messages(report, row: int) -> list[tuple[str | None, str]]:
    return [(error["column"], error["message"]) for error in by_row(report)[row].errors]


def stored_counts() -> tuple[int, ...]:
    return (
        Device.objects.count(),
        DeviceHistory.objects.count(),
        DeviceModel.objects.count(),
        Room.objects.count(),
    )


def test_messy_school_file_is_read_row_by_row_and_nothing_is_written(
    it_admin, school_a, thinkpad, room_a
):
    before = stored_counts()
    rows = [
        ["Geräteliste Gymnasium am Park", None, None, "Stand: 01.08.2024"],
        [],
        [" kaufdatum", "INVENTARNUMMER ", "Hersteller", "modell", "Schule", "RAUM", "Farbe"],
        [datetime.date(2020, 8, 1), "INV-001 ", "Lenovo ", "ThinkPad L14", 165432, "A101 ", "rot"],
        [],
        ["01.08.2020", 4711, "lenovo", "thinkpad l14", "165432", "a101"],
        [None, None, None, None, None, None],
        ["2020-08-01", "INV-003", "LENOVO", "ThinkPad L14", "Gymnasium am Park", "A101"],
    ]
    report = preview(it_admin, rows)
    assert report.counts == {"create": 3, "update": 0, "unchanged": 0, "error": 0}
    assert [(row.row, row.outcome, row.asset_tag) for row in report.rows] == [
        (4, "create", "INV-001"),
        (6, "create", "4711"),
        (8, "create", "INV-003"),
    ]
    assert report.unknown_columns == ["Farbe"]
    assert report.header_row == 3
    assert report.applied is False
    assert stored_counts() == before


def test_update_lists_each_changed_field_with_old_and_new_value(it_admin, school_a, thinkpad):
    DeviceFactory(asset_tag="INV-1", model=thinkpad, school=school_a, status="in_use", notes="")
    report = preview(
        it_admin,
        [["Inventarnummer", "Status", "Bemerkung"], ["inv-1", "defekt", "Akku schwach"]],
    )
    [row] = report.rows
    assert row.outcome == "update"
    assert row.asset_tag == "INV-1"
    assert row.changes == [
        {"field": "status", "column": "Status", "old": "in_use", "new": "in_repair"},
        {"field": "notes", "column": "Bemerkung", "old": "", "new": "Akku schwach"},
    ]
    assert Device.objects.get().status == "in_use"


def test_duplicate_asset_tags_in_one_file_name_both_rows(it_admin, school_a, thinkpad):
    rows = [
        HEADER,
        ["INV-1", "S1", "Lenovo", "ThinkPad L14", "165432", ""],
        ["INV-2", "S2", "Lenovo", "ThinkPad L14", "165432", ""],
        [" inv-1", "S3", "Lenovo", "ThinkPad L14", "165432", ""],
    ]
    report = preview(it_admin, rows)
    message = "Asset tag {} appears more than once in the file (rows 2, 4)."
    assert messages(report, 2) == [("Inventarnummer", message.format("INV-1"))]
    assert messages(report, 4) == [("Inventarnummer", message.format("inv-1"))]
    assert by_row(report)[3].outcome == "create"


def test_serial_number_is_unique_per_manufacturer_in_database_and_file(
    it_admin, school_a, thinkpad
):
    DeviceFactory(asset_tag="OLD-1", serial_number="PF0ABC", model=thinkpad, school=school_a)
    ipad = DeviceModelFactory(manufacturer="Apple", name="iPad 10")
    rows = [
        HEADER,
        ["INV-1", "pf0abc", "Lenovo", "ThinkPad L14", "165432", ""],
        ["INV-2", "PF0XYZ", "Lenovo", "ThinkPad L14", "165432", ""],
        ["INV-3", "PF0XYZ", "Lenovo", "ThinkPad L14", "165432", ""],
        ["INV-4", "PF0ABC", "Apple", ipad.name, "165432", ""],
    ]
    report = preview(it_admin, rows)
    assert messages(report, 2) == [
        ("Seriennummer", "Serial number PF0ABC of Lenovo is already used.")
    ]
    assert messages(report, 4) == [
        ("Seriennummer", "Serial number PF0XYZ of Lenovo is already in row 3.")
    ]
    assert by_row(report)[3].outcome == "create"
    assert by_row(report)[5].outcome == "create"  # the same serial from another manufacturer


def test_school_that_does_not_exist_and_school_out_of_reach_read_the_same(
    coordinator, school_b, thinkpad
):
    rows = [
        HEADER,
        ["INV-1", "", "Lenovo", "ThinkPad L14", "999999", ""],
        ["INV-2", "", "Lenovo", "ThinkPad L14", school_b.number, ""],
    ]
    report = preview(coordinator, rows)
    template = "School “{}” was not found, or you may not import devices for it."
    assert messages(report, 2) == [("Schulnummer", template.format("999999"))]
    assert messages(report, 3) == [("Schulnummer", template.format(school_b.number))]


def test_cells_that_are_not_valid_are_row_errors_naming_the_column_as_written(
    it_admin, school_a, thinkpad
):
    rows = [
        ["Inventarnummer", "Kaufdatum", "Preis", "Leihgerät", "Zustand", "Modell", "Hersteller"],
        ["INV-1", "31.02.2020", "zwölf Euro", "vielleicht", "kaputt?", "ThinkPad L14", "Lenovo"],
    ]
    report = preview(it_admin, rows, school=school_a)
    assert messages(report, 2) == [
        (
            "Kaufdatum",
            "“31.02.2020” is not a date. Please write it as DD.MM.YYYY, e.g. 01.08.2020.",
        ),
        ("Preis", "“zwölf Euro” is not an amount of money. Write it like 1234,50."),
        ("Leihgerät", "“vielleicht” is neither yes nor no (ja/nein)."),
        ("Zustand", "“kaputt?” is not one of the allowed values."),
    ]
    assert report.counts["error"] == 1


def test_new_device_needs_asset_tag_model_and_school(it_admin, school_a, thinkpad):
    rows = [
        HEADER,
        ["", "S1", "Lenovo", "ThinkPad L14", "165432", ""],
        ["INV-2", "S2", "", "", "165432", ""],
        ["INV-3", "S3", "Lenovo", "ThinkPad L14", "", ""],
    ]
    report = preview(it_admin, rows)
    assert messages(report, 2) == [("Inventarnummer", "The asset tag is missing.")]
    assert messages(report, 3) == [("Modell", "The model is missing.")]
    assert messages(report, 4) == [
        (
            "Schulnummer",
            "The school is missing. Fill in the school number, or choose the school for "
            "the whole import.",
        )
    ]


def test_missing_room_and_model_are_errors_unless_the_import_may_create_them(
    it_admin, school_a, thinkpad
):
    rows = [
        [*HEADER, "Kategorie"],
        ["INV-1", "S1", "Lenovo", "ThinkPad L14", "165432", "B 2.07", ""],
        ["INV-2", "S2", "Dell", "Latitude 3540", "165432", "b 2.07", "Notebook"],
        ["INV-3", "S3", "Dell", "Latitude 3540", "165432", "", ""],
    ]
    strict = preview(it_admin, rows)
    assert messages(strict, 2) == [
        (
            "Raum",
            "Room “B 2.07” does not exist at Gymnasium am Park (165432). Create it first, or "
            "choose to create missing models and rooms.",
        )
    ]
    assert messages(strict, 3)[0] == (
        "Modell",
        "The model “Latitude 3540” of Dell does not exist yet. Create it first, or choose to "
        "create missing models and rooms.",
    )
    assert strict.to_create == {"models": [], "rooms": []}

    generous = preview(it_admin, rows, create_missing=True)
    assert generous.counts == {"create": 3, "update": 0, "unchanged": 0, "error": 0}
    assert generous.to_create == {
        "models": [{"manufacturer": "Dell", "name": "Latitude 3540", "category": "laptop"}],
        "rooms": [{"school": "165432", "name": "B 2.07"}],
    }
    assert DeviceModel.objects.count() == 1 and Room.objects.count() == 0


def test_new_model_without_category_is_an_error(it_admin, school_a):
    rows = [[*HEADER, "Kategorie"], ["INV-1", "S1", "Dell", "Latitude 3540", "165432", "", ""]]
    report = preview(it_admin, rows, create_missing=True)
    assert messages(report, 2) == [
        (
            "Kategorie",
            "“Dell Latitude 3540” is a new model, so its category is needed (e.g. Laptop).",
        )
    ]


def test_row_for_another_school_than_the_one_chosen_for_the_import_is_an_error(
    it_admin, school_a, school_b, thinkpad
):
    rows = [
        HEADER,
        ["INV-1", "S1", "Lenovo", "ThinkPad L14", "165432", ""],
        ["INV-2", "S2", "Lenovo", "ThinkPad L14", "123456", ""],
    ]
    report = preview(it_admin, rows, school="165432")
    assert by_row(report)[2].outcome == "create"
    assert messages(report, 3) == [
        (
            "Schulnummer",
            "This row is for Grundschule Lindenweg (123456), but the import is for "
            "Gymnasium am Park (165432).",
        )
    ]


def test_device_of_another_school_than_the_one_chosen_is_not_moved_silently(
    it_admin, school_a, school_b, thinkpad
):
    DeviceFactory(asset_tag="INV-7", model=thinkpad, school=school_b)
    report = preview(it_admin, [["Inventarnummer", "Status"], ["INV-7", "Lager"]], school=school_a)
    assert messages(report, 2) == [
        (
            None,
            "Device INV-7 belongs to Grundschule Lindenweg (123456), not to Gymnasium am Park "
            "(165432) of this import.",
        )
    ]


def test_device_of_a_school_the_coordinator_does_not_reach_is_not_touched(
    coordinator, school_a, school_b, thinkpad
):
    DeviceFactory(asset_tag="INV-9", model=thinkpad, school=school_b)
    rows = [HEADER, ["INV-9", "", "Lenovo", "ThinkPad L14", "165432", ""]]
    report = preview(coordinator, rows)
    assert messages(report, 2) == [
        ("Inventarnummer", "Asset tag INV-9 is already used by another device.")
    ]


def test_text_longer_than_the_database_allows_is_a_row_error(it_admin, school_a, thinkpad):
    rows = [HEADER, ["INV-" + "9" * 60, "", "Lenovo", "ThinkPad L14", "165432", ""]]
    report = preview(it_admin, rows)
    assert messages(report, 2) == [
        ("Inventarnummer", "“INV-9999999999999999…” is too long: at most 50 characters.")
    ]


def test_model_is_found_by_name_alone_when_only_one_manufacturer_has_it(
    it_admin, school_a, thinkpad
):
    DeviceModelFactory(manufacturer="Dell", name="P2423D")
    DeviceModelFactory(manufacturer="HP", name="P2423D")
    rows = [
        ["Inventarnummer", "Modell", "Schulnummer"],
        ["INV-1", "thinkpad l14", "165432"],
        ["INV-2", "P2423D", "165432"],
    ]
    report = preview(it_admin, rows)
    assert by_row(report)[2].outcome == "create"
    assert messages(report, 3) == [
        ("Modell", "Fill in the manufacturer of “P2423D”: it is needed to find the model.")
    ]


def test_teacher_may_not_import(teacher):
    with pytest.raises(PermissionDenied):
        preview(teacher, [HEADER, ["INV-1"]])


def test_school_chosen_for_the_import_must_be_in_reach(coordinator, school_b):
    with pytest.raises(NotFound):
        preview(coordinator, [HEADER, ["INV-1"]], school=school_b.number)


def test_file_without_an_asset_tag_column_is_refused(it_admin):
    with pytest.raises(FileRejected) as caught:
        preview(it_admin, [["Seriennummer", "Modell"], ["S1", "ThinkPad L14"]])
    assert caught.value.code == "missing_column"


def test_progress_is_reported_while_rows_are_read(it_admin, school_a, thinkpad):
    calls = []
    rows = [HEADER] + [
        [f"INV-{n}", "", "Lenovo", "ThinkPad L14", "165432", ""] for n in range(2500)
    ]
    device_import_preview(
        actor=it_admin,
        data=xlsx(rows),
        filename="inventar.xlsx",
        progress=lambda done, total: calls.append((done, total)),
    )
    assert [done for done, _total in calls] == [1000, 2000, 2500]
    assert all(done <= total for done, total in calls)
    assert calls[-1] == (2500, 2500)


def test_school_found_by_number_without_its_leading_zero(it_admin, thinkpad):
    SchoolFactory(number="012345", name="Förderschule Süd")
    rows = [HEADER, ["INV-1", "", "Lenovo", "ThinkPad L14", 12345, ""]]
    assert preview(it_admin, rows).counts["create"] == 1


def test_row_errors_are_in_german_for_a_german_user(it_admin, school_a):
    data = csv_bytes(
        [
            ["Inventarnummer", "Hersteller", "Modell", "Kategorie", "Schulnummer", "Kaufdatum"],
            ["G-1", "Lenovo", "ThinkPad", "Laptop", school_a.number, "31.02.2021"],
        ]
    )
    with translation.override("de"):
        report = device_import_preview(
            actor=it_admin, data=data, filename="inventar.csv", create_missing=True
        )
    [error] = report.rows[0].errors
    assert error["row"] == 2
    assert error["column"] == "Kaufdatum"
    assert error["message"].startswith("„31.02.2021“ ist kein Datum.")
