import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from core.models import Role
from inventory.models import Device, DeviceHistory, Room, School, Status
from tests.browser.conftest import log_in, shot
from tests.factories import DeviceModelFactory, RoomFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.integration


def test_coordinator_adds_a_device_from_the_device_list_and_sees_its_page(page):
    school = SchoolFactory(name="Gymnasium am Stadtgarten", number="166021")
    RoomFactory(school=school, name="Bücherei")
    DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad E14")
    coordinator = UserFactory(username="koord", role=Role.COORDINATOR, schools=[school])

    log_in(page, "koord")
    page.goto("/")
    page.get_by_role("link", name="All devices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Devices")
    page.get_by_role("link", name="New device").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New device")
    page.get_by_label("Asset tag").fill("166021-0100")
    page.get_by_label("Model").select_option(label="Lenovo ThinkPad E14")
    page.get_by_label("Serial number").fill("PF-Ä'12")
    page.get_by_label("Status").select_option(label="In use")
    page.get_by_label("Room").select_option(label="Bücherei")
    page.get_by_label("Purchase date").fill("2024-08-01")
    page.get_by_label("Purchase price").fill("1,234.50")
    page.get_by_label("Notes").fill("Für die 7b, mit Hülle")
    shot(page, "device-create")
    page.get_by_role("button", name="Create device").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Device 166021-0100")
    expect(page.locator(".messages")).to_contain_text("Device 166021-0100 was created.")
    shot(page, "device-create-done")
    device = Device.objects.get(asset_tag="166021-0100")
    assert (device.school, device.room.name, device.status) == (school, "Bücherei", Status.IN_USE)
    assert (device.serial_number, device.notes) == ("PF-Ä'12", "Für die 7b, mit Hülle")
    assert device.purchase_date == datetime.date(2024, 8, 1)
    assert device.purchase_price == Decimal("1234.50")
    history = DeviceHistory.objects.get(device=device)
    assert (history.action, history.actor) == (DeviceHistory.Action.CREATE, coordinator)


def test_it_admin_creates_a_school_and_a_room_from_the_start_page(page):
    UserFactory(username="admin", role=Role.IT_ADMIN)

    log_in(page, "admin")
    page.goto("/")
    page.get_by_role("link", name="All devices").click()
    page.get_by_role("link", name="Schools and rooms").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Schools and rooms")
    page.get_by_role("link", name="New school").click()
    page.get_by_label("School number").fill("177001")
    page.get_by_label("Name", exact=True).fill("Grundschule „Am Bach“")
    page.get_by_label("Short name").fill("GS Am Bach")
    page.get_by_label("School type").select_option(label="Primary school (Grundschule)")
    page.get_by_label("City").fill("Musterstadt")
    shot(page, "school-create")
    page.get_by_role("button", name="Create school").click()

    expect(page.locator(".messages")).to_contain_text("was created")
    page.get_by_role("link", name="New room – Grundschule „Am Bach“").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New room at Grundschule „Am Bach“")
    page.get_by_label("Room").fill("Raum 1.02, Süd")
    page.get_by_label("Building").fill("Altbau")
    page.get_by_role("button", name="Create room").click()

    expect(page.locator(".messages")).to_contain_text("Room Raum 1.02, Süd")
    expect(page.get_by_role("region", name="Rooms of Grundschule „Am Bach“")).to_contain_text(
        "Raum 1.02, Süd"
    )
    shot(page, "school-and-room-created")
    school = School.objects.get(number="177001")
    assert school.short_name == "GS Am Bach"
    assert (school.name, school.school_type, school.city) == (
        "Grundschule „Am Bach“",
        "grundschule",
        "Musterstadt",
    )
    assert list(Room.objects.values_list("school", "name", "building")) == [
        (school.pk, "Raum 1.02, Süd", "Altbau")
    ]
