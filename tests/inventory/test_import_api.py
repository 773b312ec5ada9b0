import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from core.errors import Conflict
from imports import services
from imports.models import ImportJob
from inventory.importing.kind import import_job_create
from inventory.models import Device, DeviceHistory
from tests.factories import DeviceFactory, DeviceModelFactory, UserFactory
from tests.inventory.files import xlsx

HEADER = ["Inventarnummer", "Hersteller", "Modell", "Kategorie", "Schulnummer", "Raum"]


@pytest.fixture
def thinkpad(db):
    return DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14")


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Requests inside `with run_tasks():` start their background tasks when they end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def upload(client, rows, **form):
    file = SimpleUploadedFile("inventar.xlsx", xlsx(rows))
    return client.post("/api/v1/imports/devices", {"file": file, **form})


def rows_for(school_number: str, count: int) -> list[list]:
    return [HEADER] + [
        [f"INV-{school_number}-{n}", "Lenovo", "ThinkPad L14", "", school_number, ""]
        for n in range(count)
    ]


def test_it_admin_uploads_sees_the_preview_and_confirms(
    client_for, it_admin, school_a, thinkpad, run_tasks
):
    client = client_for(it_admin, language="en")
    rows = [*rows_for("165432", 3), ["INV-X", "Dell", "Latitude 3540", "Notebook", "165432", "B 1"]]
    with run_tasks():
        response = upload(client, rows, create_missing="true")
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert response.json()["status"] in ("uploaded", "previewed")
    assert Device.objects.count() == 0

    preview = client.get(f"/api/v1/imports/{job_id}").json()
    assert preview["status"] == "previewed"
    assert preview["counts"] == {"create": 4, "update": 0, "unchanged": 0, "error": 0}
    assert preview["to_create"] == {
        "models": [{"manufacturer": "Dell", "name": "Latitude 3540", "category": "laptop"}],
        "rooms": [{"school": "165432", "name": "B 1"}],
    }
    assert preview["progress"]["done"] == preview["progress"]["total"] > 0
    assert [row["row"] for row in preview["rows"]] == [2, 3, 4, 5]
    assert Device.objects.count() == 0

    with run_tasks():
        response = client.post(f"/api/v1/imports/{job_id}/confirm", {}, "application/json")
    assert response.status_code == 202
    assert response.json()["status"] == "applying"
    done = client.get(f"/api/v1/imports/{job_id}").json()
    assert done["status"] == "applied" and done["applied"] is True
    assert Device.objects.count() == 4
    assert set(DeviceHistory.objects.values_list("actor", flat=True)) == {it_admin.id}


def test_coordinator_rows_for_another_school_are_errors_and_block_the_import(
    client_for, coordinator, school_a, school_b, thinkpad, run_tasks
):
    client = client_for(coordinator, language="en")
    rows = rows_for("165432", 2) + rows_for("123456", 1)[1:]
    with run_tasks():
        job_id = upload(client, rows).json()["id"]
    preview = client.get(f"/api/v1/imports/{job_id}").json()
    assert preview["counts"]["error"] == 1
    assert preview["rows"][0] == {
        "row": 4,
        "outcome": "error",
        "asset_tag": "INV-123456-0",
        "changes": [],
        "errors": [
            {
                "row": 4,
                "column": "Schulnummer",
                "message": "School “123456” was not found, or you may not import devices for it.",
            }
        ],
    }

    response = client.post(f"/api/v1/imports/{job_id}/confirm", {}, "application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "import_has_errors"
    assert Device.objects.count() == 0

    with run_tasks():
        response = client.post(
            f"/api/v1/imports/{job_id}/confirm", {"only_valid": True}, "application/json"
        )
    assert response.status_code == 202
    assert sorted(Device.objects.values_list("asset_tag", flat=True)) == [
        "INV-165432-0",
        "INV-165432-1",
    ]


def test_two_confirmations_apply_once_and_the_second_gets_409(
    client_for, it_admin, school_a, thinkpad, run_tasks
):
    client = client_for(it_admin, language="en")
    with run_tasks():
        job_id = upload(client, rows_for("165432", 3)).json()["id"]
    second_admin = client_for(UserFactory(role="it_admin"), language="en")
    with run_tasks():
        first = client.post(f"/api/v1/imports/{job_id}/confirm", {}, "application/json")
        second = second_admin.post(f"/api/v1/imports/{job_id}/confirm", {}, "application/json")
    assert first.status_code == 202
    assert second.status_code == 409
    assert set(second.json()) == {"message", "code", "errors"}
    assert second.json()["code"] == "conflict"
    assert Device.objects.count() == 3
    assert DeviceHistory.objects.count() == 3


def test_confirmation_that_lost_the_race_is_refused(it_admin, school_a, thinkpad, run_tasks):
    # Both requests read the job while it was `previewed`; only the first update counts.
    with run_tasks():
        job = import_job_create(
            actor=it_admin,
            upload=SimpleUploadedFile("a.xlsx", xlsx(rows_for("165432", 1))),
            filename="a.xlsx",
            size=len(xlsx(rows_for("165432", 1))),
        )
    stale = ImportJob.objects.get(pk=job.pk)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.APPLYING)
    with pytest.raises(Conflict):
        services.import_job_confirm(actor=it_admin, job_id=stale.pk)


def test_someone_elses_import_is_not_found_except_for_it_admins(
    client_for, coordinator, it_admin, school_a, thinkpad, run_tasks
):
    with run_tasks():
        job_id = upload(client_for(coordinator), rows_for("165432", 1)).json()["id"]
    other = UserFactory(role="coordinator", schools=[school_a])
    assert client_for(other).get(f"/api/v1/imports/{job_id}").status_code == 404
    confirm = client_for(other).post(f"/api/v1/imports/{job_id}/confirm", {}, "application/json")
    assert confirm.status_code == 404
    assert client_for(it_admin).get(f"/api/v1/imports/{job_id}").status_code == 200


def test_rows_come_errors_first_a_page_at_a_time_or_filtered(
    client_for, it_admin, school_a, thinkpad, run_tasks
):
    client = client_for(it_admin, language="en")
    rows = rows_for("165432", 5)
    rows[4][4] = "999999"  # row 5
    with run_tasks():
        job_id = upload(client, rows).json()["id"]
    page = client.get(f"/api/v1/imports/{job_id}?offset=0&limit=2").json()
    assert [(row["row"], row["outcome"]) for row in page["rows"]] == [(5, "error"), (2, "create")]
    assert page["rows_count"] == 5
    page = client.get(f"/api/v1/imports/{job_id}?offset=2&limit=2").json()
    assert [row["row"] for row in page["rows"]] == [3, 4]
    errors = client.get(f"/api/v1/imports/{job_id}?outcome=error").json()
    assert [row["row"] for row in errors["rows"]] == [5]
    assert errors["rows_count"] == 1


def test_unreadable_file_fails_the_job_with_the_reason(client_for, it_admin, run_tasks):
    client = client_for(it_admin, language="en")
    with run_tasks():
        file = SimpleUploadedFile("inventar.xlsx", b"%PDF-1.7 not a table")
        job_id = client.post("/api/v1/imports/devices", {"file": file}).json()["id"]
    job = client.get(f"/api/v1/imports/{job_id}").json()
    assert job["status"] == "failed"
    assert job["error"]["code"] == "not_a_spreadsheet"
    assert "is not an Excel workbook" in job["error"]["message"]
    response = client.post(f"/api/v1/imports/{job_id}/confirm", {}, "application/json")
    assert response.status_code == 409


@override_settings(LERNSTATT_IMPORT_MAX_BYTES=1000)
def test_file_over_the_size_limit_is_refused_at_upload(client_for, it_admin, school_a):
    response = upload(client_for(it_admin, language="en"), rows_for("165432", 200))
    assert response.status_code == 422
    assert response.json()["code"] == "file_too_large"
    assert ImportJob.objects.count() == 0


def test_school_chosen_for_the_import_must_be_reachable(client_for, coordinator, school_b):
    response = upload(client_for(coordinator), rows_for("123456", 1), school=school_b.number)
    assert response.status_code == 404
    assert ImportJob.objects.count() == 0


def test_teacher_may_not_upload_and_anonymous_must_log_in(client_for, teacher, client, school_a):
    assert upload(client_for(teacher), rows_for("165432", 1)).status_code == 403
    assert upload(client, rows_for("165432", 1)).status_code == 401
    assert ImportJob.objects.count() == 0


def test_rows_that_became_invalid_since_the_preview_fail_the_import(
    client_for, coordinator, school_a, school_b, thinkpad, run_tasks
):
    client = client_for(coordinator, language="en")
    with run_tasks():
        job_id = upload(client, rows_for("165432", 2)).json()["id"]
    # Meanwhile another school enters a device with one of the file's asset tags.
    DeviceFactory(asset_tag="INV-165432-1", school=school_b, model=thinkpad)
    with run_tasks():
        client.post(f"/api/v1/imports/{job_id}/confirm", {}, "application/json")
    job = client.get(f"/api/v1/imports/{job_id}").json()
    assert job["status"] == "failed"
    assert job["error"]["code"] == "import_has_errors"
    assert job["counts"]["error"] == 1
    assert job["rows"][0]["errors"][0]["message"] == (
        "Asset tag INV-165432-1 is already used by another device."
    )
    assert Device.objects.count() == 1


def test_applying_a_job_a_second_time_changes_nothing(it_admin, school_a, thinkpad, run_tasks):
    data = xlsx(rows_for("165432", 2))
    with run_tasks():
        job = import_job_create(
            actor=it_admin,
            upload=SimpleUploadedFile("a.xlsx", data),
            filename="a.xlsx",
            size=len(data),
        )
    with run_tasks():
        services.import_job_confirm(actor=it_admin, job_id=job.pk)
    services.import_job_apply(job_id=job.pk)
    assert ImportJob.objects.get(pk=job.pk).status == "applied"
    assert Device.objects.count() == 2
    assert DeviceHistory.objects.count() == 2
