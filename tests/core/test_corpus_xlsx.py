"""The .xlsx corpus (tests/data/xlsx, made by its make.py): workbooks as Excel, LibreOffice
and scripts save them go through the real import services, and every value stored must be
the one expected.csv gives — the text the spreadsheet shows, not the number behind it.

expected.csv: file, row, field, expected. `field` is a stored field of the row's device
(asset_tag, serial_number, room) or person (external_id); "error" means the row is refused
with a message naming the cell `expected`; row "-" with field hidden_rows is the number of
hidden rows the preview reports. Device files are applied with only_valid, so their valid
rows are stored; a roster with an error row stores nothing (it is previewed and refused)."""

import pytest
from django.utils import translation

from accounts.models import Person
from accounts.rosters import roster_apply, roster_preview
from accounts.rosters.apply import RosterHasErrors
from inventory.importing import device_import_apply
from inventory.models import Device
from tests.data import DATA, expected_by_file

CORPUS = DATA / "xlsx"


EXPECTED = expected_by_file("xlsx")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _check_errors(rows: dict[int, object], lines: list[dict[str, str]]) -> None:
    for line in lines:
        if line["field"] == "error":
            row = rows[int(line["row"])]
            assert row.outcome == "error", line
            assert any(line["expected"] in error["message"] for error in row.errors), row.errors


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n.startswith("devices_")))
def test_device_workbook_stores_the_values_the_spreadsheet_shows(name, it_admin, school_a):
    lines = EXPECTED[name]
    report = device_import_apply(
        actor=it_admin,
        data=(CORPUS / name).read_bytes(),
        filename=name,
        create_missing=True,
        only_valid=True,
    )
    rows = {row.row: row for row in report.rows}
    _check_errors(rows, lines)
    for line in lines:
        if line["field"] == "hidden_rows":
            assert report.hidden_rows == int(line["expected"])
        elif line["field"] != "error":
            row = rows[int(line["row"])]
            assert row.outcome == "create", (line, row.errors)
            device = Device.objects.select_related("room").get(asset_tag=row.asset_tag)
            stored = device.room.name if line["field"] == "room" else getattr(device, line["field"])
            assert stored == line["expected"], line


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n.startswith("students_")))
def test_roster_workbook_stores_the_values_the_spreadsheet_shows(name, it_admin, school_a):
    lines = EXPECTED[name]
    arguments = {
        "actor": it_admin,
        "school": school_a,
        "kind": "students",
        "data": (CORPUS / name).read_bytes(),
        "filename": name,
    }
    preview = roster_preview(**arguments)
    rows = {row.row: row for row in preview.rows}
    _check_errors(rows, lines)
    if any(line["field"] == "error" for line in lines):
        with pytest.raises(RosterHasErrors):
            roster_apply(**arguments)
        assert not Person.objects.exists()
        return
    applied = roster_apply(**arguments)
    assert applied.hidden_rows == preview.hidden_rows
    for line in lines:
        if line["field"] == "hidden_rows":
            assert preview.hidden_rows == int(line["expected"])
        elif line["field"] != "error":
            last, first = rows[int(line["row"])].name.split(", ")
            person = Person.objects.get(school=school_a, last_name=last, first_name=first)
            assert getattr(person, line["field"]) == line["expected"], line
