"""Every web page, for every role: the status a GET gets, from a table with one row per
named URL of the URL configuration. A new page without a row fails the test by name, so
nobody adds a page without deciding who may open it. The API (its own matrix), the admin
site, the language switch and static files are not web pages of this table.

Path parameters are objects of school A (the coordinator's and the teacher's school).
Statuses: 200 opens; 302 anonymous visitors go to the login page; 403 the role may not;
404 the object is outside the user's schools (or not theirs, for imports); 405 the URL
takes POST only (and refuses an anonymous POST, checked separately)."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import DirectorySyncRun
from core.models import Role
from imports.models import ImportJob
from stocktaking.services import scan_record, stocktaking_start
from tests.accounts.factories import PersonFactory, SchoolClassFactory, teaches
from tests.factories import UserFactory
from tests.scheduling.factories import LoanFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "teacher", "coordinator_a", "coordinator_b", "it_admin", "city_staff")
SKIPPED_PREFIXES = ("api/", "admin/", "i18n/", "static/", "media/")


def row(anonymous, teacher, coordinator_a, coordinator_b, it_admin, city_staff):
    return dict(
        zip(
            ROLES,
            (anonymous, teacher, coordinator_a, coordinator_b, it_admin, city_staff),
            strict=True,
        )
    )


# name -> expected status for: anonymous, teacher, coordinator of school A, coordinator of
# school B, IT admin, city staff. A loan's own page is for those who manage loans and for
# the teacher who requested it (the loan here is the teacher's request); its other pages
# are for those who manage loans. Handout, return and "lost" send a request
# that is not approved yet back to its page (302).
MATRIX = {
    "accounts:class_detail": row(302, 200, 200, 404, 200, 403),
    "accounts:class_list": row(302, 200, 200, 200, 200, 403),
    "accounts:class_list_download": row(302, 405, 405, 405, 405, 405),
    "accounts:class_teacher_remove": row(302, 405, 405, 405, 405, 405),
    "accounts:class_teacher_set": row(302, 405, 405, 405, 405, 405),
    "accounts:directory_run": row(302, 403, 200, 404, 200, 403),
    "accounts:directory_run_list": row(302, 403, 200, 200, 200, 403),
    "accounts:directory_sync": row(302, 403, 200, 200, 200, 403),
    "accounts:directory_sync_start": row(302, 405, 405, 405, 405, 405),
    "accounts:person_detail": row(302, 200, 200, 404, 200, 403),
    "accounts:person_list": row(302, 200, 200, 200, 200, 403),
    "accounts:person_password_reset": row(302, 200, 200, 404, 200, 403),
    "accounts:school_class_lists_download": row(302, 405, 405, 405, 405, 405),
    "home": row(302, 200, 200, 200, 200, 200),
    "inventory:device_bulk": row(302, 405, 405, 405, 405, 405),
    "inventory:device_create": row(302, 403, 200, 200, 200, 403),
    "inventory:device_detail": row(302, 403, 200, 404, 200, 403),
    "inventory:device_edit": row(302, 403, 200, 404, 200, 403),
    "inventory:device_list": row(302, 403, 200, 200, 200, 403),
    # the address in a label's QR code: the device's page (302) for whoever may see it
    "inventory:device_link": row(302, 403, 302, 404, 302, 403),
    "inventory:label_print": row(302, 403, 200, 200, 200, 403),
    "inventory:device_model_create": row(302, 403, 200, 200, 200, 403),
    "inventory:device_model_list": row(302, 403, 200, 200, 200, 403),
    "inventory:room_create": row(302, 403, 200, 404, 200, 403),
    "inventory:room_edit": row(302, 403, 200, 404, 200, 403),
    "inventory:school_create": row(302, 403, 403, 403, 200, 403),
    "inventory:school_edit": row(302, 403, 403, 403, 200, 403),
    "inventory:school_list": row(302, 403, 200, 200, 200, 403),
    "reports:device_report": row(302, 403, 200, 200, 200, 200),
    "portal:export_devices": row(302, 403, 200, 200, 200, 403),
    "portal:export_index": row(302, 200, 200, 200, 200, 403),
    "portal:export_loans": row(302, 200, 200, 200, 200, 403),
    "imports:confirm": row(302, 405, 405, 405, 405, 405),
    "imports:recheck": row(302, 405, 405, 405, 405, 405),
    "imports:detail": row(302, 403, 200, 404, 200, 403),
    "imports:start": row(302, 403, 200, 200, 200, 403),
    "reports:open_data_csv": row(302, 403, 200, 200, 200, 200),
    "reports:open_data_json": row(302, 403, 200, 200, 200, 200),
    "reports:report_detail": row(302, 403, 200, 200, 200, 200),
    "reports:report_index": row(302, 403, 200, 200, 200, 200),
    "reports:report_xlsx": row(302, 403, 200, 200, 200, 200),
    "login": row(200, 302, 302, 302, 302, 302),
    "logout": row(405, 405, 405, 405, 405, 405),
    "scheduling:loan_agreement": row(302, 403, 302, 404, 302, 403),
    "scheduling:loan_approve": row(302, 405, 405, 405, 405, 405),
    "scheduling:loan_cancel": row(302, 405, 405, 405, 405, 405),
    "scheduling:loan_detail": row(302, 200, 200, 404, 200, 403),
    "scheduling:loan_extend": row(302, 405, 405, 405, 405, 405),
    "scheduling:loan_handout": row(302, 403, 302, 404, 302, 403),
    "scheduling:loan_list": row(302, 200, 200, 200, 200, 403),
    "scheduling:loan_lost": row(302, 403, 302, 404, 302, 403),
    "scheduling:loan_on_loan": row(302, 403, 200, 200, 200, 403),
    "scheduling:loan_ready": row(302, 403, 200, 200, 200, 403),
    "scheduling:loan_ready_today": row(302, 403, 200, 404, 200, 403),
    "scheduling:loan_queue": row(302, 403, 200, 200, 200, 403),
    "scheduling:loan_reject": row(302, 405, 405, 405, 405, 405),
    "scheduling:loan_request": row(302, 200, 200, 200, 200, 403),
    "scheduling:loan_return": row(302, 403, 302, 404, 302, 403),
    "scheduling:loan_waiting": row(302, 403, 200, 200, 200, 403),
    # the stock-taking of school A is open and covers the classroom of a class the teacher
    # leads: the teacher sees it and scans there, and does nothing else; the protocol of an
    # open one sends back to its page (302)
    "accounts:class_room_set": row(302, 405, 405, 405, 405, 405),
    "stocktaking:stocktaking_list": row(302, 200, 200, 200, 200, 403),
    "stocktaking:stocktaking_start": row(302, 403, 200, 200, 200, 403),
    "stocktaking:stocktaking_detail": row(302, 200, 200, 404, 200, 403),
    "stocktaking:stocktaking_scan": row(302, 200, 200, 404, 200, 403),
    "stocktaking:scan_stop": row(302, 405, 405, 405, 405, 405),
    "stocktaking:scan_move": row(302, 405, 405, 405, 405, 405),
    "stocktaking:stocktaking_close": row(302, 403, 200, 404, 200, 403),
    "stocktaking:protocol_pdf": row(302, 403, 302, 404, 302, 403),
    "stocktaking:protocol_xlsx": row(302, 403, 302, 404, 302, 403),
}

# The URLs that only take POST: anonymous POSTs must not get through either.
POST_ONLY = {name for name, expected in MATRIX.items() if expected["it_admin"] == 405}


def web_urls() -> dict[str, str]:
    """Every named URL of the URL configuration outside the API, the admin, i18n and static:
    name -> route."""
    names = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(SKIPPED_PREFIXES) or route.lstrip("^").startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"The web URL {route!r} has no name; give it one."
                names[f"{namespace}:{pattern.name}" if namespace else pattern.name] = route

    walk(get_resolver().url_patterns, "", "")
    return names


@pytest.fixture
def users(role_users, school_b):
    return {
        "teacher": role_users["teacher"],
        "coordinator_a": role_users["coordinator"],
        "coordinator_b": UserFactory(username="koord-b", role=Role.COORDINATOR, schools=[school_b]),
        "it_admin": role_users["it_admin"],
        "city_staff": role_users["city_staff"],
    }


@pytest.fixture
def path_args(school_a, device_a, users):
    """One object of school A for every kind of path parameter."""
    school_class = SchoolClassFactory(school=school_a, name="7b")
    teacher = teaches(users["teacher"], school_class)
    student = PersonFactory(school=school_a, school_class=school_class, login="anna.a")
    loan = LoanFactory(student=student, requested_by=users["teacher"])
    job = ImportJob.objects.create(
        kind="devices",
        created_by=users["coordinator_a"],
        filename="inventar.csv",
        content=b"",
        status=ImportJob.Status.APPLIED,
        report={"counts": {}, "rows": []},
    )
    run = DirectorySyncRun.objects.create(started_by=users["it_admin"], school=school_a)
    classroom = SchoolClassFactory(school=school_a, name="7c", room=device_a.room)
    teaches(users["teacher"], classroom, class_teacher=True)
    stocktaking = stocktaking_start(actor=users["it_admin"], school_number=school_a.number)
    scan = scan_record(
        actor=users["it_admin"],
        stocktaking=stocktaking,
        client_id="matrix",
        code=device_a.asset_tag,
        room_id=device_a.room_id,
    ).scan
    return {
        "asset_tag": device_a.asset_tag,
        "job_id": job.pk,
        "loan_id": loan.pk,
        "class_id": school_class.pk,
        "teacher_id": teacher.pk,
        "person_id": student.pk,
        "run_id": run.pk,
        "number": school_a.number,
        "room_id": device_a.room_id,
        "slug": "warranty",
        "stocktaking_id": stocktaking.pk,
        "scan_id": scan.pk,
    }


def url_of(name: str, path_args: dict) -> str:
    """The URL of `name` with its path parameters filled from the fixtures."""
    params = re.findall(r"<(?:\w+:)?(\w+)>", web_urls()[name])
    missing = [param for param in params if param not in path_args]
    assert not missing, f"No fixture fills the path parameters {missing} of {name!r}."
    return reverse(name, kwargs={param: path_args[param] for param in params})


def test_every_web_url_has_a_row_in_the_matrix():
    names = web_urls()
    missing = [name for name in names if name not in MATRIX]
    assert not missing, (
        "Web URLs without a row in tests/web/test_url_matrix.py MATRIX (say who may open "
        f"them): {', '.join(missing)}"
    )
    gone = sorted(set(MATRIX) - set(names))
    assert not gone, f"Rows in MATRIX for URLs that no longer exist: {', '.join(gone)}"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_web_url_answers_each_role_as_the_matrix_says(
    name, client, client_for, users, path_args
):
    url = url_of(name, path_args)
    got = {}
    for role in ROLES:
        visitor = client if role == "anonymous" else client_for(users[role])
        got[role] = visitor.get(url).status_code
    assert got == MATRIX[name], f"{name} ({url})"


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_a_post_only_url_refuses_an_anonymous_post(name, client, path_args):
    response = client.post(url_of(name, path_args))

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith("/login/")
