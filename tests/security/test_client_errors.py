"""Server errors where a client error belongs, from the attacker's side: whatever a script
with a valid API token sends — an offset no database can count to, the deletion of a row
that others still refer to, a body that is not what its Content-Type says — the answer is
a 4xx in the API's one error shape, never a 500 (which says "our fault", hides the real
reason from the client, and fills the error log on demand). On PostgreSQL (the CI's
second run) the offset would otherwise reach the database as "bigint out of range"."""

import pytest
from django.test import Client

from accounts.models import PersonRole
from core.pagination import MAX_OFFSET
from core.tokens import api_token_create
from imports.models import ImportJob
from inventory.models import Device, DeviceHistory, Status
from lernstatt.api import api
from scheduling.models import LoanStatus
from tests.accounts.factories import PersonFactory, SchoolClassFactory
from tests.factories import DeviceFactory, DeviceModelFactory, RoomFactory
from tests.scheduling.factories import LoanFactory

pytestmark = pytest.mark.django_db

OPENAPI = api.get_openapi_schema()


def operations(predicate) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, methods in OPENAPI["paths"].items()
        for method, operation in methods.items()
        if predicate(operation)
    ]


def _takes_offset(operation: dict) -> bool:
    return any(p["name"] == "offset" for p in operation.get("parameters", []))


LISTS = [path for method, path in operations(_takes_offset) if method == "GET"]
WITH_BODY = operations(lambda operation: "requestBody" in operation)
UPLOADS = [
    path
    for method, path in WITH_BODY
    if "multipart/form-data" in OPENAPI["paths"][path][method.lower()]["requestBody"]["content"]
]


@pytest.fixture
def script(it_admin):
    """A client as a script is one: an IT admin's API token, no session, no CSRF token,
    and it sees what the server answers (the test client would raise instead)."""
    _token, key = api_token_create(user=it_admin, name="angreifer")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")
    client.raise_request_exception = False
    return client


@pytest.fixture
def path_args(school_a, it_admin):
    """A real row for every path parameter a list has, so a list is reached, not a 404."""
    device = DeviceFactory(school=school_a, asset_tag="NB-0815")
    job = ImportJob.objects.create(
        kind="devices",
        created_by=it_admin,
        filename="inventar.csv",
        content=b"",
        status=ImportJob.Status.PREVIEWED,
        report={"counts": {}, "rows": [{"row": 2, "outcome": "create", "errors": []}]},
    )
    return {"asset_tag": device.asset_tag, "job_id": job.pk}


def assert_client_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) == {"message", "code", "errors"}
    assert code is None or body["code"] == code
    assert body["message"]
    return body


# -- offsets --------------------------------------------------------------------------------


def test_every_list_of_the_api_is_checked():
    assert {
        "/api/v1/devices",
        "/api/v1/schools",
        "/api/v1/loans",
        "/api/v1/people",
        "/api/v1/imports/{job_id}",
        "/api/v1/directory/plan",
    } <= set(LISTS)


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    "offset", ["99999999999999999999", str(2**63), str(MAX_OFFSET + 1), "-1", "1e400"]
)
def test_an_offset_no_database_can_count_to_is_422_naming_the_offset_on_every_list(
    script, path_args, path, offset
):
    response = script.get(path.format(**path_args), {"offset": offset})

    body = assert_client_error(response, 422, "validation_failed")
    assert [error["field"] for error in body["errors"]] == ["offset"]


@pytest.mark.parametrize("path", LISTS)
def test_the_largest_offset_allowed_reaches_the_database_and_gives_an_empty_page(
    request, script, path_args, path
):
    if path.startswith("/api/v1/directory/"):
        request.getfixturevalue("ldap_directory")

    response = script.get(path.format(**path_args), {"offset": MAX_OFFSET})

    assert response.status_code == 200, response.content
    body = response.json()
    assert [body[key] for key in ("items", "rows", "changes") if key in body] == [[]]


# -- deleting what others refer to ----------------------------------------------------------


@pytest.mark.parametrize(
    "status", [LoanStatus.REQUESTED, LoanStatus.ON_LOAN, LoanStatus.RETURNED, LoanStatus.LOST]
)
def test_deleting_a_device_that_loans_refer_to_is_409_saying_to_retire_it_and_deletes_nothing(
    script, school_a, status
):
    device = DeviceFactory(school=school_a, asset_tag="NB-0815")
    LoanFactory(device=device, student__school=school_a, status=status)

    response = script.delete("/api/v1/devices/NB-0815")

    body = assert_client_error(response, 409, "device_has_loans")
    assert body["message"] == (
        "Device NB-0815 has loans, so it cannot be deleted. Retire it instead: set its status "
        "to Retired."
    )
    assert Device.objects.filter(pk=device.pk).exists()
    assert not DeviceHistory.objects.filter(action=DeviceHistory.Action.DELETE).exists()
    retired = script.patch(
        "/api/v1/devices/NB-0815", {"status": Status.RETIRED}, content_type="application/json"
    )
    assert retired.status_code == 200
    assert retired.json()["status"] == Status.RETIRED


def test_the_refusal_to_delete_a_device_with_loans_is_german_by_default(script, school_a):
    device = DeviceFactory(school=school_a, asset_tag="NB-0815")
    LoanFactory(device=device, student__school=school_a)

    response = script.delete("/api/v1/devices/NB-0815", HTTP_ACCEPT_LANGUAGE="de")

    body = assert_client_error(response, 409, "device_has_loans")
    assert body["message"] == (
        "Das Gerät NB-0815 hat Ausleihen und kann daher nicht gelöscht werden. Mustern Sie es "
        "stattdessen aus: Setzen Sie seinen Status auf „Ausgemustert“."
    )


def _school_with_a_class(school):
    SchoolClassFactory(school=school)
    return f"/api/v1/schools/{school.number}"


def _school_with_a_teacher(school):
    PersonFactory(school=school, role=PersonRole.TEACHER, school_class=None)
    return f"/api/v1/schools/{school.number}"


def _school_with_a_device(school):
    DeviceFactory(school=school)
    return f"/api/v1/schools/{school.number}"


def _room_with_a_device(school):
    room = RoomFactory(school=school)
    DeviceFactory(school=school, room=room)
    return f"/api/v1/rooms/{room.pk}"


def _model_with_a_device(school):
    model = DeviceModelFactory()
    DeviceFactory(school=school, model=model)
    return f"/api/v1/device-models/{model.pk}"


def _class_with_a_student(school):
    school_class = SchoolClassFactory(school=school)
    PersonFactory(school=school, school_class=school_class)
    return f"/api/v1/classes/{school_class.pk}"


def _device_with_a_loan(school):
    device = DeviceFactory(school=school)
    LoanFactory(device=device, student__school=school, status=LoanStatus.RETURNED)
    return f"/api/v1/devices/{device.asset_tag}"


@pytest.mark.parametrize(
    "referred_to",
    [
        _school_with_a_class,
        _school_with_a_teacher,
        _school_with_a_device,
        _room_with_a_device,
        _model_with_a_device,
        _class_with_a_student,
        _device_with_a_loan,
    ],
)
def test_deleting_anything_that_other_rows_still_refer_to_is_409_and_it_stays(
    script, school_a, referred_to
):
    path = referred_to(school_a)

    response = script.delete(path)

    assert_client_error(response, 409)
    assert script.get(path).status_code == 200


# -- bodies that are not what their Content-Type says ---------------------------------------

# Form bodies Django cannot parse (multipart, as an upload is, or urlencoded).
BROKEN_UPLOADS = {
    "no boundary": ("multipart/form-data", b"--x\r\nContent-Disposition: form-data", {}),
    "a boundary that is not ASCII": ("multipart/form-data; boundary=\xe4", b"abc", {}),
    "a boundary with spaces only": ('multipart/form-data; boundary="   "', b"abc", {}),
    "a negative length": ("multipart/form-data; boundary=x", b"--x", {"CONTENT_LENGTH": "-1"}),
    "a form not in UTF-8": ("application/x-www-form-urlencoded; charset=latin-1", b"a=\xe4", {}),
}


def test_every_upload_of_the_api_is_checked():
    assert {
        "/api/v1/imports/devices",
        "/api/v1/imports/students",
        "/api/v1/imports/teachers",
    } <= set(UPLOADS)


@pytest.mark.parametrize("path", UPLOADS)
@pytest.mark.parametrize("broken", BROKEN_UPLOADS, ids=str)
def test_a_broken_upload_is_400_in_the_error_shape_and_starts_no_import(
    script, school_a, path, broken
):
    content_type, body, extra = BROKEN_UPLOADS[broken]

    response = script.generic("POST", path, body, content_type=content_type, **extra)

    body = assert_client_error(response, 400, "malformed_request")
    assert body["message"] == (
        "The request could not be read: its body is malformed or not of its Content-Type."
    )
    assert not ImportJob.objects.exists()


def test_the_refusal_of_a_broken_upload_is_german_by_default(script, school_a):
    response = script.generic(
        "POST", "/api/v1/imports/devices", b"abc", "multipart/form-data", HTTP_ACCEPT_LANGUAGE="de"
    )

    body = assert_client_error(response, 400, "malformed_request")
    assert body["message"] == (
        "Die Anfrage konnte nicht gelesen werden: Ihr Inhalt ist fehlerhaft oder passt nicht zu "
        "ihrem Content-Type."
    )


BROKEN_BODIES = {
    **BROKEN_UPLOADS,
    "JSON cut off": ("application/json", b'{"asset_tag": "NB-', {}),
    "JSON not in UTF-8": ("application/json", b'{"name": "\xe4"}', {}),
    "JSON nested deeper than any parser goes": ("application/json", b"[" * 100_000, {}),
    "JSON with a number of 5000 digits": ("application/json", b'{"a": ' + b"9" * 5000 + b"}", {}),
}


PATH_IDS = [
    "room_id", "model_id", "job_id", "class_id", "person_id", "loan_id", "token_id",
    "stocktaking_id", "scan_id",
]  # fmt: skip


@pytest.mark.parametrize(("method", "path"), WITH_BODY)
@pytest.mark.parametrize("broken", BROKEN_BODIES, ids=str)
def test_every_operation_answers_a_broken_body_with_a_client_error_in_the_error_shape(
    script, school_a, method, path, broken
):
    content_type, body, extra = BROKEN_BODIES[broken]
    url = path.format(number=school_a.number, asset_tag="NB-0815", **dict.fromkeys(PATH_IDS, 1))

    response = script.generic(method, url, body, content_type=content_type, **extra)

    assert 400 <= response.status_code < 500, response.content
    assert set(response.json()) == {"message", "code", "errors"}


def test_a_body_larger_than_the_api_reads_is_a_client_error(script, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = script.generic(
        "POST", "/api/v1/imports/devices", b"a=" + b"x" * 2000, "application/x-www-form-urlencoded"
    )

    assert_client_error(response, 413, "request_too_large")


def test_a_json_body_larger_than_the_api_reads_is_413_in_the_error_shape(script, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = script.generic(
        "POST", "/api/v1/rooms", b'{"name": "' + b"x" * 2000 + b'"}', "application/json"
    )

    assert_client_error(response, 413, "request_too_large")
