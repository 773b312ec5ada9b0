"""The device import stores a value only when it is sure what the file means: serial
numbers in date columns, the order of day and month, Mac names, leading zeros, NUL."""

import datetime
import io
import unicodedata

import pytest
from django.core.management import call_command
from django.utils import translation

from inventory.importing import device_import_apply, device_import_preview
from inventory.models import Device
from tests.factories import DeviceFactory, DeviceModelFactory
from tests.inventory.files import csv_bytes, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["Asset tag", "Manufacturer", "Model", "School number", "Purchase date", "Notes"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def thinkpad(db):
    return DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14")


def row(tag, date, notes=""):
    return [tag, "Lenovo", "ThinkPad L14", "165432", date, notes]


def errors_of(report, number):
    return [
        error["message"]
        for outcome in report.rows
        if outcome.row == number
        for error in outcome.errors
    ]


def test_a_year_in_the_purchase_date_column_is_a_row_error_not_1905(it_admin, school_a, thinkpad):
    data = xlsx([HEADER, row("INV-1", 2019), row("INV-2", 3), row("INV-3", 44409)])
    report = device_import_apply(actor=it_admin, data=data, filename="f.xlsx")
    assert not report.applied
    assert errors_of(report, 2) == ["2019 is a year, not a date."]
    assert "are years meant?" in errors_of(report, 3)[0]
    assert errors_of(report, 4) == []
    assert not Device.objects.exists()


def test_an_english_csv_from_libreoffice_is_read_month_first(it_admin, school_a, thinkpad):
    rows = [HEADER, row("INV-1", "08/01/2021"), row("INV-2", "12/31/2020")]
    report = device_import_apply(
        actor=it_admin, data=csv_bytes(rows, delimiter=","), filename="f.csv"
    )
    assert report.applied
    assert Device.objects.get(asset_tag="INV-1").purchase_date == datetime.date(2021, 8, 1)
    assert report.date_orders == [
        {"column": "Purchase date", "order": "mdy", "assumed": False, "conflict": False}
    ]


def test_ambiguous_slash_dates_are_read_day_first_and_the_preview_says_so(
    it_admin, school_a, thinkpad
):
    data = csv_bytes([HEADER, row("INV-1", "08/01/2021"), row("INV-2", "03/04/2020")])
    report = device_import_preview(actor=it_admin, data=data, filename="f.csv")
    assert report.date_orders == [
        {"column": "Purchase date", "order": "dmy", "assumed": True, "conflict": False}
    ]
    device_import_apply(actor=it_admin, data=data, filename="f.csv", date_order="mdy")
    assert Device.objects.get(asset_tag="INV-1").purchase_date == datetime.date(2021, 8, 1)


def test_a_column_mixing_both_orders_stores_nothing(it_admin, school_a, thinkpad):
    data = csv_bytes([HEADER, row("INV-1", "25/12/2020"), row("INV-2", "12/25/2020")])
    report = device_import_apply(actor=it_admin, data=data, filename="f.csv")
    assert not report.applied
    assert report.counts["error"] == 2
    assert "rows (2)" in errors_of(report, 2)[0] or "(2)" in errors_of(report, 2)[0]


def test_a_name_typed_on_a_mac_matches_the_stored_one(it_admin, school_a):
    DeviceModelFactory(manufacturer="Dell", name="Latitude Förderschule")
    name = unicodedata.normalize("NFD", "Latitude Förderschule")
    data = csv_bytes([HEADER, ["INV-1", "Dell", name, "165432", "", "Müller"]])
    report = device_import_apply(actor=it_admin, data=data, filename="f.csv")
    assert report.applied, report.errors
    device = Device.objects.get()
    assert device.model.name == "Latitude Förderschule"
    assert device.notes == "Müller"


def test_an_asset_tag_that_lost_its_leading_zeros_is_not_a_new_device(it_admin, school_a, thinkpad):
    DeviceFactory(asset_tag="00555", model=thinkpad, school=school_a)
    report = device_import_apply(
        actor=it_admin, data=xlsx([HEADER, row(555, None)]), filename="f.xlsx"
    )
    assert not report.applied
    assert errors_of(report, 2)[0].startswith("555 – do you mean 00555?")
    assert Device.objects.count() == 1


def test_a_nul_after_the_first_64_kb_is_a_row_error_in_the_preview(it_admin, school_a, thinkpad):
    rows = [HEADER] + [row(f"INV-{n}", "", "x" * 40) for n in range(2000)]
    rows.append(row("INV-LAST", "", "bad\x00note"))
    data = csv_bytes(rows)
    assert len(data) > 65536
    report = device_import_preview(actor=it_admin, data=data, filename="f.csv")
    assert report.counts["error"] == 1
    assert "NUL" in report.errors[0]["message"]
    assert "\x00" not in report.errors[0]["message"]


def test_the_command_takes_date_order(it_admin, school_a, thinkpad, tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes([HEADER, row("INV-1", "08/01/2021")]))
    out = io.StringIO()
    call_command(
        "import_devices", str(path), "--date-order", "mdy", stdout=out, stderr=io.StringIO()
    )
    assert Device.objects.get().purchase_date == datetime.date(2021, 8, 1)
    assert "Monat zuerst" in out.getvalue()  # the command speaks German by default
