"""The directory sync's entry points: manage.py directory_sync, the Celery task and the
API. The plan and the apply themselves are tested in test_directory_plan/apply."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import DirectorySyncRun, DirectorySyncRunStatus, Person
from tests.accounts.factories import PersonFactory, SchoolClassFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_directory(settings):
    settings.LDAP_URL = ""
    settings.LDAP_BASE_DN = ""


@pytest.fixture
def people(school_a):
    class_5a = SchoolClassFactory(school=school_a, name="5a")
    return [
        PersonFactory(school=school_a, school_class=class_5a, login="anna.mueller"),
        PersonFactory(school=school_a, role="teacher", school_class=None, login="kraus"),
    ]


def people_dns(directory) -> list[str]:
    found = directory.search(base=f"ou=schools,{directory.base_dn}", search_filter="(uid=*)")
    return sorted(dn.split(",")[0] for dn in found)


def run_command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("directory_sync", *args, "--language", "en", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# -- manage.py directory_sync --------------------------------------------------------------


@pytest.mark.integration
def test_command_dry_run_lists_the_plan_and_changes_nothing(ldap_directory, people, school_a):
    out, _err = run_command("--dry-run", "--school", school_a.number)

    assert "Add uid=anna.mueller,ou=students,ou=165432" in out
    assert "Add uid=kraus,ou=teachers,ou=165432" in out
    assert "Dry run: nothing was changed." in out
    assert people_dns(ldap_directory) == []
    assert not DirectorySyncRun.objects.exists()
    assert not Person.objects.exclude(dn="").exists()


@pytest.mark.integration
def test_command_applies_counts_and_never_prints_passwords(ldap_directory, people, monkeypatch):
    monkeypatch.setattr("accounts.directory.apply.password_generate", lambda: "Tulpe-4711-Geheim")
    out, err = run_command()

    assert people_dns(ldap_directory) == ["uid=anna.mueller", "uid=kraus"]
    run = DirectorySyncRun.objects.get()
    assert run.status == DirectorySyncRunStatus.SUCCEEDED
    assert run.started_by is None
    assert f"Done: {run.total} of {run.total} changes." in out
    assert "2 accounts were created. Class lists" in out
    assert "100 %" in err
    assert "Tulpe-4711-Geheim" not in out + err
    again, _err = run_command()
    assert "The directory is up to date." in again


@pytest.mark.integration
def test_command_as_a_coordinator_for_another_school_is_refused(
    ldap_directory, coordinator, school_b
):
    with pytest.raises(CommandError, match="School 123456 not found"):
        run_command("--user", coordinator.username, "--school", school_b.number)
    assert not DirectorySyncRun.objects.exists()


def test_command_without_directory_says_so(no_directory, db):
    with pytest.raises(CommandError, match="No directory is configured"):
        run_command()
    with pytest.raises(CommandError, match="No directory is configured"):
        run_command("--dry-run")


# -- the API -------------------------------------------------------------------------------


@pytest.mark.integration
def test_it_admin_sees_the_plan_with_counts_and_descriptions(
    ldap_directory, people, client_for, it_admin, school_a
):
    client = client_for(it_admin, language="en")
    response = client.get("/api/v1/directory/plan", {"school": school_a.number})

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == len(body["changes"]) == sum(body["counts"].values())
    anna = next(c for c in body["changes"] if c["dn"].startswith("uid=anna.mueller,"))
    assert anna["kind"] == "add"
    assert anna["description"] == f"Add {anna['dn']}"
    assert people_dns(ldap_directory) == []
    page = client.get(
        "/api/v1/directory/plan", {"school": school_a.number, "offset": 1, "limit": 2}
    )
    assert page.json()["changes"] == body["changes"][1:3]
    assert page.json()["total"] == body["total"]


@pytest.mark.integration
def test_coordinator_syncs_their_school_and_follows_the_run(
    ldap_directory, people, client_for, coordinator, school_a, django_capture_on_commit_callbacks
):
    client = client_for(coordinator, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/directory/sync", {"school": school_a.number}, content_type="application/json"
        )
    assert response.status_code == 202
    assert response.json()["status"] == "running"

    detail = client.get(f"/api/v1/directory/runs/{response.json()['id']}").json()
    assert detail["status"] == "succeeded"
    assert detail["school"] == school_a.number
    assert detail["done"] == detail["total"] == sum(detail["counts"].values()) > 0
    assert detail["errors"] == []
    assert detail["finished"] is not None and detail["duration"] >= 0
    assert detail["started_by"] == coordinator.username
    assert people_dns(ldap_directory) == ["uid=anna.mueller", "uid=kraus"]

    listed = client.get("/api/v1/directory/runs", {"school": school_a.number}).json()
    assert listed["count"] == 1
    assert listed["items"] == [detail]
    assert client.get("/api/v1/directory/runs", {"status": "failed"}).json()["count"] == 0


def test_teacher_may_not_sync_and_coordinator_does_not_reach_another_school(
    client_for, teacher, coordinator, school_b
):
    body = {"school": school_b.number}
    response = client_for(teacher).post("/api/v1/directory/sync", body, "application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    response = client_for(coordinator).post("/api/v1/directory/sync", body, "application/json")
    assert response.status_code == 404
    response = client_for(coordinator).get("/api/v1/directory/plan", body)
    assert response.status_code == 404
    # Without a school a coordinator would sync schools that are not theirs.
    response = client_for(coordinator).post(
        "/api/v1/directory/sync", {"school": None}, "application/json"
    )
    assert response.status_code == 403
    assert not DirectorySyncRun.objects.exists()


def test_coordinator_does_not_see_runs_of_other_schools_or_of_all(
    client_for, coordinator, it_admin, school_a, school_b
):
    own = DirectorySyncRun.objects.create(school=school_a)
    other = DirectorySyncRun.objects.create(school=school_b)
    everything = DirectorySyncRun.objects.create(school=None)
    client = client_for(coordinator)
    assert client.get(f"/api/v1/directory/runs/{own.pk}").status_code == 200
    assert client.get(f"/api/v1/directory/runs/{other.pk}").status_code == 404
    assert client.get(f"/api/v1/directory/runs/{everything.pk}").status_code == 404
    response = client_for(it_admin).get(f"/api/v1/directory/runs/{everything.pk}")
    assert response.json()["status"] == "running"


def test_without_directory_plan_and_sync_answer_503(no_directory, client_for, it_admin):
    client = client_for(it_admin, language="en")
    for response in (
        client.get("/api/v1/directory/plan"),
        client.post("/api/v1/directory/sync", {"school": None}, "application/json"),
    ):
        assert response.status_code == 503
        assert response.json()["code"] == "directory_not_configured"
        assert set(response.json()) == {"message", "code", "errors"}
    assert not DirectorySyncRun.objects.exists()


# -- the task ------------------------------------------------------------------------------


@pytest.mark.integration
def test_task_syncs_and_returns_the_run_id(ldap_directory, people, school_a, it_admin):
    from accounts.tasks import directory_sync

    run_id = directory_sync.delay(school_id=school_a.pk, user_id=it_admin.pk).get()

    run = DirectorySyncRun.objects.get(pk=run_id)
    assert run.status == DirectorySyncRunStatus.SUCCEEDED
    assert run.started_by == it_admin and run.school == school_a
