"""Cross-site requests, from the attacker's side: a page on another site can make a
logged-in browser send a GET (a link, an <img>, a prefetch) or a form POST, with the
session cookie but without the CSRF token. Neither may change anything: whatever changes
state — handing out the initial passwords on a class list included — is a POST (or
another unsafe method) that a session may only send with the CSRF token. A personal API
token (`Authorization: Bearer`) needs no CSRF token: no browser sends it by itself."""

import io
import json
import re

import openpyxl
import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.handout import initial_passwords_keep
from accounts.models import (
    AccessAction,
    AccessLogEntry,
    ClassTeacher,
    DirectorySyncRun,
    InitialPassword,
    PersonRole,
)
from accounts.rosters.plan import school_year_of
from core.tokens import api_token_create
from imports.models import ImportJob
from lernstatt.api import api
from stocktaking.services import scan_record, stocktaking_start
from tests.accounts.factories import PersonFactory, SchoolClassFactory
from tests.factories import DeviceFactory, DeviceModelFactory, RoomFactory
from tests.scheduling.factories import LoanFactory
from tests.web.test_url_matrix import web_urls

pytestmark = pytest.mark.django_db

PASSWORD = "Tulpe-Regen-42"
ATTACKER = "https://boese.example/gewinnspiel.html"


@pytest.fixture
def student(school_a):
    """A new student of school A whose initial password waits for the class list."""
    school_class = SchoolClassFactory(
        school=school_a, name="5a", school_year=school_year_of(timezone.localdate())
    )
    person = PersonFactory(
        school=school_a,
        school_class=school_class,
        last_name="Müller",
        first_name="Anna",
        login="anna.mueller",
        dn="uid=anna.mueller,ou=people,dc=lernstatt,dc=test",
    )
    initial_passwords_keep({person.pk: PASSWORD})
    return person


def csrf_token(browser: Client) -> str:
    browser.get("/")  # the start page has a form (log out): it hands out the CSRF cookie
    return browser.cookies["csrftoken"].value


def passwords_in(content: bytes) -> set[str]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = {
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    }
    return {PASSWORD} & cells


def post_class_lists(client: Client, body: dict, **headers):
    return client.post("/api/v1/class-lists", json.dumps(body), "application/json", **headers)


def handed_out(student) -> bool:
    return not InitialPassword.objects.filter(person=student).exists()


# -- the class lists with the initial passwords ---------------------------------------------


def test_a_cross_site_get_of_the_class_lists_hands_out_no_password(
    client_for, coordinator, school_a, student
):
    browser = client_for(coordinator, csrf=True, language="en")

    # The link on the other site: the browser sends the session cookie along (SameSite=Lax
    # lets a top-level GET through).
    response = browser.get(
        "/api/v1/class-lists", {"school": school_a.number}, HTTP_REFERER=ATTACKER
    )

    assert response.status_code == 405
    assert PASSWORD not in response.content.decode("latin-1")
    assert not handed_out(student)
    assert not AccessLogEntry.objects.filter(action=AccessAction.CLASS_LIST).exists()
    # The coordinator's own list still has the password.
    listed = post_class_lists(
        browser, {"school": school_a.number}, HTTP_X_CSRFTOKEN=csrf_token(browser)
    )
    assert listed.status_code == 200
    assert passwords_in(listed.content) == {PASSWORD}


def test_a_post_of_the_class_lists_without_the_csrf_token_is_refused_and_hands_out_nothing(
    client_for, coordinator, school_a, student
):
    browser = client_for(coordinator, csrf=True, language="en")

    response = post_class_lists(browser, {"school": school_a.number}, HTTP_REFERER=ATTACKER)

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not handed_out(student)
    assert not AccessLogEntry.objects.filter(action=AccessAction.CLASS_LIST).exists()


def test_a_post_of_the_class_lists_with_the_csrf_token_hands_each_password_out_once(
    client_for, coordinator, school_a, student
):
    browser = client_for(coordinator, csrf=True, language="en")
    token = csrf_token(browser)

    first = post_class_lists(
        browser, {"school": school_a.number, "class": [student.school_class_id]},
        HTTP_X_CSRFTOKEN=token,
    )  # fmt: skip
    second = post_class_lists(browser, {"school": school_a.number}, HTTP_X_CSRFTOKEN=token)

    assert first.status_code == second.status_code == 200
    assert first["Cache-Control"] == "no-store"
    assert passwords_in(first.content) == {PASSWORD}
    assert passwords_in(second.content) == set()
    assert handed_out(student)


def test_a_post_of_the_class_lists_with_a_bearer_token_needs_no_csrf_token(
    coordinator, school_a, student
):
    _token, key = api_token_create(user=coordinator, name="Druckskript")
    script = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")

    response = post_class_lists(
        script, {"school": school_a.number}, HTTP_AUTHORIZATION=f"Bearer {key}"
    )

    assert response.status_code == 200
    assert passwords_in(response.content) == {PASSWORD}
    assert handed_out(student)


def test_the_class_lists_operation_takes_post_only_in_the_api_schema():
    operations = api.get_openapi_schema()["paths"]["/api/v1/class-lists"]

    assert set(operations) == {"post"}


# -- every GET, of the API and of the web pages ---------------------------------------------


@pytest.fixture
def world(school_a, coordinator, student, teacher):
    """One object of school A for every kind of path parameter, and the values of the
    query parameters a GET may need to reach its object."""
    model = DeviceModelFactory()
    room = RoomFactory(school=school_a)
    device = DeviceFactory(school=school_a, model=model, room=room, lendable=True)
    loan = LoanFactory(student=student, requested_by=teacher)
    job = ImportJob.objects.create(
        kind="students",
        created_by=coordinator,
        filename="schueler.csv",
        content=b"",
        status=ImportJob.Status.APPLIED,
        options={"school": school_a.pk},
        report={"counts": {}, "rows": []},
    )
    run = DirectorySyncRun.objects.create(started_by=coordinator, school=school_a)
    token, _key = api_token_create(user=coordinator, name="Skript")
    kraus = PersonFactory(school=school_a, role=PersonRole.TEACHER, school_class=None, login="kr")
    ClassTeacher.objects.create(school_class=student.school_class, teacher=kraus)
    stocktaking = stocktaking_start(actor=coordinator, school_number=school_a.number)
    scan = scan_record(
        actor=coordinator,
        stocktaking=stocktaking,
        client_id="before",
        code=device.asset_tag,
        room_id=room.pk,
    ).scan
    path = {
        "asset_tag": device.asset_tag,
        "number": school_a.number,
        "room_id": room.pk,
        "model_id": model.pk,
        "job_id": job.pk,
        "run_id": run.pk,
        "loan_id": loan.pk,
        "class_id": student.school_class_id,
        "person_id": student.pk,
        "teacher_id": kraus.pk,
        "token_id": token.pk,
        "slug": "warranty",
        "stocktaking_id": stocktaking.pk,
        "scan_id": scan.pk,
    }
    query = {
        "school": school_a.number,
        "class": student.school_class_id,
        "teachers": "true",
        "category": "laptop",
        "starts_on": "2030-01-07",
        "ends_on": "2030-01-11",
    }
    return {"path": path, "query": query}


def every_row() -> dict[str, list[dict]]:
    """Every row of every table, but the access log (a GET that shows a person records the
    look: that is its purpose) and the sessions."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model not in (AccessLogEntry, Session) and model._meta.managed and not model._meta.proxy
    }


def fill(route: str, values: dict) -> str:
    return re.sub(r"\{(?:\w+:)?(\w+)\}", lambda m: str(values[m.group(1)]), route)


def api_gets() -> list[tuple[str, list[str]]]:
    """(path, names of its query parameters) of every GET operation of the schema."""
    found = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "get" in operations:
            parameters = operations["get"].get("parameters", [])
            found.append((path, [p["name"] for p in parameters if p["in"] == "query"]))
    return found


def test_no_get_of_the_api_changes_a_row_or_hands_out_a_password(
    client_for, coordinator, student, world
):
    browser = client_for(coordinator, csrf=True, language="en")
    before = every_row()
    gets = api_gets()
    assert len(gets) > 20  # the whole API, not an empty schema

    for path, names in gets:
        query = {name: world["query"][name] for name in names if name in world["query"]}
        response = browser.get(fill(path, world["path"]), query, HTTP_REFERER=ATTACKER)
        assert response.status_code != 500, path  # 503: no directory is configured

    assert every_row() == before
    assert not handed_out(student)
    assert not AccessLogEntry.objects.filter(action=AccessAction.CLASS_LIST).exists()
    assert "/api/v1/class-lists" not in [path for path, _names in gets]


def test_no_get_of_a_web_page_changes_a_row_or_hands_out_a_password(
    client_for, coordinator, student, world
):
    browser = client_for(coordinator, csrf=True, language="en")
    before = every_row()
    names = web_urls()
    assert "accounts:school_class_lists_download" in names

    for name, route in names.items():
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        url = reverse(name, kwargs={param: world["path"][param] for param in params})
        response = browser.get(url, HTTP_REFERER=ATTACKER)
        assert response.status_code < 500, url

    assert every_row() == before
    assert not handed_out(student)
    assert not AccessLogEntry.objects.filter(action=AccessAction.CLASS_LIST).exists()
