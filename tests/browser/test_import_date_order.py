"""An IT admin imports a CSV whose slash dates could be read either way, as LibreOffice
writes them in an en-US locale: the preview says which order it assumed, and a click reads
them the other way before anything is stored. Starts at the start page, only clicks."""

import datetime

import pytest
from playwright.sync_api import expect

from core.models import Role
from inventory.models import Device
from tests.browser.conftest import log_in, shot
from tests.factories import DeviceModelFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.integration

CSV = (
    b"Inventarnummer,Hersteller,Modell,Schulnummer,Kaufdatum\r\n"
    b"177802-0001,Lenovo,ThinkPad L14,177802,08/01/2021\r\n"
    b"177802-0002,Lenovo,ThinkPad L14,177802,03/04/2022\r\n"
)


def test_an_admin_switches_an_assumed_date_order_before_importing(page):
    SchoolFactory(name="Theodor-Heuss-Realschule", number="177802")
    DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14")
    UserFactory(username="admin", role=Role.IT_ADMIN)
    log_in(page, "admin")

    page.get_by_role("navigation").get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("Devices", exact=True).check()
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "inventar-en.csv", "mimeType": "text/csv", "buffer": CSV}
    )
    page.get_by_role("button", name="Upload and check").click()

    section = page.locator("section", has=page.get_by_role("heading", name="Dates with slashes"))
    expect(section).to_contain_text("They were read day first")
    page.get_by_label("Read such dates").select_option("mdy")
    page.get_by_role("button", name="Check the file again").click()
    expect(section).to_contain_text("They were read month first")
    shot(page, "import-date-order-switched")
    assert not Device.objects.exists()
    page.get_by_role("button", name="Confirm and import").click()

    expect(page.get_by_role("heading", name="The file has been imported")).to_be_visible()
    dates = dict(Device.objects.values_list("asset_tag", "purchase_date"))
    assert dates == {
        "177802-0001": datetime.date(2021, 8, 1),
        "177802-0002": datetime.date(2022, 3, 4),
    }
