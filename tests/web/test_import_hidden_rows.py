"""How many rows a workbook hides (by hand or by a filter) reaches the preview page and the
API, for devices and rosters; the hidden rows are imported like the others."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.web.test_import_pages import job_id_of, run_tasks, upload  # noqa: F401

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).parent.parent / "data" / "xlsx"


def test_the_device_preview_page_and_api_say_how_many_rows_are_hidden(
    client_for,
    it_admin,
    school_a,
    run_tasks,  # noqa: F811
):
    data = (CORPUS / "devices_hidden_rows.xlsx").read_bytes()
    client = client_for(it_admin)
    with run_tasks():
        job_id = job_id_of(upload(client, data, create_missing="on"))

    html = client.get(f"/imports/{job_id}/").content.decode()
    assert "2 Zeilen sind in der Datei ausgeblendet" in html
    answer = client.get(f"/api/v1/imports/{job_id}").json()
    assert answer["hidden_rows"] == 2
    assert answer["counts"]["create"] == 4


def test_the_roster_preview_page_says_a_hidden_row_is_imported_too(
    client_for,
    it_admin,
    school_a,
    run_tasks,  # noqa: F811
):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Klasse", "Nachname", "Vorname", "Geburtsdatum", "Interne ID-Nummer"])
    sheet.append(["5a", "Yilmaz", "Ayse", "04.03.2015", "1001"])
    sheet.append(["5a", "Klein", "Lea", "05.03.2015", "1002"])
    sheet.row_dimensions[3].hidden = True
    buffer = io.BytesIO()
    book.save(buffer)
    file = SimpleUploadedFile("schueler.xlsx", buffer.getvalue())
    client = client_for(it_admin)
    with run_tasks():
        response = client.post("/imports/", {"kind": "students", "school": "165432", "file": file})
    job_id = job_id_of(response)

    html = client.get(f"/imports/{job_id}/").content.decode()
    assert "1 Zeile ist in der Datei ausgeblendet" in html
    assert client.get(f"/api/v1/imports/{job_id}").json()["hidden_rows"] == 1
