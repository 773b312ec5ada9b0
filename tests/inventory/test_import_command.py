import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from inventory.models import Device, DeviceHistory, DeviceModel, Room
from tests.factories import DeviceModelFactory
from tests.inventory.files import csv_bytes, xlsx

HEADER = ["Inventarnummer", "Hersteller", "Modell", "Kategorie", "Schulnummer", "Raum", "Kaufdatum"]
GOOD = ["INV-1", "Lenovo", "ThinkPad L14", "", "165432", "", "01.08.2020"]
NEW_MODEL = ["INV-2", "Dell", "Latitude 3540", "Notebook", "165432", "B 1", ""]
BAD_DATE = ["INV-3", "Lenovo", "ThinkPad L14", "", "165432", "", "31.02.2020"]


@pytest.fixture
def thinkpad(db):
    return DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14")


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_devices", str(path), "--language", "en", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def summary(out: str) -> dict[str, int]:
    """The table of outcomes the command prints: label -> number of rows."""
    lines = out.split("Rows:\n", 1)[1].splitlines()[:4]
    return {line.rsplit(None, 1)[0].strip(): int(line.rsplit(None, 1)[1]) for line in lines}


def counts() -> tuple[int, ...]:
    return (
        Device.objects.count(),
        DeviceHistory.objects.count(),
        DeviceModel.objects.count(),
        Room.objects.count(),
    )


def test_dry_run_shows_the_outcome_and_writes_nothing(tmp_path, school_a, thinkpad):
    path = tmp_path / "inventar.xlsx"
    path.write_bytes(xlsx([["Inventar"], HEADER, GOOD, NEW_MODEL]))
    before = counts()
    out, err = run(path, "--dry-run", "--create-missing")
    assert counts() == before
    assert summary(out) == {"new": 2, "changed": 0, "unchanged": 0, "with errors": 0}
    assert "New models: Dell Latitude 3540" in out
    assert "New rooms: B 1 (165432)" in out
    assert "Dry run: nothing was written." in out
    assert "\r[" in err and "100 %" in err


def test_dry_run_with_errors_lists_row_and_column_and_fails(tmp_path, school_a, thinkpad):
    path = tmp_path / "inventar.csv"
    path.write_bytes(csv_bytes([HEADER, GOOD, BAD_DATE]))
    with pytest.raises(CommandError, match="1 row has errors; the file would not be imported"):
        run(path, "--dry-run")
    assert counts()[0] == 0


def test_import_writes_all_rows_as_the_system_with_history_naming_no_user(
    tmp_path, school_a, thinkpad
):
    path = tmp_path / "inventar.xlsx"
    path.write_bytes(xlsx([HEADER, GOOD, NEW_MODEL]))
    out, _err = run(path, "--create-missing")
    assert "The file was imported." in out
    assert sorted(Device.objects.values_list("asset_tag", flat=True)) == ["INV-1", "INV-2"]
    assert list(DeviceHistory.objects.values_list("actor", flat=True)) == [None, None]


def test_errors_stop_the_import_and_are_listed_with_row_and_column(tmp_path, school_a, thinkpad):
    path = tmp_path / "inventar.xlsx"
    path.write_bytes(xlsx([HEADER, GOOD, BAD_DATE]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: 1 row has errors"):
        call_command(
            "import_devices", str(path), "--language", "en", stdout=out, stderr=io.StringIO()
        )
    assert (
        "Row 3, Kaufdatum: “31.02.2020” is not a date. Please write it as DD.MM.YYYY, "
        "e.g. 01.08.2020." in out.getvalue()
    )
    assert counts()[0] == 0


def test_only_valid_imports_the_rows_without_errors(tmp_path, school_a, thinkpad):
    path = tmp_path / "inventar.xlsx"
    path.write_bytes(xlsx([HEADER, GOOD, BAD_DATE]))
    run(path, "--only-valid")
    assert list(Device.objects.values_list("asset_tag", flat=True)) == ["INV-1"]


def test_user_option_imports_with_that_users_schools(
    tmp_path, coordinator, school_a, school_b, thinkpad
):
    path = tmp_path / "inventar.xlsx"
    path.write_bytes(xlsx([HEADER, ["INV-9", "Lenovo", "ThinkPad L14", "", "123456", "", ""]]))
    with pytest.raises(CommandError):
        run(path, "--user", coordinator.username)
    assert Device.objects.count() == 0
    with pytest.raises(CommandError, match="There is no user nobody"):
        run(path, "--user", "nobody")


def test_school_option_is_the_school_of_every_row(tmp_path, school_a, thinkpad):
    path = tmp_path / "inventar.csv"
    path.write_bytes(csv_bytes([["Inventarnummer", "Modell"], ["INV-1", "ThinkPad L14"]]))
    run(path, "--school", "165432")
    assert Device.objects.get().school == school_a


@override_settings(LERNSTATT_IMPORT_MAX_BYTES=100)
def test_file_over_the_size_limit_is_refused(tmp_path, db):
    path = tmp_path / "gross.csv"
    path.write_bytes(csv_bytes([HEADER] + [GOOD] * 10))
    with pytest.raises(CommandError, match="at most"):
        run(path)


def test_unreadable_file_says_why(tmp_path, db):
    path = tmp_path / "inventar.xls"
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "Workbook".encode("utf-16-le")
    )
    with pytest.raises(CommandError, match=r"old Excel file \(.xls\)"):
        run(path)


def test_the_command_says_how_many_rows_were_hidden_in_the_file(tmp_path, school_a, thinkpad):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (HEADER, GOOD, ["INV-9", *GOOD[1:]]):
        sheet.append(row)
    sheet.row_dimensions[3].hidden = True
    path = tmp_path / "gefiltert.xlsx"
    book.save(path)

    out, _err = run(path, "--dry-run")

    assert "1 row is hidden in the file (by hand or by a filter)" in out
    assert summary(out)["new"] == 2


def test_the_command_writes_counts_as_german_numbers(tmp_path, school_a, thinkpad):
    rows = [[f"INV-{n:05d}", "Lenovo", "ThinkPad L14", "", "165432", "", ""] for n in range(1234)]
    path = tmp_path / "inventar.csv"
    path.write_bytes(csv_bytes([HEADER, *rows, BAD_DATE]))
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_devices", str(path), "--dry-run", stdout=out, stderr=io.StringIO())

    lines = out.getvalue().splitlines()
    assert any(line.split() == ["neu", "1.234"] for line in lines), lines
    assert "1,234" not in out.getvalue()
    assert str(refused.value) == "1 Zeile ist fehlerhaft; die Datei würde nicht importiert werden."
