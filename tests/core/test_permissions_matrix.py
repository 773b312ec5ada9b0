"""Every API endpoint × every role, for an object of school A and one of school B.

The endpoints come from the API's OpenAPI schema, so a new endpoint cannot be forgotten:
it fails here until EXPECTED has a row for it. The rows follow core.permissions.GRANTS:
a role without the capability gets 403 whatever the object; an object outside the actor's
schools is 404. The coordinator and the teacher work for school A only.
"""

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import ClassTeacher, DirectorySyncRun, PersonRole
from core.tokens import api_token_create
from imports.models import ImportJob
from lernstatt.api import api
from scheduling.booking import device_hold
from scheduling.models import Loan
from stocktaking.models import Scan, Stocktaking
from stocktaking.services import scan_record, stocktaking_start
from tests.accounts.factories import PersonFactory, SchoolClassFactory, teaches
from tests.factories import (
    DeviceFactory,
    DeviceModelFactory,
    RoomFactory,
    UserFactory,
)
from tests.scheduling.factories import LoanFactory

ROLES = ("it_admin", "coordinator", "teacher", "city_staff", "anonymous")
SIDES = ("A", "B")


def row(it_admin, coordinator, teacher, city_staff) -> dict[str, tuple[int, int]]:
    """Expected statuses per role; an int is the same for school A's and school B's object,
    a tuple is (A, B). Anonymous requests are always 401."""
    given = {
        "it_admin": it_admin,
        "coordinator": coordinator,
        "teacher": teacher,
        "city_staff": city_staff,
        "anonymous": 401,
    }
    return {role: s if isinstance(s, tuple) else (s, s) for role, s in given.items()}


# The school A/B objects: a school, an empty room, a device (no room), and for the device
# models, which belong to no school, one unused model. "B" of a token is another user's.
EXPECTED: dict[tuple[str, str], dict[str, tuple[int, int]]] = {
    ("GET", "/api/v1/me"): row(200, 200, 200, 200),
    ("GET", "/api/v1/me/tokens"): row(200, 200, 200, 200),
    ("POST", "/api/v1/me/tokens"): row(201, 201, 201, 201),
    ("DELETE", "/api/v1/me/tokens/{token_id}"): row((200, 404), (200, 404), (200, 404), (200, 404)),
    # schools: everyone may look (in their reach); only IT admins change them
    ("GET", "/api/v1/schools"): row(200, 200, 200, 200),
    ("POST", "/api/v1/schools"): row(201, 403, 403, 403),
    ("GET", "/api/v1/schools/{number}"): row(200, (200, 404), (200, 404), 200),
    ("PATCH", "/api/v1/schools/{number}"): row(200, 403, 403, 403),
    # 409: the IT admin may, but both schools still have rooms and devices
    ("DELETE", "/api/v1/schools/{number}"): row(409, 403, 403, 403),
    # rooms: city staff see none; teachers look; coordinators change their schools' rooms
    ("GET", "/api/v1/rooms"): row(200, 200, 200, 403),
    ("POST", "/api/v1/rooms"): row(201, (201, 404), 403, 403),
    ("GET", "/api/v1/rooms/{room_id}"): row(200, (200, 404), (200, 404), 403),
    ("PATCH", "/api/v1/rooms/{room_id}"): row(200, (200, 404), 403, 403),
    ("DELETE", "/api/v1/rooms/{room_id}"): row(204, (204, 404), 403, 403),
    # device models: a catalogue shared by all schools
    ("GET", "/api/v1/device-models"): row(200, 200, 200, 200),
    ("POST", "/api/v1/device-models"): row(201, 201, 403, 403),
    ("GET", "/api/v1/device-models/{model_id}"): row(200, 200, 200, 200),
    # models are shared by all schools: coordinators add them, only IT admins change them
    ("PATCH", "/api/v1/device-models/{model_id}"): row(200, 403, 403, 403),
    ("DELETE", "/api/v1/device-models/{model_id}"): row(204, 403, 403, 403),
    # devices: IT admins and coordinators (their schools); only IT admins delete
    ("GET", "/api/v1/devices"): row(200, 200, 403, 403),
    ("POST", "/api/v1/devices"): row(201, (201, 404), 403, 403),
    ("GET", "/api/v1/devices/{asset_tag}"): row(200, (200, 404), 403, 403),
    ("PATCH", "/api/v1/devices/{asset_tag}"): row(200, (200, 404), 403, 403),
    ("DELETE", "/api/v1/devices/{asset_tag}"): row(204, 403, 403, 403),
    ("GET", "/api/v1/devices/{asset_tag}/history"): row(200, (200, 404), 403, 403),
    ("GET", "/api/v1/devices/export"): row(200, 200, 403, 403),
    # asset labels: whoever sees the devices, for their schools
    ("GET", "/api/v1/labels/templates"): row(200, 200, 403, 403),
    ("POST", "/api/v1/labels"): row(200, (200, 404), 403, 403),
    # imports: a job is seen by its creator and by IT admins; coordinators for their schools
    ("POST", "/api/v1/imports/devices"): row(202, (202, 404), 403, 403),
    ("GET", "/api/v1/imports/{job_id}"): row(200, (200, 404), 403, 403),
    ("POST", "/api/v1/imports/{job_id}/confirm"): row(202, (202, 404), 403, 403),
    ("POST", "/api/v1/imports/{job_id}/recheck"): row(202, (202, 404), 403, 403),
    # directory sync: the matrix runs without a directory (see _no_directory), so whoever
    # may sync that school gets 503 where a configured directory would answer 200/202
    ("GET", "/api/v1/directory/plan"): row(503, (503, 404), 403, 403),
    ("POST", "/api/v1/directory/sync"): row(503, (503, 404), 403, 403),
    ("GET", "/api/v1/directory/runs"): row(200, 200, 403, 403),
    ("GET", "/api/v1/directory/runs/{run_id}"): row(200, (200, 404), 403, 403),
    # loans: the loan of each side is reserved and was requested by the teacher (A) or a
    # stranger (B); teachers request and see their own, coordinators manage their schools'.
    # 409: allowed, but the loan is already approved / not handed out yet
    ("POST", "/api/v1/loans"): row(201, (201, 404), (201, 404), 403),
    ("GET", "/api/v1/loans"): row(200, 200, 200, 403),
    ("GET", "/api/v1/loans/availability"): row(200, 200, 200, 403),
    ("GET", "/api/v1/loans/calendar"): row(200, (200, 404), 403, 403),
    ("GET", "/api/v1/loan-counts"): row(200, 200, 403, 200),
    # the loan list as a file: teachers get their own requests; city staff never get names
    ("GET", "/api/v1/loans/export"): row(200, 200, 200, 403),
    ("GET", "/api/v1/loans/{loan_id}"): row(200, (200, 404), (200, 404), 403),
    ("POST", "/api/v1/loans/{loan_id}/approve"): row(409, (409, 404), 403, 403),
    ("POST", "/api/v1/loans/{loan_id}/reject"): row(409, (409, 404), 403, 403),
    ("POST", "/api/v1/loans/{loan_id}/cancel"): row(200, (200, 404), (200, 404), 403),
    ("POST", "/api/v1/loans/{loan_id}/handout"): row(200, (200, 404), 403, 403),
    ("POST", "/api/v1/loans/{loan_id}/return"): row(409, (409, 404), 403, 403),
    ("POST", "/api/v1/loans/{loan_id}/extend"): row(200, (200, 404), 403, 403),
    ("POST", "/api/v1/loans/{loan_id}/lost"): row(409, (409, 404), 403, 403),
    # the loan agreement PDF: the loans are reserved, so it prints
    ("GET", "/api/v1/loans/{loan_id}/agreement.pdf"): row(200, (200, 404), 403, 403),
    # roster imports: IT admins and coordinators (their schools); the school is required
    ("POST", "/api/v1/imports/students"): row(202, (202, 404), 403, 403),
    ("POST", "/api/v1/imports/teachers"): row(202, (202, 404), 403, 403),
    # classes and people: teachers look at their school's; coordinators change them
    ("GET", "/api/v1/classes"): row(200, 200, 200, 403),
    ("POST", "/api/v1/classes"): row(201, (201, 404), 403, 403),
    ("GET", "/api/v1/classes/{class_id}"): row(200, (200, 404), (200, 404), 403),
    ("PATCH", "/api/v1/classes/{class_id}"): row(200, (200, 404), 403, 403),
    # who teaches a class: read by who sees the class, set by who edits classes (the person
    # is a teacher of the class's school who teaches it)
    ("GET", "/api/v1/classes/{class_id}/teachers"): row(200, (200, 404), (200, 404), 403),
    ("PUT", "/api/v1/classes/{class_id}/teachers/{person_id}"): row(200, (200, 404), 403, 403),
    ("DELETE", "/api/v1/classes/{class_id}/teachers/{person_id}"): row(204, (204, 404), 403, 403),
    ("DELETE", "/api/v1/classes/{class_id}"): row(204, (204, 404), 403, 403),
    ("GET", "/api/v1/people"): row(200, 200, 200, 403),
    ("POST", "/api/v1/people"): row(201, (201, 404), 403, 403),
    # the person is a teacher: a teacher sees the students of their own classes and no
    # colleague (tests/security/test_teacher_classes.py)
    ("GET", "/api/v1/people/{person_id}"): row(200, (200, 404), (404, 404), 403),
    ("PATCH", "/api/v1/people/{person_id}"): row(200, (200, 404), 403, 403),
    # class lists: whoever views a school's people (a teacher: the lists of their classes);
    # the passwords only for those who hand them out (tests/accounts/test_classlists.py)
    ("POST", "/api/v1/class-lists"): row(200, (200, 404), (200, 404), 403),
    # password reset: the person is a teacher who has no directory entry yet (409); a
    # teacher resets students only (tests/accounts/test_password_reset.py)
    ("POST", "/api/v1/people/{person_id}/password-reset"): row(409, (409, 404), 404, 403),
    # privacy: the Art. 15 export and the access log are for IT admins alone
    ("GET", "/api/v1/people/{person_id}/export"): row(200, 403, 403, 403),
    ("GET", "/api/v1/access-log"): row(200, 403, 403, 403),
    # stock-taking: each side's is open and covers the classroom of a class the teacher
    # leads on side A; teachers scan there and see it, they do not start, close or move;
    # city staff see none. 409: the protocol comes once it is closed
    ("POST", "/api/v1/stocktakings"): row(201, (201, 404), 403, 403),
    ("GET", "/api/v1/stocktakings"): row(200, 200, 200, 403),
    ("GET", "/api/v1/stocktakings/{stocktaking_id}"): row(200, (200, 404), (200, 404), 403),
    ("POST", "/api/v1/stocktakings/{stocktaking_id}/scans"): row(201, (201, 404), (201, 404), 403),
    ("POST", "/api/v1/stocktakings/{stocktaking_id}/scans/{scan_id}/move"): row(
        200, (200, 404), 403, 403
    ),
    ("GET", "/api/v1/stocktakings/{stocktaking_id}/missing"): row(200, (200, 404), 403, 403),
    ("POST", "/api/v1/stocktakings/{stocktaking_id}/close"): row(200, (200, 404), 403, 403),
    ("GET", "/api/v1/stocktakings/{stocktaking_id}/protocol.pdf"): row(409, (409, 404), 403, 403),
    ("GET", "/api/v1/stocktakings/{stocktaking_id}/protocol.xlsx"): row(409, (409, 404), 403, 403),
}


def api_endpoints() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return sorted(
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    )


ENDPOINTS = api_endpoints()


def test_every_endpoint_has_a_row_in_the_matrix():
    missing = [f"{method} {path}" for method, path in ENDPOINTS if (method, path) not in EXPECTED]
    assert not missing, (
        "No expected statuses for: "
        + ", ".join(missing)
        + ". Add a row per endpoint to EXPECTED in tests/core/test_permissions_matrix.py "
        "(and a request body or path value below if it needs one)."
    )


def previewed_job(user) -> ImportJob:
    counts = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
    return ImportJob.objects.create(
        kind="devices",
        created_by=user,
        filename="x.csv",
        content=b"",
        status="previewed",
        report={"counts": counts, "rows": []},
    )


def reserved_loan(school, *, requested_by) -> Loan:
    """A loan of a student of the school, reserved from tomorrow for ten days."""
    device = DeviceFactory(asset_tag=f"L-{school.number}", school=school, lendable=True)
    # The school lends tablets too, so a tablet can be requested for the same student.
    DeviceFactory(
        asset_tag=f"T-{school.number}",
        school=school,
        lendable=True,
        model__category="tablet",
        status="in_repair",
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    loan = LoanFactory(
        student__school=school,
        requested_by=requested_by,
        starts_on=tomorrow,
        ends_on=tomorrow + timedelta(days=9),
    )
    return device_hold(loan, device)


def open_stocktaking(side, it_admin) -> tuple[Stocktaking, Scan]:
    """An open stock-taking of the side's school and a scan of its device (which has no
    room) found elsewhere: in the classroom of a class of the school."""
    classroom = RoomFactory(school=side.school, name=f"Klassenraum {side.school.number}")
    side.classroom = classroom
    side.classroom_class = SchoolClassFactory(school=side.school, name="9k", room=classroom)
    stocktaking = stocktaking_start(actor=it_admin, school_number=side.school.number)
    scan = scan_record(
        actor=it_admin,
        stocktaking=stocktaking,
        client_id="world",
        code=side.device.asset_tag,
        room_id=classroom.pk,
    ).scan
    return stocktaking, scan


@pytest.fixture(autouse=True)
def _no_directory(settings):
    # Explicit, so an LDAP_URL in the environment cannot change the expected statuses.
    settings.LDAP_URL = ""


@pytest.fixture
def world(school_a, school_b, role_users):
    """School A's and school B's objects, and a token of each user plus one of a stranger."""
    stranger = UserFactory(username="fremd")
    model_a, model_b = DeviceModelFactory(), DeviceModelFactory()
    sides = {
        "A": SimpleNamespace(
            school=school_a,
            room=RoomFactory(school=school_a, name="A-101"),
            device=DeviceFactory(asset_tag="A-1", school=school_a, model=model_a),
            model=DeviceModelFactory(name="Unused A"),
            job=previewed_job(role_users["coordinator"]),
            loan=reserved_loan(school_a, requested_by=role_users["teacher"]),
            school_class=SchoolClassFactory(school=school_a, name="5a"),
            person=PersonFactory(school=school_a, role=PersonRole.TEACHER, school_class=None),
        ),
        "B": SimpleNamespace(
            school=school_b,
            room=RoomFactory(school=school_b, name="B-101"),
            device=DeviceFactory(asset_tag="B-1", school=school_b, model=model_b),
            model=DeviceModelFactory(name="Unused B"),
            job=previewed_job(stranger),
            loan=reserved_loan(school_b, requested_by=stranger),
            school_class=SchoolClassFactory(school=school_b, name="5a"),
            person=PersonFactory(school=school_b, role=PersonRole.TEACHER, school_class=None),
        ),
    }
    tokens = {
        user.username: api_token_create(user=user, name="x")[0] for user in role_users.values()
    }
    stranger_token = api_token_create(user=stranger, name="x")[0]
    for side in sides.values():
        ClassTeacher.objects.create(school_class=side.school_class, teacher=side.person)
    # The teacher teaches school A's class and the class of the loan's student.
    teaches(role_users["teacher"], sides["A"].school_class, sides["A"].loan.student.school_class)
    for side in sides.values():
        side.stocktaking, side.scan = open_stocktaking(side, role_users["it_admin"])
    teaches(role_users["teacher"], sides["A"].classroom_class, class_teacher=True)
    return SimpleNamespace(
        sides=sides, tokens=tokens, stranger_token=stranger_token, model_a=model_a
    )


def path_values(world, side: str, user) -> dict:
    objects = world.sides[side]
    own_token = world.tokens.get(getattr(user, "username", ""), world.stranger_token)
    return {
        "number": objects.school.number,
        "room_id": objects.room.id,
        # Device models belong to no school: both sides use an unused one.
        "model_id": objects.model.id,
        "asset_tag": objects.device.asset_tag,
        "token_id": own_token.id if side == "A" else world.stranger_token.id,
        "job_id": objects.job.id,
        "loan_id": objects.loan.id,
        "class_id": objects.school_class.id,
        "person_id": objects.person.id,
        "run_id": DirectorySyncRun.objects.get_or_create(school=objects.school)[0].id,
        "stocktaking_id": objects.stocktaking.id,
        "scan_id": objects.scan.id,
    }


def request_data(method: str, path: str, world, side: str) -> dict | None:
    objects = world.sides[side]
    bodies = {
        ("POST", "/api/v1/me/tokens"): {"name": "Skript"},
        ("POST", "/api/v1/schools"): {"number": f"17700{SIDES.index(side)}", "name": "Neu"},
        ("PATCH", "/api/v1/schools/{number}"): {"city": "Neustadt"},
        ("POST", "/api/v1/rooms"): {"school": objects.school.number, "name": "Neu"},
        ("PATCH", "/api/v1/rooms/{room_id}"): {"building": "Altbau"},
        ("POST", "/api/v1/device-models"): {
            "manufacturer": "HP",
            "name": f"ProBook {side}",
            "category": "laptop",
        },
        ("PATCH", "/api/v1/device-models/{model_id}"): {"category": "tablet"},
        ("POST", "/api/v1/devices"): {
            "asset_tag": f"NEU-{side}",
            "model": world.model_a.id,
            "school": objects.school.number,
        },
        ("PATCH", "/api/v1/devices/{asset_tag}"): {"notes": "geprüft"},
        ("POST", "/api/v1/labels"): {"asset_tags": [objects.device.asset_tag]},
        ("POST", "/api/v1/imports/devices"): {
            "file": SimpleUploadedFile("inventar.csv", b"Inventarnummer;Modell\r\nX-1;Y\r\n"),
            "school": objects.school.number,
        },
        ("POST", "/api/v1/imports/{job_id}/confirm"): {},
        ("POST", "/api/v1/imports/{job_id}/recheck"): {"date_order": "mdy"},
        ("POST", "/api/v1/directory/sync"): {"school": objects.school.number},
        ("POST", "/api/v1/loans"): {
            "students": [objects.loan.student_id],
            "category": "tablet",
            "starts_on": objects.loan.starts_on.isoformat(),
            "ends_on": objects.loan.ends_on.isoformat(),
            "reason": "quarantine",
        },
        ("POST", "/api/v1/loans/{loan_id}/approve"): {},
        ("POST", "/api/v1/loans/{loan_id}/reject"): {"reason": "Kein Bedarf"},
        ("POST", "/api/v1/loans/{loan_id}/cancel"): {},
        ("POST", "/api/v1/loans/{loan_id}/handout"): {
            "asset_tag": objects.loan.device.asset_tag,
            "guardian_name": "Eltern",
            "agreement_signed": True,
            "start_today": True,  # the loan starts tomorrow
        },
        ("POST", "/api/v1/loans/{loan_id}/return"): {},
        ("POST", "/api/v1/loans/{loan_id}/extend"): {
            "ends_on": (objects.loan.ends_on + timedelta(days=7)).isoformat()
        },
        ("POST", "/api/v1/loans/{loan_id}/lost"): {},
        ("POST", "/api/v1/people/{person_id}/password-reset"): {},
        ("POST", "/api/v1/class-lists"): {"school": objects.school.number},
        ("POST", "/api/v1/imports/students"): {
            "file": SimpleUploadedFile("schueler.csv", b"Klasse;Nachname;Vorname\r\n"),
            "school": objects.school.number,
        },
        ("POST", "/api/v1/imports/teachers"): {
            "file": SimpleUploadedFile("lehrer.csv", b"Nachname;Vorname\r\n"),
            "school": objects.school.number,
        },
        ("POST", "/api/v1/classes"): {"school": objects.school.number, "name": "Neu"},
        ("PATCH", "/api/v1/classes/{class_id}"): {"name": "5b"},
        ("PUT", "/api/v1/classes/{class_id}/teachers/{person_id}"): {"is_class_teacher": True},
        ("POST", "/api/v1/people"): {
            "school": objects.school.number,
            "role": "staff",
            "first_name": "Hans",
            "last_name": f"Hauswart {side}",
        },
        ("PATCH", "/api/v1/people/{person_id}"): {"first_name": "Neu"},
        ("POST", "/api/v1/stocktakings"): {"school": objects.school.number},
        ("POST", "/api/v1/stocktakings/{stocktaking_id}/scans"): {
            "client_id": f"matrix-{side}",
            "code": objects.device.asset_tag,
            "room_id": objects.classroom.id,
            "scanned_at": "2026-12-03T10:15:00+01:00",
        },
        ("POST", "/api/v1/stocktakings/{stocktaking_id}/scans/{scan_id}/move"): {},
        ("POST", "/api/v1/stocktakings/{stocktaking_id}/close"): {"lost": []},
    }
    if method in {"POST", "PATCH", "PUT"}:
        assert (method, path) in bodies, f"No request body for {method} {path}: add one."
        return bodies[(method, path)]
    if method == "GET" and path in {
        "/api/v1/devices",
        "/api/v1/rooms",
        "/api/v1/devices/export",
        "/api/v1/directory/plan",
    }:
        return {"school": objects.school.number}
    if method == "GET" and path == "/api/v1/loans/availability":
        return {"category": "laptop", "starts_on": "2030-01-07", "ends_on": "2030-01-11"}
    if method == "GET" and path == "/api/v1/loans/calendar":
        return {"school": objects.school.number}
    return None


def call(client: Client, method: str, url: str, data: dict | None):
    if method == "GET":
        return client.get(url, data or {})
    if data is None:
        return client.generic(method, url)
    if any(hasattr(value, "read") for value in data.values()):
        return client.post(url, data)  # a file upload: multipart, as a browser sends it
    return client.generic(method, url, json.dumps(data), "application/json")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_status_for_an_object_of_school_a_and_of_school_b(world, role_users, method, path, role):
    if (method, path) not in EXPECTED:
        pytest.fail(f"No expected statuses for {method} {path}: add a row to EXPECTED.")
    user = role_users.get(role)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    got = []
    for side in SIDES:
        try:
            url = path.format(**path_values(world, side, user))
        except KeyError as exc:
            pytest.fail(f"No value for the path parameter {exc} of {path}: add it to path_values.")
        response = call(client, method, url, request_data(method, path, world, side))
        got.append(response.status_code)
        if response.status_code >= 400:
            assert set(response.json()) == {"message", "code", "errors"}
    assert tuple(got) == EXPECTED[(method, path)][role]
