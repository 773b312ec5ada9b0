"""The pages at a phone's width (375 px) and at a common laptop's (1366 px)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.models import Role
from inventory.models import Category, Status
from scheduling import services
from tests.accounts.factories import PersonFactory, SchoolClassFactory, teaches
from tests.browser.conftest import TIMEOUT_MS, log_in, shot
from tests.factories import DeviceFactory, DeviceModelFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.integration

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def phone(browser, live_server, browser_db):
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def queue():
    """A school with a lendable laptop and a request waiting for a decision."""
    school = SchoolFactory(name="Gesamtschule am Rhein-Herne-Kanal", number="166021")
    student = PersonFactory(
        school=school,
        school_class=SchoolClassFactory(school=school, name="7b"),
        first_name="Maximilian-Alexander",
        last_name="Schmidt-Wolfenbüttel",
    )
    DeviceFactory(
        asset_tag="166021-0042",
        school=school,
        model=DeviceModelFactory(category=Category.LAPTOP),
        status=Status.IN_STOCK,
        lendable=True,
    )
    teacher = UserFactory(username="lehrer", role=Role.TEACHER, schools=[school])
    teaches(teacher, student.school_class)
    UserFactory(username="koord", role=Role.COORDINATOR, schools=[school])
    today = timezone.localdate()
    services.loan_request(
        actor=teacher,
        student_ids=[student.pk],
        category=Category.LAPTOP,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=14),
        reason="distance_learning",
    )
    return school


def within_screen(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_on_a_phone_the_header_is_small_and_the_queue_can_be_decided(phone, queue):
    log_in(phone, "koord")

    header = phone.locator(".site-header").bounding_box()
    assert header["height"] < 0.15 * PHONE["height"], header
    shot(phone, "phone-start")
    # The navigation is folded into the menu and opens with a tap.
    expect(phone.locator(".main-nav")).to_be_hidden()
    phone.get_by_text("Menu", exact=True).click()
    menu = phone.locator(".phone-menu nav")
    expect(menu.get_by_role("link", name="Loans")).to_be_visible()
    shot(phone, "phone-menu")
    phone.get_by_text("Menu", exact=True).click()

    phone.get_by_role("link", name="request to decide").click()
    approve = phone.get_by_role("button", name="Approve")
    expect(approve).to_be_visible()
    assert within_screen(phone, approve)
    # The list is one card per request, nothing scrolled out to the side.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "phone-queue")
    approve.click()
    expect(phone.locator(".messages")).to_contain_text("Device 166021-0042 is reserved")


def test_at_1366_pixels_the_device_filters_fit_the_screen(browser, live_server, browser_db, queue):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1366, "height": 768}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        log_in(page, "koord")
        page.get_by_role("link", name="Devices").first.click()
        expect(page.get_by_role("search", name="Search devices")).to_be_visible()
        # The filter bar and the bulk change's bar: nothing sticks out of either.
        bars = page.locator(".filters")
        assert bars.count() == 2
        assert bars.evaluate_all("nodes => nodes.every(n => n.scrollWidth <= n.clientWidth)")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        shot(page, "devices-1366")
    finally:
        context.close()


def test_on_a_desktop_the_queue_is_a_table_with_its_header_above_the_rows(page, queue):
    """The cards of the phone layout stay on the phone: at 1280 px the row is below the
    header and "Approve" is on the screen."""
    log_in(page, "koord")
    page.get_by_role("link", name="request to decide").click()

    approve = page.get_by_role("button", name="Approve")
    expect(approve).to_be_visible()
    header = page.locator("table.list thead").bounding_box()
    row = page.locator("table.list tbody tr").first.bounding_box()
    assert row["y"] >= header["y"] + header["height"] - 1, (header, row)
    box = approve.bounding_box()
    assert box["x"] + box["width"] <= page.viewport_size["width"], box
    shot(page, "desktop-queue")
