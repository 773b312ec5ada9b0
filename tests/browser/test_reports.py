import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from core.models import Role
from inventory.models import Category, Status
from tests.browser.conftest import log_in, shot
from tests.factories import DeviceFactory, DeviceModelFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.integration


def test_city_staff_opens_a_report_and_downloads_it_as_an_excel_file(page, tmp_path):
    school = SchoolFactory(name="Käthe-Kollwitz-Gesamtschule", number="188140")
    model = DeviceModelFactory(category=Category.LAPTOP)
    for _i in range(3):
        DeviceFactory(school=school, model=model, status=Status.IN_USE)
    DeviceFactory(school=school, model=model, status=Status.IN_REPAIR)
    UserFactory(username="stadt", role=Role.CITY_STAFF)

    log_in(page, "stadt")
    page.goto("/reports/")
    shot(page, "reports")
    page.locator("main").get_by_role("link", name="Devices per school").first.click()
    expect(page.locator("table")).to_contain_text("Käthe-Kollwitz-Gesamtschule")
    expect(page.locator("svg[role=img]")).to_be_visible()
    shot(page, "report-devices-per-school")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as Excel (.xlsx)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    sheet = load_workbook(path).worksheets[0]
    rows = [
        row for row in sheet.iter_rows(values_only=True) if any(cell is not None for cell in row)
    ]
    header, *body = rows
    assert header[:5] == ("School", "School number", "Category", "In stock", "In use")
    row = dict(zip(header, body[0], strict=True))
    assert row["School"] == "Käthe-Kollwitz-Gesamtschule"
    assert (row["In use"], row["In repair"], row["Total"]) == (3, 1, 4)
    assert sheet.freeze_panes is not None
