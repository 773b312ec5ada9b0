"""Labels for the devices an import has just created: a link on the import's result page,
only those devices on the label page, and nobody else's import."""

import io
import json
import re

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from inventory.models import Device
from tests.factories import DeviceFactory, DeviceModelFactory, UserFactory
from tests.inventory.files import xlsx
from tests.web.test_import_pages import job_id_of, upload
from tests.web.test_labels import print_form

pytestmark = pytest.mark.django_db

HEADER = ["Inventarnummer", "Hersteller", "Modell", "Kategorie", "Schulnummer", "Raum"]


@pytest.fixture
def applied_job(client_for, it_admin, school_a, django_capture_on_commit_callbacks):
    """An IT admin's import of two new devices and one that was there before."""
    model = DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad E14")
    DeviceFactory(asset_tag="GYM-0999", school=school_a, model=model)
    rows = [
        HEADER,
        ["GYM-1001", "Lenovo", "ThinkPad E14", "Notebook", "165432", ""],
        ["GYM-0999", "Lenovo", "ThinkPad E14", "Notebook", "165432", ""],
        ["GYM-1002", "Lenovo", "ThinkPad E14", "Notebook", "165432", ""],
    ]
    client = client_for(it_admin)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = job_id_of(upload(client, xlsx(rows)))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job_id}/confirm/")
    return client, job_id


def test_the_result_page_links_to_the_labels_of_the_devices_it_created_and_only_those(
    applied_job,
):
    client, job_id = applied_job
    result = client.get(f"/imports/{job_id}/").content.decode()
    (link,) = re.findall(r'href="(/labels/\?job=[^"]+)"[^>]*>([^<]+)</a>', result)
    assert link[1] == "Etiketten für die 2 neuen Geräte"

    page = client.get(link[0].replace("&amp;", "&")).content.decode()
    assert "2 durch den Import angelegte Geräte: GYM-1001, GYM-1002" in page
    assert "GYM-0999" not in page
    assert f'name="job" value="{job_id}"' in page

    response = client.post("/labels/", {"job": job_id, **print_form()})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    # Two labels, each with its asset tag in clear text.
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert text.count("GYM-1001") == 1 and text.count("GYM-1002") == 1
    assert "GYM-0999" not in text
    assert Device.objects.count() == 3


def test_another_schools_coordinator_cannot_print_the_labels_of_an_import(
    applied_job, client_for, school_b
):
    _client, job_id = applied_job
    stranger = UserFactory(role="coordinator", schools=[school_b])
    response = client_for(stranger).get(f"/labels/?job={job_id}")
    assert response.status_code == 404
    assert "GYM-1001" not in response.content.decode()


def test_the_api_prints_the_labels_of_an_imports_new_devices_and_refuses_a_stranger(
    applied_job, client_for, school_b
):
    client, job_id = applied_job
    body = json.dumps({"import_job": job_id, "template": "printer-62x29", "format": "zpl"})

    response = client.post("/api/v1/labels", body, content_type="application/json")

    assert response.status_code == 200
    zpl = response.content.decode()
    assert zpl.count("^XA") == 2
    assert "^FD>:GYM-1001^FS" in zpl and "^FD>:GYM-1002^FS" in zpl and "GYM-0999" not in zpl

    stranger = client_for(UserFactory(role="coordinator", schools=[school_b]))
    refused = stranger.post("/api/v1/labels", body, content_type="application/json")
    assert refused.status_code == 404


def test_the_command_prints_the_labels_of_an_imports_new_devices(applied_job, tmp_path):
    _client, job_id = applied_job
    output = tmp_path / "etiketten.zpl"

    call_command(
        "print_labels",
        "--import-job",
        str(job_id),
        "--template",
        "printer-62x29",
        "--output",
        str(output),
        stdout=io.StringIO(),
    )

    zpl = output.read_text()
    assert zpl.count("^XA") == 2 and "GYM-1001" in zpl and "GYM-0999" not in zpl
