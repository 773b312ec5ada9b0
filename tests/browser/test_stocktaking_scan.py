"""The stock-taking's scan page in a real Chromium, with its script (stocktaking/static/
stocktaking/scan.js): a USB scanner typing tags and Enter, the phone camera reading the
labels' QR code and Code 128 barcode (a fake camera playing a video of them), and scans
made offline that are sent when the network is back, each counted once.

Each test starts at the start page and only clicks (and types what a scanner types);
every step is saved as a screenshot `stocktaking-<step>.png` (see conftest.shot)."""

import re

import pytest
from playwright.sync_api import expect

from core.models import Role, User
from inventory.models import Device, Status
from stocktaking import services
from stocktaking.models import Outcome, Scan, Stocktaking
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD, TIMEOUT_MS, shot
from tests.browser.fake_camera import device_qr, tag_code128, write_video
from tests.factories import DeviceFactory, RoomFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.integration

# The camera: Chromium's fake device plays the video file, and the permission prompt is
# answered "allow" as a person would.
CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
# A camera reads a code only after it has played up to it (a second of white first).
CAMERA_TIMEOUT_MS = 30_000


@pytest.fixture
def schule():
    """A school with four devices in the media room, one in room 101 and one retired."""
    school = SchoolFactory(name="Gymnasium am Stadtgarten", number="166021")
    media = RoomFactory(school=school, name="Medienraum", building="Hauptgebäude")
    other = RoomFactory(school=school, name="Raum 101", building="Hauptgebäude")
    for number in range(1, 5):
        DeviceFactory(asset_tag=f"166021/000{number}", school=school, room=media)
    DeviceFactory(asset_tag="166021/0005", school=school, room=other)
    DeviceFactory(asset_tag="166021/0009", school=school, room=media, status=Status.RETIRED)
    UserFactory(
        username="koord",
        role=Role.COORDINATOR,
        schools=[school],
        first_name="Björn",
        last_name="Schäfer",
    )
    return school


def heading(page):
    return page.get_by_role("heading", level=1)


def log_in_at_start(page, username: str) -> None:
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def start_stocktaking_and_open_scan_page(page, room: str = "Medienraum") -> Stocktaking:
    """From the start page: Stock-taking → start one for the whole school → Scan, in `room`."""
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Stock-taking"
    ).click()
    expect(heading(page)).to_have_text("Stock-taking")
    page.locator(".page-head").get_by_role("link", name="Start a stock-taking").click()
    expect(heading(page)).to_have_text("Start a stock-taking")
    page.get_by_role("button", name="Start the stock-taking").click()
    expect(page.locator(".messages")).to_contain_text("has started")
    page.locator(".page-head").get_by_role("link", name="Scan", exact=True).click()
    expect(heading(page)).to_have_text("Scan")
    page.get_by_label("Room", exact=True).select_option(label=f"{room} (Hauptgebäude)")
    # The page's script has read its waiting scans: a scan now goes through it, not the
    # plain form (which works too, but is not what these tests are about).
    expect(page.locator("#scan-form")).to_have_attribute("data-ready", "true")
    return Stocktaking.objects.get()


def scan_with_usb_scanner(page, code: str) -> None:
    """What a USB scanner does: types the code into the focused field, then Enter."""
    field = page.locator("#scan-code")
    field.press_sequentially(code)
    field.press("Enter")


def log_items(page):
    return page.locator("#scan-log li")


def errors_of(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_usb_scanner_tags_are_counted_an_unknown_tag_and_a_second_scan_are_told_apart(page, schule):
    errors = errors_of(page)
    log_in_at_start(page, "koord")
    stocktaking = start_stocktaking_and_open_scan_page(page)
    counts = page.locator("#scan-counts")
    expect(counts).to_have_text("0 of 5 seen, 5 missing")
    expect(page.get_by_role("button", name="Camera", exact=True)).to_be_visible()
    field = page.locator("#scan-code")
    expect(field).to_be_focused()
    shot(page, "stocktaking-scan-empty")

    # One after the other, as fast as a scanner: the field is empty again for the next
    # code before the answer to the last one has come.
    for code in ("166021/0001", "166021/0002", "166021/9999"):
        scan_with_usb_scanner(page, code)
        expect(field).to_have_value("")
        expect(field).to_be_focused()
    expect(counts).to_have_text("2 of 5 seen, 3 missing")
    # Later, the first device again.
    scan_with_usb_scanner(page, "166021/0001")

    items = log_items(page)
    expect(items).to_have_count(4)
    # Newest first, each in the colour of its outcome.
    expect(items.nth(0)).to_have_class("scan-already")
    expect(items.nth(0)).to_have_text("166021/0001 has already been scanned in this stock-taking.")
    expect(items.nth(1)).to_have_class("scan-unknown")
    expect(items.nth(1)).to_contain_text("No device has the asset tag 166021/9999.")
    expect(items.nth(2)).to_have_class("scan-found")
    expect(items.nth(2)).to_contain_text("166021/0002 found")
    expect(items.nth(3)).to_have_class("scan-found")
    expect(items.nth(3)).to_contain_text("166021/0001 found")
    result = page.locator("#scan-result")
    expect(result).to_have_class("scan-result scan-already")
    expect(result).to_contain_text("166021/0001 has already been scanned")
    expect(counts).to_have_text("2 of 5 seen, 3 missing")
    shot(page, "stocktaking-scan-usb")

    # A device of room 101 found here: moved here with one click.
    scan_with_usb_scanner(page, "166021/0005")
    expect(result).to_have_class("scan-result scan-elsewhere")
    expect(result).to_contain_text("166021/0005 is recorded in room Raum 101, not here.")
    shot(page, "stocktaking-scan-elsewhere")
    result.get_by_role("button", name="Move here").click()
    expect(result).to_contain_text("166021/0005 now belongs to room Medienraum.")
    expect(result.get_by_role("button", name="Move here")).to_have_count(0)
    expect(items.nth(0)).to_have_text("166021/0005 now belongs to room Medienraum.")
    expect(counts).to_have_text("3 of 5 seen, 2 missing")
    expect(field).to_be_focused()

    scans = [
        (scan.asset_tag, scan.outcome)
        for scan in Scan.objects.filter(stocktaking=stocktaking).order_by("received_at", "pk")
    ]
    # The first three were on their way at the same time: in any order.
    assert sorted(scans[:3]) == [
        ("166021/0001", Outcome.FOUND),
        ("166021/0002", Outcome.FOUND),
        ("166021/9999", Outcome.UNKNOWN),
    ]
    assert scans[3:] == [("166021/0001", Outcome.ALREADY), ("166021/0005", Outcome.ELSEWHERE)]
    assert Device.objects.get(asset_tag="166021/0005").room.name == "Medienraum"
    assert errors == []

    # The page as it is rendered again (a reload) shows the same log.
    page.reload()
    expect(log_items(page)).to_have_count(5)
    expect(page.locator("#scan-counts")).to_have_text("3 of 5 seen, 2 missing")


@pytest.fixture
def camera_page(browser, live_server, browser_db, tmp_path):
    """A tab in a Chromium of its own whose camera shows the codes given (the session's
    Chromium has no fake camera)."""
    launched = []

    def open_tab(codes):
        video = write_video(tmp_path / "labels.y4m", codes)
        chromium = browser.browser_type.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, *CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"],
            timeout=30_000,
        )
        launched.append(chromium)
        context = chromium.new_context(
            base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        return context.new_page()

    yield open_tab
    for chromium in launched:
        chromium.close()


def test_camera_reads_a_labels_qr_code_and_a_code_128_barcode_and_counts_each_device_once(
    camera_page, schule
):
    page = camera_page([device_qr("166021/0001"), tag_code128("166021/0002")])
    errors = errors_of(page)
    log_in_at_start(page, "koord")
    stocktaking = start_stocktaking_and_open_scan_page(page)

    page.get_by_role("button", name="Camera", exact=True).click()
    expect(page.locator("#scan-camera video")).to_be_visible()
    stop = page.get_by_role("button", name="Turn the camera off")
    expect(stop).to_be_visible()
    found = page.locator("#scan-log li.scan-found")
    expect(found).to_have_count(2, timeout=CAMERA_TIMEOUT_MS)
    expect(found.filter(has_text="166021/0001 found")).to_have_count(1)
    expect(found.filter(has_text="166021/0002 found")).to_have_count(1)
    expect(page.locator("#scan-counts")).to_have_text("2 of 5 seen, 3 missing")
    shot(page, "stocktaking-scan-camera")
    stop.click()
    expect(page.locator("#scan-camera")).to_be_hidden()
    expect(page.get_by_role("button", name="Camera", exact=True)).to_be_visible()

    # The video plays in a loop: a code seen again later is "already", never a second find.
    sightings = Scan.objects.filter(stocktaking=stocktaking, outcome=Outcome.FOUND)
    assert sorted(scan.asset_tag for scan in sightings) == ["166021/0001", "166021/0002"]
    # The QR code holds the label's link, the server took the tag from it.
    assert Scan.objects.filter(stocktaking=stocktaking, code__contains="/d/166021/0001").exists()
    assert set(Scan.objects.filter(stocktaking=stocktaking).values_list("outcome", flat=True)) <= {
        Outcome.FOUND,
        Outcome.ALREADY,
    }
    assert errors == []


def test_scans_made_offline_wait_survive_a_reload_and_are_each_counted_once_when_back_online(
    page, schule
):
    context = page.context
    errors = errors_of(page)
    log_in_at_start(page, "koord")
    stocktaking = start_stocktaking_and_open_scan_page(page)
    counts = page.locator("#scan-counts")
    queue = page.locator("#scan-queue")

    scan_with_usb_scanner(page, "166021/0001")
    expect(counts).to_have_text("1 of 5 seen, 4 missing")
    expect(queue).to_be_hidden()

    context.set_offline(True)
    for code in ("166021/0002", "166021/0003", "166021/0004"):
        scan_with_usb_scanner(page, code)
    expect(queue).to_be_visible()
    expect(queue).to_have_text("Offline – 3 scans waiting")
    expect(page.locator("#scan-log li.scan-queued")).to_have_count(3)
    expect(log_items(page).nth(0)).to_contain_text("166021/0004")
    expect(counts).to_have_text("1 of 5 seen, 4 missing")
    shot(page, "stocktaking-scan-offline")

    # The network is back, but the scans do not get through yet; the page is reloaded.
    page.route("**/api/v1/stocktakings/*/scans", lambda route: route.abort("failed"))
    with page.expect_event("requestfailed", lambda request: "/scans" in request.url):
        context.set_offline(False)
    page.reload()
    expect(queue).to_have_text("Offline – 3 scans waiting")
    # Newest first, as they were scanned.
    expect(page.locator("#scan-log li.scan-queued")).to_have_text(
        [f"166021/000{number} – waiting for the network" for number in (4, 3, 2)]
    )
    expect(counts).to_have_text("1 of 5 seen, 4 missing")
    shot(page, "stocktaking-scan-offline-reloaded")
    assert Scan.objects.filter(stocktaking=stocktaking).count() == 1

    # The oldest one reaches the server, but its answer is lost on the way back.
    lost = []

    def answer_lost(route):
        route.fetch()
        lost.append(route.request.post_data_json["code"])
        route.abort("internetdisconnected")

    page.unroute("**/api/v1/stocktakings/*/scans")
    page.route("**/api/v1/stocktakings/*/scans", answer_lost)
    with page.expect_event("requestfailed", lambda request: "/scans" in request.url):
        context.set_offline(True)
        context.set_offline(False)
    assert set(lost) == {"166021/0002"}
    expect(queue).to_have_text("Offline – 3 scans waiting")
    assert Scan.objects.filter(stocktaking=stocktaking).count() == 2

    # Now the answers come through: every waiting scan is sent again with its own id.
    page.unroute("**/api/v1/stocktakings/*/scans")
    context.set_offline(True)
    context.set_offline(False)
    expect(counts).to_have_text("4 of 5 seen, 1 missing")
    expect(queue).to_be_hidden()
    expect(page.locator("#scan-log li.scan-found")).to_have_count(4)
    shot(page, "stocktaking-scan-back-online")

    scans = Scan.objects.filter(stocktaking=stocktaking)
    assert scans.count() == 4
    assert len(set(scans.values_list("client_id", flat=True))) == 4
    assert sorted(scans.values_list("asset_tag", "outcome")) == [
        (f"166021/000{number}", Outcome.FOUND) for number in range(1, 5)
    ]
    assert errors == []


def test_a_scan_made_after_the_login_expired_waits_and_is_counted_after_logging_in_again(
    page, schule
):
    errors = errors_of(page)
    log_in_at_start(page, "koord")
    stocktaking = start_stocktaking_and_open_scan_page(page)

    page.context.clear_cookies()  # the session has ended (timed out, or logged out elsewhere)
    scan_with_usb_scanner(page, "166021/0003")
    queue = page.locator("#scan-queue")
    expect(queue).to_contain_text("Your login has expired – 1 scan is waiting.")
    expect(page.locator("#scan-log li.scan-queued")).to_have_count(1)
    shot(page, "stocktaking-scan-login-expired")
    assert not Scan.objects.filter(stocktaking=stocktaking).exists()

    queue.get_by_role("link", name="Log in again").click()
    page.get_by_label("Username").fill("koord")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(heading(page)).to_have_text("Scan")
    expect(page.locator("#scan-counts")).to_have_text("1 of 5 seen, 4 missing")
    expect(page.locator("#scan-log li.scan-found")).to_have_count(1)
    expect(queue).to_be_hidden()
    scan = Scan.objects.get(stocktaking=stocktaking)
    assert (scan.asset_tag, scan.outcome) == ("166021/0003", Outcome.FOUND)
    assert errors == []


def test_the_scan_page_script_speaks_german_by_default(page_de, schule):
    """The script's own words follow the page's language (German unless chosen otherwise);
    the links are found by where they lead, whatever their words."""
    page = page_de
    services.stocktaking_start(actor=User.objects.get(username="koord"), school_number="166021")
    page.goto("/")
    page.get_by_label("Benutzername").fill("koord")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.locator("main a.tile[href$='/stocktakings/']").click()
    page.locator("main a[href$='/scan/']").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.locator("#scan-room").select_option(label="Medienraum (Hauptgebäude)")
    expect(page.locator("#scan-form")).to_have_attribute("data-ready", "true")

    scan_with_usb_scanner(page, "166021/0001")
    expect(page.locator("#scan-counts")).to_have_text("1 von 5 gesehen, 4 fehlen")
    page.context.set_offline(True)
    scan_with_usb_scanner(page, "166021/0002")
    expect(page.locator("#scan-queue")).to_have_text("Offline – 1 Scan wartet")
    expect(page.locator("#scan-log li.scan-queued")).to_have_text(
        "166021/0002 – wartet auf Verbindung"
    )
    # This Chromium has no camera.
    page.get_by_role("button", name=re.compile("^(Kamera|Camera)$")).click()
    expect(page.locator("#scan-camera")).to_have_text(
        "Keine Kamera gefunden. Auf diesem Gerät können Sie mit einem Handscanner oder der "
        "Tastatur scannen."
    )
    shot(page, "stocktaking-scan-offline-de")
    page.context.set_offline(False)
    expect(page.locator("#scan-counts")).to_have_text("2 von 5 gesehen, 3 fehlen")
    expect(page.locator("#scan-queue")).to_be_hidden()


def test_a_server_error_keeps_a_scan_waiting_and_a_refusal_is_shown_once_and_dropped(page, schule):
    log_in_at_start(page, "koord")
    stocktaking = start_stocktaking_and_open_scan_page(page)
    queue = page.locator("#scan-queue")
    result = page.locator("#scan-result")

    # The proxy in front of Lernstatt answers, Lernstatt does not.
    page.route("**/api/v1/stocktakings/*/scans", lambda route: route.fulfill(status=503, body=""))
    scan_with_usb_scanner(page, "166021/0001")
    expect(queue).to_have_text(
        "Lernstatt is not answering right now – 1 scan is waiting and will be sent later."
    )
    page.unroute("**/api/v1/stocktakings/*/scans")
    page.context.set_offline(True)
    page.context.set_offline(False)
    expect(page.locator("#scan-counts")).to_have_text("1 of 5 seen, 4 missing")
    expect(queue).to_be_hidden()

    # Someone closes the stock-taking meanwhile: the next scan is refused, and not sent again.
    services.stocktaking_close(actor=User.objects.get(username="koord"), stocktaking=stocktaking)
    scan_with_usb_scanner(page, "166021/0002")
    expect(result).to_have_class("scan-result scan-error")
    expect(result).to_have_text("This stock-taking has been closed: it takes no more scans.")
    refused = page.locator("#scan-log li.scan-error")
    expect(refused).to_have_text(
        "166021/0002: This stock-taking has been closed: it takes no more scans."
    )
    expect(queue).to_be_hidden()
    shot(page, "stocktaking-scan-refused")
    assert (
        page.evaluate(
            """() => new Promise((resolve) => {
            const open = indexedDB.open("lernstatt-stocktaking", 1);
            open.onsuccess = () => {
                const all = open.result.transaction("scans").objectStore("scans").getAll();
                all.onsuccess = () => resolve(all.result.length);
            };
        })"""
        )
        == 0
    )
    assert list(
        Scan.objects.filter(stocktaking=stocktaking).values_list("asset_tag", flat=True)
    ) == ["166021/0001"]
