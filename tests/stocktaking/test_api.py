"""The stock-taking API through Django's test client with CSRF enforced, as the scan page's
script and a coordinator's scripts use it."""

import io
import json

import openpyxl
import pytest
from django.test import Client

from core.tokens import api_token_create
from inventory.models import Status
from stocktaking.models import Scan, Stocktaking
from tests.scheduling.factories import LoanFactory
from tests.scheduling.test_agreement import pdf_text

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict, **headers):
    return client.post(url, json.dumps(body), "application/json", **headers)


@pytest.fixture
def api(client_for, coordinator):
    """The coordinator's browser session, with its CSRF token (as the scan page sends it)."""
    browser = client_for(coordinator, csrf=True, language="en")
    browser.get("/")
    token = browser.cookies["csrftoken"].value

    def send(url: str, body: dict, client: Client | None = None):
        return post(client or browser, url, body, HTTP_X_CSRFTOKEN=token)

    browser.send = send
    return browser


@pytest.fixture
def started(api, school_a, place):
    response = api.send("/api/v1/stocktakings", {"school": school_a.number})
    assert response.status_code == 201, response.content
    return response.json()


def scan_body(code: str, room, client_id: str) -> dict:
    return {"client_id": client_id, "code": code, "room_id": room.pk, "scanned_at": None}


def test_start_answers_the_state_with_the_rooms_and_counts(started, place):
    assert started["status"] == "open"
    assert started["whole_school"] is True
    assert started["counts"]["expected"] == 5
    assert started["counts"]["missing"] == 5
    assert [room["name"] for room in started["rooms"]] == ["101", "102", "Physik"]
    progress = {row["name"]: row["expected"] for row in started["progress"]}
    assert progress == {"101": 2, "102": 1, "Physik": 1, "without a room": 1}


def test_start_with_rooms_and_a_name(api, school_a, place):
    response = api.send(
        "/api/v1/stocktakings",
        {"school": school_a.number, "rooms": [place.r102.pk], "name": "Herbst 102"},
    )

    assert response.status_code == 201
    assert response.json()["name"] == "Herbst 102"
    assert response.json()["counts"]["expected"] == 1


def test_a_scan_is_201_the_first_time_and_200_with_the_same_answer_the_second(api, started, place):
    url = f"/api/v1/stocktakings/{started['id']}/scans"
    body = scan_body("GYM-1", place.r101, "5b3f0f5e-4c7a-4c2e-9a43-1f2d3c4b5a69")

    first = api.send(url, body)
    second = api.send(url, body)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    answer = first.json()
    assert answer["outcome"] == "found"
    assert answer["client_id"] == body["client_id"]
    assert answer["message"] == "GYM-1 found: Lenovo ThinkPad E14."
    assert answer["device"] == {
        "asset_tag": "GYM-1",
        "name": "Lenovo ThinkPad E14",
        "room": "101",
        "school": "Gymnasium am Park",
    }
    assert answer["counts"] == {"expected": 5, "seen": 1, "missing": 4}
    assert Scan.objects.filter(stocktaking_id=started["id"]).count() == 1


def test_the_label_address_and_the_other_outcomes(api, started, place, settings):
    url = f"/api/v1/stocktakings/{started['id']}/scans"
    link = f"{settings.LERNSTATT_BASE_URL}/d/GYM-3"

    outcomes = [
        api.send(url, scan_body(code, place.r102, f"id-{n}")).json()["outcome"]
        for n, code in enumerate([link, "GYM-3", "GYM-1", "NIEMAND-1"])
    ]

    assert outcomes == ["found", "already", "elsewhere", "unknown"]


def test_a_device_of_a_school_out_of_reach_is_answered_without_its_place(api, started, place):
    answer = api.send(
        f"/api/v1/stocktakings/{started['id']}/scans", scan_body("GS-1", place.r101, "gs")
    ).json()

    assert answer["outcome"] == "elsewhere"
    assert answer["message"] == "GS-1 is recorded at another school."
    assert answer["device"]["room"] is None and answer["device"]["school"] is None
    assert answer["can_move"] is False
    assert "Lindenweg" not in json.dumps(answer) and "B1" not in json.dumps(answer)


def test_moving_a_device_found_elsewhere_over_the_api(api, started, place):
    url = f"/api/v1/stocktakings/{started['id']}/scans"
    answer = api.send(url, scan_body("GYM-3", place.r101, "m-1")).json()
    assert answer["can_move"] is True

    moved = api.send(f"{url}/{answer['id']}/move", {})

    assert moved.status_code == 200
    assert moved.json()["moved"] is True and moved.json()["can_move"] is False
    assert moved.json()["device"]["room"] == "101"
    place.devices["GYM-3"].refresh_from_db()
    assert place.devices["GYM-3"].room == place.r101


def test_missing_close_and_the_protocol(api, started, place, coordinator):
    base = f"/api/v1/stocktakings/{started['id']}"
    api.send(f"{base}/scans", scan_body("GYM-1", place.r101, "a"))
    api.send(f"{base}/scans", scan_body("GYM-3", place.r101, "b"))
    api.send(f"{base}/scans", scan_body("NEU-9", place.lab, "c"))
    LoanFactory(device=place.devices["GYM-4"], status="on_loan", student__school=place.r101.school)

    missing = api.get(f"{base}/missing").json()
    assert [(row["asset_tag"], row["on_loan"]) for row in missing] == [
        ("GYM-2", False),
        ("GYM-4", True),
        ("GYM-5", False),
    ]
    assert api.get(f"{base}/protocol.pdf").status_code == 409  # still open

    closed = api.send(f"{base}/close", {"lost": ["GYM-2"]})
    again = api.send(f"{base}/close", {"lost": []})
    late = api.send(f"{base}/scans", scan_body("GYM-5", place.r101, "d"))

    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert closed.json()["counts"] == {
        "expected": 5, "seen": 3, "found": 1, "elsewhere": 1, "unknown": 1, "on_loan": 1,
        "missing": 2, "lost": 1,
    }  # fmt: skip
    assert again.status_code == 409 and set(again.json()) == {"message", "code", "errors"}
    assert late.status_code == 409
    assert late.json()["code"] == "stocktaking_closed"
    place.devices["GYM-2"].refresh_from_db()
    assert place.devices["GYM-2"].status == Status.LOST

    pdf = api.get(f"{base}/protocol.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    for expected in (
        "Stock-taking protocol",
        "Gymnasium am Park (165432)",
        "Erika Mustermann",  # started, closed and scanned by the coordinator
        "Found (1)",
        "Found elsewhere (1)",
        "Unknown asset tags (to be created) (1)",
        "Missing (2)",
        "On loan (counted as seen) (1)",
        "NEU-9",
        "reported lost",
        "to be clarified",
        "Signature of the head teacher",
        "Signature of IT coordination",
        "Place, date",
    ):
        assert expected in text, expected
    assert "Expected devices 5" in text

    xlsx = api.get(f"{base}/protocol.xlsx")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    sheets = {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}
    assert sheets["Found"][2] == ("GYM-1", "Lenovo ThinkPad E14", "101")
    assert sheets["Missing"][1] == ("Asset tag", "Model", "Room", "Decision")
    assert [row[0] for row in sheets["Missing"][2:]] == ["GYM-2", "GYM-5"]
    assert [row[3] for row in sheets["Missing"][2:]] == ["reported lost", "to be clarified"]
    assert sheets["Unknown"][2][0] == "NEU-9"
    assert book["Found"].freeze_panes == "A3"
    assert book["Found"].page_setup.paperSize == 9  # A4
    assert book["Found"].print_title_rows == "$1:$2"  # title and header on every page


def test_a_bearer_token_scans_without_a_csrf_token(coordinator, started, place):
    _token, key = api_token_create(user=coordinator, name="Scanner")
    script = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")

    response = post(
        script,
        f"/api/v1/stocktakings/{started['id']}/scans",
        scan_body("GYM-1", place.r101, "t-1"),
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )

    assert response.status_code == 201


def test_a_scan_without_the_csrf_token_is_refused(client_for, coordinator, started, place):
    browser = client_for(coordinator, csrf=True, language="en")

    response = post(
        browser, f"/api/v1/stocktakings/{started['id']}/scans", scan_body("GYM-1", place.r101, "x")
    )

    assert response.status_code == 403
    assert not Scan.objects.exists()


def test_a_bad_body_names_the_field(api, started):
    response = api.send(f"/api/v1/stocktakings/{started['id']}/scans", {"code": "GYM-1"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "client_id"


# -- attackers ------------------------------------------------------------------------------


@pytest.fixture
def stocktaking(started):
    return Stocktaking.objects.get(pk=started["id"])


def test_anonymous_gets_401_everywhere(client, stocktaking):
    base = f"/api/v1/stocktakings/{stocktaking.pk}"
    for method, url in (
        ("get", "/api/v1/stocktakings"),
        ("get", base),
        ("post", f"{base}/scans"),
        ("post", f"{base}/close"),
        ("get", f"{base}/protocol.pdf"),
    ):
        response = getattr(client, method)(url)
        assert response.status_code == 401, url


def test_a_coordinator_of_another_school_gets_404_for_everything(
    client_for, coordinator_b, stocktaking, school_a, place
):
    browser = client_for(coordinator_b, language="en")
    base = f"/api/v1/stocktakings/{stocktaking.pk}"

    assert post(browser, "/api/v1/stocktakings", {"school": school_a.number}).status_code == 404
    assert browser.get(base).status_code == 404
    assert post(browser, f"{base}/scans", scan_body("GYM-1", place.r101, "b-1")).status_code == 404
    assert post(browser, f"{base}/close", {"lost": ["GYM-1"]}).status_code == 404
    assert browser.get(f"{base}/missing").status_code == 404
    assert browser.get(f"{base}/protocol.pdf").status_code == 404
    assert browser.get("/api/v1/stocktakings").json()["count"] == 0
    stocktaking.refresh_from_db()
    assert stocktaking.is_open and not Scan.objects.exists()


def test_a_teacher_scans_their_classroom_only_and_may_not_close_or_move(
    client_for, class_teacher, stocktaking, place
):
    browser = client_for(class_teacher, language="en")
    base = f"/api/v1/stocktakings/{stocktaking.pk}"

    state = browser.get(base).json()
    own = post(browser, f"{base}/scans", scan_body("GYM-1", place.r101, "t-1"))
    foreign_room = post(browser, f"{base}/scans", scan_body("GYM-3", place.r102, "t-2"))
    elsewhere = post(browser, f"{base}/scans", scan_body("GYM-3", place.r101, "t-3")).json()

    assert [room["name"] for room in state["rooms"]] == ["101"]
    assert state["counts"]["expected"] == 2  # the devices of room 101 only
    assert [row["name"] for row in state["progress"]] == ["101"]
    assert own.status_code == 201
    assert foreign_room.status_code == 404
    assert elsewhere["outcome"] == "elsewhere"
    assert elsewhere["message"] == "GYM-3 is recorded for another room."
    assert elsewhere["device"]["room"] is None and elsewhere["can_move"] is False
    assert post(browser, f"{base}/scans/{elsewhere['id']}/move", {}).status_code == 403
    assert post(browser, f"{base}/close", {}).status_code == 403
    assert browser.get(f"{base}/missing").status_code == 403
    assert browser.get(f"{base}/protocol.pdf").status_code == 403
    place.devices["GYM-3"].refresh_from_db()
    assert place.devices["GYM-3"].room == place.r102


def test_a_teacher_without_a_classroom_in_it_does_not_find_the_stocktaking(
    client_for, teacher, stocktaking, place
):
    browser = client_for(teacher, language="en")

    assert browser.get("/api/v1/stocktakings").json()["count"] == 0
    assert browser.get(f"/api/v1/stocktakings/{stocktaking.pk}").status_code == 404
    response = post(
        browser,
        f"/api/v1/stocktakings/{stocktaking.pk}/scans",
        scan_body("GYM-1", place.r101, "x-1"),
    )
    assert response.status_code == 404


def test_city_staff_get_403(client_for, city_staff, stocktaking):
    browser = client_for(city_staff, language="en")

    assert browser.get("/api/v1/stocktakings").status_code == 403
    assert browser.get(f"/api/v1/stocktakings/{stocktaking.pk}").status_code == 403
