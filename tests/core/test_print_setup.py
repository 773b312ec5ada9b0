"""Every exported workbook prints sensibly: A4, one page wide, landscape where wide, the
header row on every page, the sheet's name and the day at the top, page numbers below."""

import io
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone, translation
from pypdf import PdfReader

from inventory.exporting import device_export
from reports.catalogue import BY_SLUG
from reports.exports import report_xlsx
from scheduling.exporting import loan_export
from tests.conftest import service_missing
from tests.factories import DeviceFactory
from tests.scheduling.factories import LoanFactory

pytestmark = pytest.mark.django_db


def exported(export) -> bytes:
    data = export.path.read_bytes()
    export.path.unlink()
    return data


def assert_prints(sheet, *, landscape: bool) -> None:
    today = timezone.localdate().strftime("%d.%m.%Y")
    setup = sheet.page_setup
    assert int(setup.paperSize) == 9, sheet.title  # A4
    assert setup.orientation == ("landscape" if landscape else "portrait"), sheet.title
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), sheet.title
    assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
    assert sheet.print_title_rows == "$1:$1", sheet.title
    assert sheet.oddHeader.left.text == "&A", sheet.title
    assert sheet.oddHeader.right.text == f"Stand: {today}", sheet.title
    assert sheet.oddFooter.right.text == "&P / &N", sheet.title


def test_the_device_and_loan_lists_print_landscape_one_page_wide(it_admin, school_a):
    LoanFactory(student__school=school_a, device=DeviceFactory(school=school_a))

    with translation.override("de"):
        devices = exported(device_export(actor=it_admin))
        loans = exported(loan_export(actor=it_admin))

    for data in (devices, loans):
        book = openpyxl.load_workbook(io.BytesIO(data))
        assert_prints(book.worksheets[0], landscape=True)


def test_a_report_prints_its_table_and_its_chart(it_admin, school_a):
    DeviceFactory(school=school_a)
    report = BY_SLUG["devices-per-school"]

    with translation.override("de"):
        data = report_xlsx(report, report.rows_for(it_admin))

    table, chart = openpyxl.load_workbook(io.BytesIO(data)).worksheets
    assert_prints(table, landscape=False)
    assert_prints(chart, landscape=True)
    [drawn] = chart._charts
    # The bars in the order of the web page, top to bottom, with both axes labelled.
    assert drawn.x_axis.scaling.orientation == "maxMin"
    assert drawn.x_axis.delete is False and drawn.y_axis.delete is False


SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"


def printed(data: bytes, folder: Path) -> PdfReader:
    """The workbook as LibreOffice prints it: converted to PDF with LibreOffice headless
    (a profile of its own, so no setting of this machine counts)."""
    if not Path(SOFFICE).exists():
        service_missing("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    source = folder / "liste.xlsx"
    source.write_bytes(data)
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{folder / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return PdfReader(folder / "liste.pdf")


@pytest.mark.integration
def test_450_devices_print_on_a_few_landscape_pages_in_libreoffice(it_admin, school_a, tmp_path):
    DeviceFactory.create_batch(450, school=school_a)

    with translation.override("de"):
        pdf = printed(exported(device_export(actor=it_admin)), tmp_path)

    assert len(pdf.pages) <= 12, len(pdf.pages)
    first = pdf.pages[0]
    assert first.mediabox.width > first.mediabox.height  # landscape
    text = first.extract_text()
    assert "Inventarnummer" in text and "Stand:" in text
    # The header row is repeated: the last page starts with it too.
    assert "Inventarnummer" in pdf.pages[-1].extract_text()
