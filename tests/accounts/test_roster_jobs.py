"""Roster imports as jobs over the API: upload → preview in the background → confirm →
apply in the background, all or nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from accounts.models import Person, PersonRole, PersonStatus
from accounts.rosters.kind import roster_job_create
from core.errors import FileRejected
from imports.models import ImportJob
from tests.accounts.factories import PersonFactory
from tests.accounts.roster_files import schild_students, schild_teachers
from tests.factories import UserFactory

STUDENTS = [
    ("5a", "Müller", "Anna", "01.02.2015", "101"),
    ("5a", "O'Brien", "Sean", "03.03.2015", "102"),
    ("6b", "Kaya", "Elif", "04.04.2014", "103"),
]


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Requests inside `with run_tasks():` start their background tasks when they end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def upload(client, data, *, kind="students", school="165432", name="schueler.csv"):
    form = {"file": SimpleUploadedFile(name, data)}
    if school is not None:
        form["school"] = school
    return client.post(f"/api/v1/imports/{kind}", form)


def confirm(client, job_id, body=None):
    return client.post(f"/api/v1/imports/{job_id}/confirm", body or {}, "application/json")


def test_students_are_previewed_then_applied_and_the_file_is_dropped(
    client_for, coordinator, school_a, run_tasks
):
    leaver = PersonFactory(school=school_a, last_name="Weg", login="old.one")
    client = client_for(coordinator, language="en")
    with run_tasks():
        response = upload(client, schild_students(STUDENTS))
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    assert response.json()["kind"] == "students"
    assert response.json()["school"] == school_a.pk

    preview = client.get(f"/api/v1/imports/{job_id}").json()
    assert preview["status"] == "previewed"
    assert preview["counts"]["create"] == 3
    assert preview["counts"]["tolerate"] == 1
    assert sorted(preview["new_classes"]) == ["5a", "6b"]
    assert [step["login"] for step in preview["lifecycle"]["tolerate"]] == ["old.one"]
    assert preview["lifecycle"]["disable"] == preview["lifecycle"]["delete"] == []
    assert [(row["row"], row["name"], row["class_name"]) for row in preview["rows"]] == [
        (2, "Müller, Anna", "5a"),
        (3, "O'Brien, Sean", "5a"),
        (4, "Kaya, Elif", "6b"),
    ]
    assert not Person.objects.filter(role=PersonRole.STUDENT).exclude(pk=leaver.pk).exists()

    with run_tasks():
        response = confirm(client, job_id)
    assert response.status_code == 202, response.content
    done = client.get(f"/api/v1/imports/{job_id}").json()
    assert done["status"] == "applied"
    assert done["applied"] is True
    assert sorted(row["login"] for row in done["rows"]) == [
        "anna.mueller",
        "elif.kaya",
        "sean.obrien",
    ]
    assert Person.objects.filter(school=school_a, external_id="103").get().school_class.name == "6b"
    leaver.refresh_from_db()
    assert leaver.status == PersonStatus.TOLERATED
    assert bytes(ImportJob.objects.get(pk=job_id).content) == b""


def test_teachers_are_imported_with_their_short_codes(client_for, it_admin, school_a, run_tasks):
    client = client_for(it_admin)
    rows = [("Zander", "Clara", "01.01.1980", "ZAN")]
    with run_tasks():
        job_id = upload(client, schild_teachers(rows), kind="teachers").json()["id"]
    with run_tasks():
        assert confirm(client, job_id).status_code == 202
    teacher = Person.objects.get(school=school_a)
    assert (teacher.role, teacher.short_code, teacher.login) == ("teacher", "ZAN", "clara.zander")


def test_file_with_errors_cannot_be_confirmed_and_nothing_is_written(
    client_for, coordinator, school_a, run_tasks
):
    client = client_for(coordinator, language="en")
    rows = [*STUDENTS, ("5a", "Ohne", "Datum", "", "104")]
    with run_tasks():
        job_id = upload(client, schild_students(rows)).json()["id"]
    job = client.get(f"/api/v1/imports/{job_id}").json()
    assert job["counts"]["error"] == 1
    first = job["rows"][0]  # errors come first
    assert (first["row"], first["outcome"]) == (5, "error")
    assert first["errors"] == [
        {"row": 5, "column": "Geburtsdatum", "message": "The date of birth is missing."}
    ]
    response = confirm(client, job_id)
    assert response.status_code == 422
    assert response.json()["code"] == "import_has_errors"
    assert response.json()["message"] == (
        "1 row has errors, so nothing was imported. Correct the file and upload it again."
    )
    assert not Person.objects.exists()
    assert ImportJob.objects.get(pk=job_id).status == "previewed"


def test_only_valid_is_refused_for_a_roster(client_for, coordinator, school_a, run_tasks):
    client = client_for(coordinator, language="en")
    with run_tasks():
        job_id = upload(client, schild_students(STUDENTS)).json()["id"]
    response = confirm(client, job_id, {"only_valid": True})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "only_valid",
            "message": "A list of students or teachers is imported whole; leave out only_valid.",
        }
    ]
    assert not Person.objects.exists()


def test_two_confirmations_apply_once_and_the_second_gets_409(
    client_for, it_admin, school_a, run_tasks
):
    client = client_for(it_admin)
    with run_tasks():
        job_id = upload(client, schild_students(STUDENTS)).json()["id"]
    other = client_for(UserFactory(role="it_admin"))
    with run_tasks():
        first = confirm(client, job_id)
        second = confirm(other, job_id)
    assert (first.status_code, second.status_code) == (202, 409)
    assert second.json()["code"] == "conflict"
    assert Person.objects.count() == 3


def test_roster_that_became_invalid_since_the_preview_fails_with_the_new_report(
    client_for, coordinator, school_a, run_tasks
):
    client = client_for(coordinator, language="en")
    rows = [("Zander", "Clara", "01.01.1980", "ZAN")]
    with run_tasks():
        job_id = upload(client, schild_teachers(rows), kind="teachers").json()["id"]
    # Meanwhile someone enters another teacher with the same Kürzel by hand.
    PersonFactory(school=school_a, role=PersonRole.TEACHER, short_code="ZAN", last_name="Z")
    with run_tasks():
        assert confirm(client, job_id).status_code == 202
    job = client.get(f"/api/v1/imports/{job_id}").json()
    assert job["status"] == "failed"
    assert job["error"]["code"] == "import_has_errors"
    assert job["counts"]["error"] == 1
    assert job["rows"][0]["errors"][0]["column"] == "Kürzel"
    assert Person.objects.count() == 1


def test_a_file_that_is_no_roster_fails_the_job_with_the_reason(
    client_for, coordinator, school_a, run_tasks
):
    client = client_for(coordinator, language="en")
    with run_tasks():
        pdf = upload(client, b"%PDF-1.7 not a table", name="liste.xlsx").json()["id"]
        devices = upload(client, b"Inventarnummer;Modell\r\nX-1;Y\r\n").json()["id"]
    failed = client.get(f"/api/v1/imports/{pdf}").json()
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "not_a_spreadsheet"
    wrong = client.get(f"/api/v1/imports/{devices}").json()
    assert wrong["status"] == "failed"
    assert wrong["error"]["code"] in {"missing_column", "no_header"}
    assert "Class" in wrong["error"]["message"] or "Last name" in wrong["error"]["message"]
    assert confirm(client, devices).status_code == 409


def test_teacher_list_without_a_short_code_column_is_a_roster_with_a_student_file_not(
    client_for, coordinator, school_a, run_tasks
):
    client = client_for(coordinator, language="en")
    teachers_as_students = schild_teachers([("Zander", "Clara", "01.01.1980", "ZAN")])
    with run_tasks():
        job_id = upload(client, teachers_as_students, kind="students").json()["id"]
    job = client.get(f"/api/v1/imports/{job_id}").json()
    assert job["error"] == {
        "message": "“schueler.csv” has no column Class; a list of students needs it.",
        "code": "missing_column",
        "errors": [],
    }


def test_school_is_required_and_must_be_reachable(client_for, coordinator, school_b):
    client = client_for(coordinator, language="en")
    response = upload(client, schild_students(STUDENTS), school=None)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["school"]
    response = upload(client, schild_students(STUDENTS), school=school_b.number)
    assert response.status_code == 404
    assert response.json()["message"] == "School 123456 not found."
    assert not ImportJob.objects.exists()


def test_teacher_may_not_import_and_anonymous_must_log_in(client_for, teacher, client, school_a):
    assert upload(client_for(teacher), schild_students(STUDENTS)).status_code == 403
    assert upload(client, schild_students(STUDENTS)).status_code == 401
    assert not ImportJob.objects.exists()


def test_teacher_cannot_look_at_a_roster_job(client_for, teacher, coordinator, school_a, run_tasks):
    with run_tasks():
        job_id = upload(client_for(coordinator), schild_students(STUDENTS)).json()["id"]
    assert client_for(teacher).get(f"/api/v1/imports/{job_id}").status_code == 403


@override_settings(LERNSTATT_IMPORT_MAX_BYTES=100)
def test_file_over_the_size_limit_is_refused_at_upload(client_for, coordinator, school_a):
    response = upload(client_for(coordinator, language="en"), schild_students(STUDENTS * 5))
    assert response.status_code == 422
    assert response.json()["code"] == "file_too_large"
    assert not ImportJob.objects.exists()


class Unreadable(io.RawIOBase):
    def read(self, size=-1):
        raise AssertionError("the file was read")


def test_200_mb_upload_is_refused_by_its_size_before_it_is_read(coordinator, school_a):
    with pytest.raises(FileRejected) as caught:
        roster_job_create(
            actor=coordinator,
            kind="students",
            upload=Unreadable(),
            filename="riesig.csv",
            size=200 * 1024 * 1024,
            school="165432",
        )
    assert caught.value.code == "file_too_large"
    assert not ImportJob.objects.exists()


def test_each_row_names_its_person_by_id_once_the_person_exists(
    client_for, coordinator, school_a, run_tasks
):
    # Two pupils of the same name: only the id tells them apart.
    twins = [
        ("5a", "Müller", "Anna", "01.02.2015", "101"),
        ("6b", "Müller", "Anna", "04.04.2014", "103"),
    ]
    client = client_for(coordinator, language="en")
    with run_tasks():
        job_id = upload(client, schild_students(twins)).json()["id"]
    assert [row["person_id"] for row in client.get(f"/api/v1/imports/{job_id}").json()["rows"]] == [
        None,
        None,
    ]
    with run_tasks():
        confirm(client, job_id)

    rows = client.get(f"/api/v1/imports/{job_id}").json()["rows"]
    people = {p.pk: (p.school_class.name, p.login) for p in Person.objects.filter(school=school_a)}
    assert [people[row["person_id"]] for row in rows] == [
        (row["class_name"], row["login"]) for row in rows
    ]
    assert sorted(cls for cls, _login in people.values()) == ["5a", "6b"]

    with run_tasks():
        again = upload(client, schild_students(twins)).json()["id"]
    assert sorted(
        row["person_id"] for row in client.get(f"/api/v1/imports/{again}").json()["rows"]
    ) == sorted(people)
