"""The stock-taking pages without JavaScript, as a coordinator and a teacher click through
them: start, scan (the form posts, the page shows the answer), move here, close with its
confirmation, the protocol, the classroom on the class page, a label's address on a phone."""

import re

import pytest

from core.errors import Conflict
from inventory.models import DeviceHistory, Status
from stocktaking import services
from stocktaking.models import DeviceSeen, Scan, Stocktaking
from tests.stocktaking.conftest import scan

pytestmark = pytest.mark.django_db


def csrf_of(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.fixture
def browser(client_for, coordinator):
    return client_for(coordinator, language="en")


def result_of(html: str) -> str:
    """The text of #scan-result, tags dropped."""
    block = re.search(r'<div id="scan-result"[^>]*>(.*?)</div>', html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", block).split())


def test_a_coordinator_starts_a_stocktaking_of_a_building(browser, school_a, place):
    form = browser.get("/stocktakings/new/").content.decode()
    assert 'value="building"' in form and "Hauptgebäude" in form and "Neubau" in form

    response = browser.post(
        f"/stocktakings/new/?school={school_a.number}",
        {"school": school_a.number, "scope": "building", "building": "Neubau", "name": ""},
    )

    stocktaking = Stocktaking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/stocktakings/{stocktaking.pk}/"
    assert stocktaking.building == "Neubau"
    assert list(stocktaking.expected.values_list("asset_tag", flat=True)) == ["GYM-4"]
    page = browser.get(response["Location"]).content.decode()
    assert "Physik" in page and "Scan" in page


def test_choosing_rooms_without_a_room_names_the_field(browser, school_a, place):
    response = browser.post(
        f"/stocktakings/new/?school={school_a.number}",
        {"school": school_a.number, "scope": "rooms"},
    )

    assert response.status_code == 422
    assert "Please choose at least one room." in response.content.decode()
    assert not Stocktaking.objects.exists()


def test_the_scan_page_keeps_to_the_contract_of_its_script(browser, whole_school, place):
    response = browser.get(f"/stocktakings/{whole_school.pk}/scan/?room={place.r102.pk}")
    html = response.content.decode()

    assert response.status_code == 200
    api = f"/api/v1/stocktakings/{whole_school.pk}"
    assert re.search(
        rf'<form id="scan-form"[^>]* method="post" action="/stocktakings/{whole_school.pk}/scan/"'
        rf' data-api="{api}/scans" data-state-api="{api}" data-login="/login/">',
        html,
    )
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'<option value="{place.r102.pk}" selected>102 (Hauptgebäude)</option>' in html
    code = re.search(r"<input name=\"code\" id=\"scan-code\"[^>]*>", html).group(0)
    for attribute in ("autofocus", 'autocomplete="off"', 'inputmode="text"', 'enterkeyhint="send"'):
        assert attribute in code
    assert '<div id="scan-result" role="status" aria-live="polite" class="scan-result">' in html
    assert '<ul id="scan-log"' in html
    assert '<p id="scan-counts" class="scan-counts">0 of 5 seen, 5 missing</p>' in html
    assert '<div id="scan-camera" class="scan-camera" hidden></div>' in html
    assert re.search(
        r'<button type="button" id="scan-camera-start"[^>]* hidden>Camera</button>', html
    )
    assert '<script type="module" src="/static/stocktaking/scan.js"></script>' in html
    assert 'href="/static/stocktaking/scan.css"' in html


def test_only_the_scan_page_may_use_the_camera_and_webassembly(browser, whole_school):
    scan_page = browser.get(f"/stocktakings/{whole_school.pk}/scan/")
    overview = browser.get(f"/stocktakings/{whole_school.pk}/")

    assert "camera=(self)" in scan_page["Permissions-Policy"]
    assert "microphone=()" in scan_page["Permissions-Policy"]
    assert "'wasm-unsafe-eval'" in scan_page["Content-Security-Policy"]
    assert "camera=()" in overview["Permissions-Policy"]
    assert "wasm" not in overview["Content-Security-Policy"]


def test_without_javascript_a_posted_code_shows_its_answer_and_the_log(
    browser, whole_school, place
):
    page = f"/stocktakings/{whole_school.pk}/scan/"

    response = browser.post(page, {"code": "GYM-1\r", "room": place.r101.pk}, follow=True)
    html = response.content.decode()

    scanned = Scan.objects.get()
    assert response.redirect_chain[-1][0] == f"{page}?room={place.r101.pk}&scan={scanned.pk}"
    assert 'class="scan-result scan-found"' in html
    assert result_of(html).startswith("GYM-1 found: Lenovo ThinkPad E14.")
    assert "1 of 5 seen, 4 missing" in html
    assert f'<li data-client-id="{scanned.client_id}" class="scan-found">' in html

    again = browser.post(page, {"code": "GYM-1", "room": place.r101.pk}, follow=True)
    assert 'class="scan-result scan-already"' in again.content.decode()
    log = re.findall(r'<li data-client-id="[^"]+" class="scan-(\w+)">', again.content.decode())
    assert log == ["already", "found"]  # newest first
    assert Scan.objects.count() == 2


def test_a_device_found_elsewhere_is_moved_here_with_the_button(browser, whole_school, place):
    page = f"/stocktakings/{whole_school.pk}/scan/"
    html = browser.post(
        page, {"code": "GYM-4", "room": place.r101.pk}, follow=True
    ).content.decode()
    scanned = Scan.objects.get()
    assert 'class="scan-result scan-elsewhere"' in html
    assert "GYM-4 is recorded in room Physik, not here." in result_of(html)
    move = f"/stocktakings/{whole_school.pk}/scans/{scanned.pk}/move/"
    assert f'<form method="post" action="{move}" class="scan-move">' in html

    moved = browser.post(move, follow=True).content.decode()

    assert "GYM-4 now belongs to room 101." in result_of(moved)
    assert 'class="scan-move"' not in moved
    place.devices["GYM-4"].refresh_from_db()
    assert place.devices["GYM-4"].room == place.r101
    assert DeviceHistory.objects.filter(device=place.devices["GYM-4"], field="room").exists()


def test_closing_asks_first_and_reports_the_chosen_devices_lost(
    browser, coordinator, whole_school, place
):
    scan(coordinator, whole_school, "GYM-1", place.r101)
    form = browser.get(f"/stocktakings/{whole_school.pk}/close/").content.decode()
    gym2 = whole_school.expected.get(asset_tag="GYM-2")
    assert f'name="device-{gym2.pk}" value="later" checked' in form

    confirm = browser.post(
        f"/stocktakings/{whole_school.pk}/close/", {f"device-{gym2.pk}": "lost"}
    ).content.decode()

    assert "1 device will be reported lost. Close the stock-taking now?" in confirm
    whole_school.refresh_from_db()
    assert whole_school.is_open  # nothing closed yet
    done = browser.post(
        f"/stocktakings/{whole_school.pk}/close/", {"lost": ["GYM-2"], "confirm": "1"}, follow=True
    )
    html = done.content.decode()
    assert "The stock-taking is closed." in html
    assert f'href="/stocktakings/{whole_school.pk}/protocol.pdf"' in html
    place.devices["GYM-2"].refresh_from_db()
    assert place.devices["GYM-2"].status == Status.LOST
    assert place.devices["GYM-3"].status == Status.IN_USE
    pdf = browser.get(f"/stocktakings/{whole_school.pk}/protocol.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    closed_scan_page = browser.get(f"/stocktakings/{whole_school.pk}/scan/")
    assert closed_scan_page.status_code == 302


def test_the_comparison_with_the_last_stocktaking_on_the_overview(
    browser, coordinator, school_a, place
):
    last = services.stocktaking_start(actor=coordinator, school_number=school_a.number)
    scan(coordinator, last, "GYM-2", place.r101)
    services.stocktaking_close(actor=coordinator, stocktaking=last)
    now = services.stocktaking_start(actor=coordinator, school_number=school_a.number)
    scan(coordinator, now, "GYM-3", place.r102)

    html = browser.get(f"/stocktakings/{now.pk}/").content.decode()

    assert "Comparison with the last stock-taking" in html
    assert re.search(r'id="missing-now-seen-before"><li>GYM-2</li></ul>', html)
    assert re.search(r'id="seen-now-missing-before"><li>GYM-3</li></ul>', html)


# -- Selbstinventur -------------------------------------------------------------------------


def test_the_coordinator_sets_the_classroom_on_the_class_page(browser, school_a, place):
    from tests.accounts.factories import SchoolClassFactory

    school_class = SchoolClassFactory(school=school_a, name="8a")
    page = browser.get(f"/classes/{school_class.pk}/").content.decode()
    assert f'action="/classes/{school_class.pk}/room/"' in page

    browser.post(f"/classes/{school_class.pk}/room/", {"room": place.lab.pk})
    foreign = browser.post(f"/classes/{school_class.pk}/room/", {"room": place.b_room.pk})

    school_class.refresh_from_db()
    assert school_class.room == place.lab
    assert foreign.status_code == 422  # a room of another school is not on offer
    assert "Please choose a room of the class" in foreign.content.decode()


def test_a_teacher_scans_in_their_classroom_only(client_for, class_teacher, whole_school, place):
    browser = client_for(class_teacher, language="en")

    start = browser.get("/").content.decode()
    listing = browser.get("/stocktakings/").content.decode()
    scan_page = browser.get(f"/stocktakings/{whole_school.pk}/scan/").content.decode()
    foreign = browser.post(
        f"/stocktakings/{whole_school.pk}/scan/", {"code": "GYM-3", "room": place.r102.pk}
    )
    own = browser.post(
        f"/stocktakings/{whole_school.pk}/scan/",
        {"code": "GYM-1", "room": place.r101.pk},
        follow=True,
    )

    assert 'href="/stocktakings/"' in start and "open stock-taking" in start
    assert whole_school.name in listing
    assert re.findall(r'<option value="(\d+)"', scan_page) == [str(place.r101.pk)]
    assert "0 of 2 seen, 2 missing" in scan_page  # room 101's devices only
    assert foreign.status_code == 404  # not a room of theirs
    assert not Scan.objects.filter(room=place.r102).exists()
    assert 'class="scan-result scan-found"' in own.content.decode()
    assert browser.get(f"/stocktakings/{whole_school.pk}/close/").status_code == 403
    assert browser.get(f"/stocktakings/{whole_school.pk}/protocol.pdf").status_code == 403
    detail = browser.get(f"/stocktakings/{whole_school.pk}/").content.decode()
    assert "102" not in detail and "Physik" not in detail


def test_a_coordinator_of_another_school_gets_404_on_every_page(
    client_for, coordinator_b, whole_school, place
):
    browser = client_for(coordinator_b, language="en")
    base = f"/stocktakings/{whole_school.pk}"

    for url in (f"{base}/", f"{base}/scan/", f"{base}/close/", f"{base}/protocol.pdf"):
        assert browser.get(url).status_code == 404, url
    assert (
        browser.post(f"{base}/scan/", {"code": "GYM-1", "room": place.r101.pk}).status_code == 404
    )
    assert browser.post(f"{base}/close/", {"confirm": "1"}).status_code == 404
    assert not Scan.objects.exists()
    whole_school.refresh_from_db()
    assert whole_school.is_open


def test_anonymous_visitors_go_to_the_login_page(client, whole_school):
    response = client.post(f"/stocktakings/{whole_school.pk}/scan/", {"code": "GYM-1"})

    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not Scan.objects.exists()


# -- the label's address on a phone, and the device page -----------------------------------


def test_a_labels_address_opened_on_the_phone_is_a_scan_on_the_open_scan_page(
    browser, whole_school, place
):
    browser.get(f"/stocktakings/{whole_school.pk}/scan/?room={place.r102.pk}")

    response = browser.get("/d/GYM-3", HTTP_SEC_FETCH_SITE="none", follow=True)

    scanned = Scan.objects.get()
    assert (scanned.asset_tag, scanned.room, scanned.outcome) == ("GYM-3", place.r102, "found")
    html = response.content.decode()
    assert 'class="scan-result scan-found"' in html
    assert response.redirect_chain[-1][0].endswith(f"scan={scanned.pk}")


def test_a_labels_address_from_another_site_only_fills_in_the_form(browser, whole_school, place):
    browser.get(f"/stocktakings/{whole_school.pk}/scan/?room={place.r101.pk}")

    for site in ("cross-site", None):
        headers = {"HTTP_SEC_FETCH_SITE": site} if site else {}
        response = browser.get(
            "/d/GYM-1", HTTP_REFERER="https://boese.example/", follow=True, **headers
        )
        html = response.content.decode()
        assert 'id="scan-code" value="GYM-1"' in html
        assert "press Enter" in html

    assert not Scan.objects.exists()


def test_after_stop_scanning_the_address_opens_the_device_again(browser, whole_school, place):
    browser.get(f"/stocktakings/{whole_school.pk}/scan/")
    browser.post(f"/stocktakings/{whole_school.pk}/scan/stop/")

    response = browser.get("/d/GYM-1", HTTP_SEC_FETCH_SITE="none")

    assert response["Location"] == "/devices/GYM-1/"
    assert not Scan.objects.exists()


def test_once_closed_the_address_opens_the_device_again(browser, coordinator, whole_school):
    browser.get(f"/stocktakings/{whole_school.pk}/scan/")
    services.stocktaking_close(actor=coordinator, stocktaking=whole_school)

    response = browser.get("/d/GYM-1", HTTP_SEC_FETCH_SITE="none")

    assert response["Location"] == "/devices/GYM-1/"


def test_the_device_page_says_when_a_stocktaking_last_saw_it(
    browser, coordinator, whole_school, place
):
    never = browser.get("/devices/GYM-2/").content.decode()
    scan(coordinator, whole_school, "GYM-1", place.r101)
    seen = DeviceSeen.objects.get(device=place.devices["GYM-1"])

    html = browser.get("/devices/GYM-1/").content.decode()

    day = seen.seen_at.astimezone().strftime("%m/%d/%Y")
    assert "Last seen" in html
    assert f"{day} (stock-taking {whole_school.name})" in html
    assert "No stock-taking has seen it yet." in never


def test_a_stocktaking_closed_at_the_same_moment_refuses_the_second_close(
    coordinator, whole_school
):
    copy = Stocktaking.objects.get(pk=whole_school.pk)
    services.stocktaking_close(actor=coordinator, stocktaking=whole_school)

    with pytest.raises(Conflict):
        services.stocktaking_close(actor=coordinator, stocktaking=copy)
