import pytest
from playwright.sync_api import expect

from core.models import Role
from inventory.models import DeviceHistory, Status
from tests.browser.conftest import log_in, shot
from tests.factories import DeviceFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.integration


def test_coordinator_puts_two_devices_in_repair_from_the_device_list(page):
    school = SchoolFactory(name="Gymnasium am Stadtgarten", number="166021")
    for n in (1, 2, 3):
        DeviceFactory(asset_tag=f"166021-000{n}", school=school, status=Status.IN_USE)
    UserFactory(username="koord", role=Role.COORDINATOR, schools=[school])

    log_in(page, "koord")
    page.goto("/")
    page.get_by_role("link", name="All devices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Devices")
    page.get_by_label("Select 166021-0001", exact=True).check()
    page.get_by_label("Select 166021-0003", exact=True).check()
    page.get_by_label("Change for the selected devices").select_option(label="In repair")
    shot(page, "device-bulk")
    page.get_by_role("button", name="Apply to the selected devices").click()

    expect(page.locator(".messages")).to_contain_text("2 devices changed.")
    expect(page.locator("tr", has_text="166021-0001")).to_contain_text("In repair")
    expect(page.locator("tr", has_text="166021-0002")).to_contain_text("In use")
    expect(page.locator("tr", has_text="166021-0003")).to_contain_text("In repair")
    shot(page, "device-bulk-done")
    rows = DeviceHistory.objects.filter(field="status", new=Status.IN_REPAIR)
    assert sorted(rows.values_list("asset_tag", flat=True)) == ["166021-0001", "166021-0003"]
