"""The import wizard and the export page: upload → preview → confirm → result, for devices
and rosters; refused files, roles, other people's jobs, a second confirmation, CSRF, and
the query count of a long preview."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from accounts.models import Person
from imports.models import ImportJob
from inventory.models import Device
from tests.accounts.roster_files import schild_students
from tests.factories import UserFactory
from tests.inventory.files import xlsx

pytestmark = pytest.mark.django_db

HEADER = ["Inventarnummer", "Hersteller", "Modell", "Kategorie", "Schulnummer", "Raum", "Bemerkung"]


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Requests inside `with run_tasks():` start their background tasks when they end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def device_workbook() -> bytes:
    """Three good rows (umlauts, an apostrophe) and one with a school that does not exist."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [
        HEADER,
        [
            "GYM-1001",
            "Lenovo",
            "ThinkPad E14",
            "Notebook",
            "165432",
            "Büro Müller",
            "Für Frau Weiß",
        ],
        ["GYM-1002", "Lenovo", "ThinkPad E14", "Notebook", "165432", "Raum 1", "O'Neill's Gerät"],
        ["GYM-1003", "Apple", "iPad 10", "Tablet", "999999", "", ""],
        ["GYM-1004", "Apple", "iPad 10", "Tablet", "165432", "", "Ärger frei"],
    ]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, *, name="inventar.xlsx", **form):
    fields = {"kind": "devices", "school": "", "file": SimpleUploadedFile(name, data), **form}
    return client.post("/imports/", fields)


def job_id_of(response) -> int:
    assert response.status_code == 302, response.content.decode()[:2000]
    return int(response["Location"].strip("/").split("/")[-1])


def test_device_import_previews_each_row_then_confirms_and_shows_the_result(
    client_for, it_admin, school_a, run_tasks
):
    client = client_for(it_admin)
    with run_tasks():
        response = upload(client, device_workbook(), create_missing="on")
    job_id = job_id_of(response)
    assert Device.objects.count() == 0

    page = client.get(f"/imports/{job_id}/")
    html = page.content.decode()
    assert page.status_code == 200
    rows = {row["row"]: row["outcome"] for row in page.context["rows"]}
    assert rows == {2: "create", 3: "create", 4: "error", 5: "create"}
    # The error summary names row and column and links to the row in the table.
    summary = page.context["summary"]
    assert [(error["row"], error["column"]) for error in summary] == [(4, "Schulnummer")]
    assert 'href="?page=1#row-4"' in html and 'id="row-4" class="row-error"' in html
    assert "Zeile 4, Spalte „Schulnummer“" in html
    assert "Büro Müller" in html and "Raum 1" in html
    # With errors the whole file cannot go in; only the valid rows may.
    assert 'name="only_valid" value="1"' in html
    assert "Nur die Zeilen ohne Fehler importieren" in html

    with run_tasks():
        response = client.post(f"/imports/{job_id}/confirm/", {"only_valid": "1"})
    assert response.status_code == 302
    result = client.get(f"/imports/{job_id}/").content.decode()

    assert sorted(Device.objects.values_list("asset_tag", flat=True)) == [
        "GYM-1001",
        "GYM-1002",
        "GYM-1004",
    ]
    assert Device.objects.get(asset_tag="GYM-1002").notes == "O'Neill's Gerät"
    assert Device.objects.get(asset_tag="GYM-1001").room.name == "Büro Müller"
    assert "Die Datei wurde importiert" in result
    assert "neu: <strong>3</strong>" in result
    assert "/devices/?school=" not in result  # no school was chosen: the whole list
    assert 'href="/devices/"' in result


def test_a_file_with_errors_cannot_be_confirmed_whole_and_nothing_is_written(
    client_for, it_admin, school_a, run_tasks
):
    client = client_for(it_admin)
    with run_tasks():
        job_id = job_id_of(upload(client, device_workbook(), create_missing="on"))

    response = client.post(f"/imports/{job_id}/confirm/", follow=True)

    assert "1 Zeile ist fehlerhaft, daher wurde nichts importiert" in response.content.decode()
    assert Device.objects.count() == 0
    assert ImportJob.objects.get(pk=job_id).status == ImportJob.Status.PREVIEWED


def test_roster_import_for_the_chosen_school_previews_and_applies(
    client_for, coordinator, school_a, run_tasks
):
    client = client_for(coordinator)
    students = [
        ("5a", "Müller", "Jürgen", "01.02.2015", "101"),
        ("5a", "O'Brien", "Seán", "03.03.2015", "102"),
    ]
    file = SimpleUploadedFile("schueler.csv", schild_students(students))
    with run_tasks():
        response = client.post("/imports/", {"kind": "students", "school": "165432", "file": file})
    job_id = job_id_of(response)

    page = client.get(f"/imports/{job_id}/")
    html = page.content.decode()
    assert [row["outcome"] for row in page.context["rows"]] == ["create", "create"]
    assert "Gymnasium am Park (165432)" in html
    assert "Müller, Jürgen" in html and "O&#x27;Brien, Seán" in html
    assert Person.objects.count() == 0

    with run_tasks():
        client.post(f"/imports/{job_id}/confirm/")

    assert sorted(Person.objects.values_list("last_name", flat=True)) == ["Müller", "O'Brien"]
    assert set(Person.objects.values_list("school_id", flat=True)) == {school_a.id}
    assert "Die Datei wurde importiert" in client.get(f"/imports/{job_id}/").content.decode()


def test_a_roster_needs_a_chosen_school(client_for, coordinator, school_a):
    file = SimpleUploadedFile("schueler.csv", schild_students([("5a", "A", "B", "", "1")]))
    response = client_for(coordinator).post(
        "/imports/", {"kind": "students", "school": "", "file": file}
    )

    assert response.status_code == 422
    assert response.context["form"].errors["school"] == [
        "Wählen Sie die Schule, deren Liste das ist."
    ]
    assert ImportJob.objects.count() == 0


def test_a_file_that_is_not_a_spreadsheet_gives_the_message_on_the_upload_page(
    client_for, coordinator, school_a, run_tasks
):
    client = client_for(coordinator)
    with run_tasks():
        response = upload(
            client, b"%PDF-1.4 not a spreadsheet", name="inventar.xlsx", school="165432"
        )
    job_id = job_id_of(response)

    page = client.get(f"/imports/{job_id}/", follow=True)

    form = page.context["form"]
    assert page.redirect_chain[-1][0] == f"/imports/?retry={job_id}"
    assert form.errors["file"] and "Excel" in form.errors["file"][0]
    assert form["kind"].value() == "devices" and form["school"].value() == "165432"
    assert 'aria-invalid="true"' in page.content.decode()
    assert Device.objects.count() == 0


@override_settings(LERNSTATT_IMPORT_MAX_BYTES=1000)
def test_a_file_too_large_is_refused_before_it_is_read(client_for, it_admin, school_a):
    response = upload(client_for(it_admin), device_workbook(), school="165432")

    assert response.status_code == 422
    assert "höchstens" in response.context["form"].errors["file"][0]
    assert response.context["form"]["school"].value() == "165432"
    assert ImportJob.objects.count() == 0


def test_a_teacher_gets_403_on_the_import_pages(client_for, teacher, it_admin, school_a):
    job = ImportJob.objects.create(kind="devices", created_by=it_admin, filename="x.xlsx")
    client = client_for(teacher)

    assert client.get("/imports/").status_code == 403
    assert client.get(f"/imports/{job.pk}/").status_code == 403
    assert upload(client, device_workbook()).status_code == 403
    assert ImportJob.objects.count() == 1


def test_another_coordinators_job_is_not_found(client_for, coordinator, school_b, run_tasks):
    other = UserFactory(username="koord-b", role=coordinator.role, schools=[school_b])
    with run_tasks():
        job_id = job_id_of(upload(client_for(other), device_workbook(), school="123456"))
    client = client_for(coordinator)

    assert client.get(f"/imports/{job_id}/").status_code == 404
    assert client.post(f"/imports/{job_id}/confirm/").status_code == 404
    assert client.get(f"/imports/?retry={job_id}").status_code == 404


def test_the_second_of_two_confirmations_sees_a_plain_message(
    client_for, it_admin, school_a, run_tasks
):
    good = xlsx([HEADER[:5], ["GYM-2001", "Lenovo", "ThinkPad E14", "Notebook", "165432"]])
    first = client_for(it_admin)
    with run_tasks():
        job_id = job_id_of(upload(first, good, create_missing="on"))
    # The first confirmation starts the import; its worker has not finished yet.
    first.post(f"/imports/{job_id}/confirm/")

    second = client_for(UserFactory(username="admin2", role=it_admin.role))
    response = second.post(f"/imports/{job_id}/confirm/", follow=True)

    assert "Dieser Import wurde bereits bestätigt." in response.content.decode()
    assert ImportJob.objects.get(pk=job_id).confirmed_by == it_admin
    # While it runs, the page shows the progress and reloads itself.
    assert '<meta http-equiv="refresh" content="2">' in response.content.decode()


def test_upload_and_confirm_need_the_csrf_token(client_for, it_admin, school_a, run_tasks):
    with run_tasks():
        job_id = job_id_of(upload(client_for(it_admin), device_workbook(), create_missing="on"))
    client = client_for(it_admin, csrf=True)

    assert upload(client, device_workbook()).status_code == 403
    assert client.post(f"/imports/{job_id}/confirm/", {"only_valid": "1"}).status_code == 403
    assert ImportJob.objects.count() == 1
    assert Device.objects.count() == 0


def test_a_preview_of_hundreds_of_rows_runs_a_bounded_number_of_queries(
    client_for, coordinator, school_a, run_tasks, django_assert_max_num_queries
):
    rows = [HEADER[:5]] + [
        [f"GYM-{n:04}", "Lenovo", "ThinkPad E14", "Notebook", "165432"] for n in range(400)
    ]
    rows.append(["GYM-9999", "Lenovo", "ThinkPad E14", "Notebook", "999999"])
    client = client_for(coordinator)
    with run_tasks():
        job_id = job_id_of(upload(client, xlsx(rows), create_missing="on"))

    with django_assert_max_num_queries(6):
        page = client.get(f"/imports/{job_id}/?page=2")

    assert page.status_code == 200
    assert len(page.context["rows"]) == 100 and page.context["pages"] == 5
    assert page.context["rows"][0]["row"] == 101  # page 1: the error row, then rows 2 to 100


def test_the_export_page_downloads_the_filtered_device_list_and_the_loans(
    client_for, coordinator, device_a, device_b
):
    client = client_for(coordinator)
    page = client.get("/exports/")
    assert page.status_code == 200
    assert page.context["device_form"] and page.context["loan_form"]

    devices = client.get("/exports/devices/?school=165432&format=xlsx")
    assert devices.status_code == 200
    assert devices["Content-Disposition"].startswith('attachment; filename="geraete-')
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(devices.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["GYM-0001"]

    loans = client.get("/exports/loans/?format=csv")
    assert loans.status_code == 200
    assert loans["Content-Type"].startswith("text/csv")

    unknown = client.get("/exports/devices/?format=pdf", follow=True)
    assert "Wählen Sie ein Dateiformat" in unknown.content.decode()


def test_city_staff_cannot_open_the_export_page(client_for, city_staff):
    assert client_for(city_staff).get("/exports/").status_code == 403
