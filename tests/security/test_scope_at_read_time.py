"""Scope is checked when data is read, not only when it was made: from the side of a
coordinator who was moved to another school and goes back to what they once made or saw.
Every stored object — import jobs (their rows and reports), directory sync runs, loans and
their agreements, class lists — is scoped by its school each time it is read: once the
school is out of the reader's reach it is "not found" (404), whoever made it. The IT
admins, who reach every school, still see it all."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AccessAction, AccessLogEntry, AccessVia, DirectorySyncRun, Person
from core.models import Role
from imports.models import ImportJob
from tests.accounts.factories import PersonFactory, SchoolClassFactory
from tests.accounts.roster_files import schild_students
from tests.factories import DeviceModelFactory, UserFactory
from tests.inventory.files import xlsx
from tests.scheduling.factories import LoanFactory

pytestmark = pytest.mark.django_db

STUDENTS = [
    ("5a", "Müller", "Anna", "01.02.2015", "101"),
    ("5a", "Kaya", "Elif", "04.04.2014", "103"),
]
DEVICE_HEADER = ["Inventarnummer", "Hersteller", "Modell", "Kategorie", "Schulnummer", "Raum"]


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Requests inside `with run_tasks():` start their background tasks when they end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def move(user, *schools) -> None:
    """The city assigns the user to other schools (as the admin site does)."""
    user.schools.set(schools)


def roster_upload(client, school, run_tasks) -> int:
    file = SimpleUploadedFile("schueler.csv", schild_students(STUDENTS))
    with run_tasks():
        response = client.post("/api/v1/imports/students", {"file": file, "school": school.number})
    assert response.status_code == 202, response.content
    return response.json()["id"]


def device_upload(client, numbers, run_tasks, **form) -> int:
    DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14")
    rows = [DEVICE_HEADER] + [
        [f"INV-{number}-{n}", "Lenovo", "ThinkPad L14", "", number, ""]
        for n, number in enumerate(numbers)
    ]
    file = SimpleUploadedFile("inventar.xlsx", xlsx(rows))
    with run_tasks():
        response = client.post("/api/v1/imports/devices", {"file": file, **form})
    assert response.status_code == 202, response.content
    return response.json()["id"]


def confirm(client, job_id):
    return client.post(f"/api/v1/imports/{job_id}/confirm", {}, "application/json")


def every_read_of_the_job(client, job_id) -> dict[str, int]:
    """The status of each way to read an import job and its rows, over the API and the web."""
    return {
        "api": client.get(f"/api/v1/imports/{job_id}").status_code,
        "api rows": client.get(
            f"/api/v1/imports/{job_id}", {"outcome": "create", "offset": 1, "limit": 1}
        ).status_code,
        "page": client.get(f"/imports/{job_id}/").status_code,
        "page rows": client.get(
            f"/imports/{job_id}/", {"outcome": "create", "page": 2}
        ).status_code,
        "retry": client.get("/imports/", {"retry": job_id}).status_code,
    }


NOT_FOUND = {"api": 404, "api rows": 404, "page": 404, "page rows": 404, "retry": 404}
FOUND = {"api": 200, "api rows": 200, "page": 200, "page rows": 200, "retry": 302}


# -- import jobs ----------------------------------------------------------------------------


def test_a_coordinator_moved_to_another_school_no_longer_reads_their_roster_import(
    client_for, coordinator, school_a, school_b, run_tasks
):
    client = client_for(coordinator, language="en")
    job_id = roster_upload(client, school_a, run_tasks)
    assert every_read_of_the_job(client, job_id) == FOUND

    move(coordinator, school_b)

    assert every_read_of_the_job(client, job_id) == NOT_FOUND
    response = client.get(f"/api/v1/imports/{job_id}")
    assert response.json()["message"] == "Import not found."
    assert "Müller" not in response.content.decode()
    assert "Müller" not in client.get(f"/imports/{job_id}/").content.decode()


def test_a_coordinator_moved_to_another_school_cannot_confirm_their_roster_import(
    client_for, coordinator, school_a, school_b, run_tasks
):
    client = client_for(coordinator, language="en")
    job_id = roster_upload(client, school_a, run_tasks)
    move(coordinator, school_b)

    with run_tasks():
        over_the_api = confirm(client, job_id)
        on_the_page = client.post(f"/imports/{job_id}/confirm/")

    assert (over_the_api.status_code, on_the_page.status_code) == (404, 404)
    assert ImportJob.objects.get(pk=job_id).status == ImportJob.Status.PREVIEWED
    assert not Person.objects.exists()


def test_an_it_admin_still_reads_and_confirms_the_roster_import_of_a_moved_coordinator(
    client_for, coordinator, it_admin, school_a, school_b, run_tasks
):
    job_id = roster_upload(client_for(coordinator), school_a, run_tasks)
    move(coordinator, school_b)
    admin = client_for(it_admin, language="en")

    assert every_read_of_the_job(admin, job_id) == FOUND
    with run_tasks():
        assert confirm(admin, job_id).status_code == 202
    assert Person.objects.filter(school=school_a).count() == 2


def test_another_coordinator_of_the_school_still_does_not_read_the_import(
    client_for, coordinator, school_a, run_tasks
):
    job_id = roster_upload(client_for(coordinator), school_a, run_tasks)
    colleague = UserFactory(username="koord-2", role=Role.COORDINATOR, schools=[school_a])

    assert every_read_of_the_job(client_for(colleague), job_id) == NOT_FOUND


def test_a_device_import_for_a_chosen_school_is_out_of_reach_once_the_school_is(
    client_for, coordinator, school_a, school_b, run_tasks
):
    client = client_for(coordinator, language="en")
    job_id = device_upload(client, ["165432"], run_tasks, school="165432")
    assert client.get(f"/api/v1/imports/{job_id}").status_code == 200

    move(coordinator, school_b)

    assert every_read_of_the_job(client, job_id) == NOT_FOUND
    assert confirm(client, job_id).status_code == 404


def test_a_device_import_without_a_school_is_out_of_reach_once_a_school_it_names_is(
    client_for, coordinator, school_a, school_b, run_tasks
):
    move(coordinator, school_a, school_b)
    client = client_for(coordinator, language="en")
    job_id = device_upload(client, ["165432", "123456"], run_tasks)
    assert client.get(f"/api/v1/imports/{job_id}").json()["counts"]["create"] == 2

    move(coordinator, school_b)

    assert every_read_of_the_job(client, job_id) == NOT_FOUND
    assert confirm(client, job_id).status_code == 404


def test_a_device_import_without_a_school_stays_with_its_creator_while_they_reach_its_schools(
    client_for, coordinator, school_a, school_b, run_tasks
):
    move(coordinator, school_a, school_b)
    client = client_for(coordinator, language="en")
    job_id = device_upload(client, ["123456"], run_tasks)

    move(coordinator, school_b)

    assert every_read_of_the_job(client, job_id) == FOUND
    with run_tasks():
        assert confirm(client, job_id).status_code == 202


def test_a_device_import_without_a_school_whose_rows_were_refused_stays_with_its_creator(
    client_for, coordinator, school_a, school_b, run_tasks
):
    # A row for a school out of reach is an error that names only the file's own text.
    client = client_for(coordinator, language="en")
    job_id = device_upload(client, ["165432", "123456"], run_tasks)
    assert client.get(f"/api/v1/imports/{job_id}").json()["counts"]["error"] == 1

    assert client.get(f"/api/v1/imports/{job_id}").status_code == 200
    move(coordinator, school_b)
    assert client.get(f"/api/v1/imports/{job_id}").status_code == 404


def test_a_device_import_stored_without_the_schools_it_names_is_for_city_wide_actors_only(
    client_for, coordinator, it_admin, school_a
):
    # A report written before it listed the schools of its rows: nobody can tell whose
    # devices the rows are, so only those who reach every school see them.
    job = ImportJob.objects.create(
        kind="devices",
        created_by=coordinator,
        filename="inventar.csv",
        content=b"",
        status=ImportJob.Status.APPLIED,
        options={"school": None},
        report={
            "counts": {"create": 1},
            "rows": [
                {"row": 2, "outcome": "create", "asset_tag": "INV-1", "changes": [], "errors": []}
            ],
        },
    )

    assert client_for(coordinator).get(f"/api/v1/imports/{job.pk}").status_code == 404
    assert client_for(it_admin).get(f"/api/v1/imports/{job.pk}").status_code == 200


# -- the access log of a roster import's rows -----------------------------------------------


def test_looking_at_a_roster_import_records_the_people_shown_in_the_access_log(
    client_for, coordinator, school_a, run_tasks
):
    known = PersonFactory(
        school=school_a,
        school_class=SchoolClassFactory(school=school_a, name="5a"),
        last_name="Müller",
        first_name="Anna",
        birth_date="2015-02-01",
        external_id="101",
        login="anna.mueller",
    )
    leaver = PersonFactory(school=school_a, last_name="Weg", login="old.one")
    stranger = PersonFactory(login="elsewhere")  # of another school: never named here
    client = client_for(coordinator, language="en")
    job_id = roster_upload(client, school_a, run_tasks)
    AccessLogEntry.objects.all().delete()  # the upload's answer showed its rows too

    client.get(f"/api/v1/imports/{job_id}")
    client.get(f"/imports/{job_id}/")

    entries = AccessLogEntry.objects.order_by("via", "person_id")
    assert sorted(entries.values_list("via", "person_id", "action", "actor_name")) == sorted(
        (via, person.pk, AccessAction.VIEW, "koord")
        for via in (AccessVia.API, AccessVia.WEB)
        for person in (known, leaver)
    )
    assert {entry.detail for entry in entries} == {f"roster import {job_id}"}
    assert not AccessLogEntry.objects.filter(person=stranger).exists()


def test_a_page_of_a_roster_import_without_people_records_nothing(
    client_for, coordinator, school_a, run_tasks
):
    client = client_for(coordinator, language="en")
    job_id = roster_upload(client, school_a, run_tasks)  # two new students, no login yet

    client.get(f"/api/v1/imports/{job_id}")

    assert not AccessLogEntry.objects.exists()


def test_a_refused_look_at_a_roster_import_records_nothing(
    client_for, coordinator, school_a, school_b, run_tasks
):
    PersonFactory(school=school_a, last_name="Weg", login="old.one")
    client = client_for(coordinator, language="en")
    job_id = roster_upload(client, school_a, run_tasks)
    AccessLogEntry.objects.all().delete()
    move(coordinator, school_b)

    client.get(f"/api/v1/imports/{job_id}")
    client.get(f"/imports/{job_id}/")

    assert not AccessLogEntry.objects.exists()


# -- directory sync runs --------------------------------------------------------------------


def every_read_of_the_run(client, run_id) -> dict[str, object]:
    listed = client.get("/api/v1/directory/runs").json()["items"]
    return {
        "api": client.get(f"/api/v1/directory/runs/{run_id}").status_code,
        "api list": run_id in [run["id"] for run in listed],
        "page": client.get(f"/directory/runs/{run_id}/").status_code,
        "page list": f"/directory/runs/{run_id}/"
        in client.get("/directory/runs/").content.decode(),
    }


RUN_NOT_FOUND = {"api": 404, "api list": False, "page": 404, "page list": False}
RUN_FOUND = {"api": 200, "api list": True, "page": 200, "page list": True}


def test_a_coordinator_moved_to_another_school_no_longer_reads_its_directory_runs(
    client_for, coordinator, school_a, school_b
):
    run = DirectorySyncRun.objects.create(
        started_by=coordinator,
        school=school_a,
        errors=[{"dn": "uid=anna.mueller", "message": "refused"}],
    )
    client = client_for(coordinator, language="en")
    assert every_read_of_the_run(client, run.pk) == RUN_FOUND

    move(coordinator, school_b)

    assert every_read_of_the_run(client, run.pk) == RUN_NOT_FOUND


def test_a_directory_run_of_all_schools_is_for_city_wide_actors_only(
    client_for, coordinator, it_admin, school_a
):
    run = DirectorySyncRun.objects.create(started_by=it_admin, school=None)

    assert every_read_of_the_run(client_for(coordinator), run.pk) == RUN_NOT_FOUND
    assert every_read_of_the_run(client_for(it_admin), run.pk) == RUN_FOUND


def test_an_it_admin_still_reads_the_runs_of_a_moved_coordinator(
    client_for, coordinator, it_admin, school_a, school_b
):
    run = DirectorySyncRun.objects.create(started_by=coordinator, school=school_a)
    move(coordinator, school_b)

    assert every_read_of_the_run(client_for(it_admin), run.pk) == RUN_FOUND


# -- loans and class lists ------------------------------------------------------------------


def test_a_coordinator_moved_to_another_school_no_longer_prints_its_loan_agreements(
    client_for, coordinator, it_admin, school_a, school_b, teacher
):
    loan = LoanFactory(student=PersonFactory(school=school_a), requested_by=teacher)
    client = client_for(coordinator, language="en")
    assert client.get(f"/api/v1/loans/{loan.pk}").status_code == 200

    move(coordinator, school_b)

    assert client.get(f"/api/v1/loans/{loan.pk}").status_code == 404
    assert client.get(f"/api/v1/loans/{loan.pk}/agreement.pdf").status_code == 404
    assert client.get(f"/loans/{loan.pk}/agreement.pdf").status_code == 404
    assert client.get(f"/loans/{loan.pk}/").status_code == 404
    assert client_for(it_admin).get(f"/api/v1/loans/{loan.pk}").status_code == 200


def test_a_teacher_moved_to_another_school_no_longer_reads_their_own_loan_requests(
    client_for, teacher, school_a, school_b
):
    loan = LoanFactory(student=PersonFactory(school=school_a), requested_by=teacher)
    client = client_for(teacher, language="en")
    assert client.get(f"/api/v1/loans/{loan.pk}").status_code == 200

    move(teacher, school_b)

    assert client.get(f"/api/v1/loans/{loan.pk}").status_code == 404


def test_a_coordinator_moved_to_another_school_no_longer_downloads_its_class_lists(
    client_for, coordinator, school_a, school_b
):
    school_class = SchoolClassFactory(school=school_a, name="5a")
    PersonFactory(school=school_a, school_class=school_class)
    client = client_for(coordinator, language="en")
    move(coordinator, school_b)

    over_the_api = client.post(
        "/api/v1/class-lists", json.dumps({"school": school_a.number}), "application/json"
    )

    assert over_the_api.status_code == 404
    assert client.post(f"/classes/{school_class.pk}/class-list.xlsx").status_code == 404
    assert client.post(f"/schools/{school_a.number}/class-lists.xlsx").status_code == 404
    assert not AccessLogEntry.objects.exists()
