"""With the demo city loaded (about 3,000 devices, classes, people, loans in every state)
the main pages run a bounded number of queries whatever the data: an N+1 shows here as a
count above the bound. Times are measured by bench/pages.py, never in a test."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Person, PersonRole, SchoolClass
from core.models import User
from demo.services import DEMO_LOGINS
from inventory.models import Device
from scheduling.models import Loan, LoanStatus

pytestmark = pytest.mark.django_db

# (role, address, most queries): session and user are two of them.
PAGES = (
    ("it_admin", "/", 6),  # with the open stock-takings
    ("coordinator", "/", 8),
    ("teacher", "/", 6),
    ("city_staff", "/", 3),
    ("it_admin", "/devices/", 6),
    ("coordinator", "/devices/?q=Lenovo&sort=-purchase_date&page=2", 6),
    ("coordinator", "/devices/{device}/", 8),  # the loans its history names, last seen
    ("city_staff", "/reports/devices-per-school/", 3),
    ("city_staff", "/reports/loans/", 3),
    ("teacher", "/loans/", 5),
    ("coordinator", "/loans/queue/", 6),
    ("coordinator", "/loans/on-loan/", 6),
    ("coordinator", "/loans/{on_loan}/", 6),
    ("teacher", "/classes/", 5),
    ("teacher", "/classes/{school_class}/", 6),  # with the class's teachers
    ("coordinator", "/people/", 6),
    # Five, and one more for the loans of a person who has any.
    ("coordinator", "/people/{person}/", 6),
)


@pytest.fixture
def demo_city():
    call_command("load_demo", stdout=io.StringIO())
    users = {login.role: User.objects.get(username=login.username) for login in DEMO_LOGINS}
    school = users["teacher"].schools.get()
    school_class = SchoolClass.objects.filter(school=school).order_by("name").first()
    objects = {
        "device": Device.objects.filter(school=school).order_by("asset_tag").first().asset_tag,
        "on_loan": Loan.objects.filter(status=LoanStatus.ON_LOAN).order_by("pk").first().pk,
        "school_class": school_class.pk,
        "person": Person.objects.filter(school_class=school_class, role=PersonRole.STUDENT)
        .order_by("pk")
        .first()
        .pk,
    }
    return users, objects


def test_demo_city_pages_run_a_bounded_number_of_queries(client, demo_city):
    users, objects = demo_city
    over = []
    for role, address, most in PAGES:
        client.force_login(users[role])
        url = address.format(**objects)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (role, url, response.status_code)
        if len(queries) > most:
            over.append(f"{role} {url}: {len(queries)} queries, at most {most}")

    assert over == []


def test_a_large_import_preview_page_runs_as_few_queries_as_a_small_one(
    client, demo_city, django_capture_on_commit_callbacks
):
    from inventory.importing.kind import import_job_create

    users, _objects = demo_city
    admin = users["it_admin"]
    header = "Inventarnummer;Seriennummer;Hersteller;Modell;Kategorie;Schulnummer\n"
    counts = {}
    for rows in (5, 1500):
        lines = [
            f"N-{rows}-{n:05d};S{n};Lenovo;ThinkPad L13 Gen 2;Notebook;166021" for n in range(rows)
        ]
        lines.append(f"N-{rows}-bad;S;Lenovo;ThinkPad L13 Gen 2;Notebook;999999")
        content = (header + "\n".join(lines) + "\n").encode()
        with django_capture_on_commit_callbacks(execute=True):
            job = import_job_create(
                actor=admin, upload=io.BytesIO(content), filename="liste.csv", size=len(content)
            )
        client.force_login(admin)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/imports/{job.pk}/")
        assert page.status_code == 200
        assert page.context["error_total"] == 1
        assert page.context["rows_count"] == rows + 1
        counts[rows] = len(queries)

    assert counts[1500] == counts[5] <= 6
