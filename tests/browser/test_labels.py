from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.models import Role
from inventory.labels.printing import device_url
from inventory.labels.templates import TEMPLATES
from tests.browser.conftest import log_in, shot
from tests.factories import DeviceFactory, RoomFactory, SchoolFactory, UserFactory
from tests.inventory.label_reading import cell_image, decode, rasterise

pytestmark = pytest.mark.integration


def test_coordinator_prints_labels_for_two_ticked_devices_and_their_codes_decode(page):
    school = SchoolFactory(name="Gymnasium am Stadtgarten", number="166021")
    room = RoomFactory(school=school, name="Medienraum")
    for tag in ("166021/0001", "166021/0002", "166021/0003"):
        DeviceFactory(asset_tag=tag, school=school, room=room)
    UserFactory(username="koord", role=Role.COORDINATOR, schools=[school])

    log_in(page, "koord")
    page.goto("/")
    page.get_by_role("link", name="All devices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Devices")
    page.get_by_label("Select 166021/0001", exact=True).check()
    page.get_by_label("Select 166021/0003", exact=True).check()
    page.get_by_role("button", name="Labels for the selected devices").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Print labels")
    expect(page.get_by_role("status")).to_contain_text("2 selected devices")
    page.get_by_label("Avery Zweckform 3474", exact=False).check()
    shot(page, "labels-form")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download labels").click()
    download = download_info.value

    assert download.suggested_filename.endswith(".pdf")
    pdf = Path(download.path()).read_bytes()
    template = TEMPLATES["avery-3474"]
    sheet = rasterise(pdf)[0]
    for cell, tag in enumerate(("166021/0001", "166021/0003")):
        found = decode(cell_image(sheet, template, cell))
        assert found == sorted([("qr", device_url(tag)), ("code128", tag)])
    assert decode(cell_image(sheet, template, 2)) == []
