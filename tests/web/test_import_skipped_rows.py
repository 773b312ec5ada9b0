"""What the reader leaves out of a file (a totals row at the end, a column named twice)
reaches the preview page and the API, with the row and why, for devices and rosters."""

import pytest

from tests.inventory.files import xlsx
from tests.web.test_import_pages import job_id_of, run_tasks, upload  # noqa: F401

pytestmark = pytest.mark.django_db

HEADER = ["Inventarnummer", "Hersteller", "Modell", "Kategorie", "Schulnummer", "Bemerkung"]


def test_the_device_preview_page_and_api_say_a_totals_row_and_a_second_column_were_left_out(
    client_for,
    it_admin,
    school_a,
    run_tasks,  # noqa: F811
):
    rows = [
        [*HEADER, "Bemerkung"],
        ["GYM-1", "Lenovo", "ThinkPad E14", "Notebook", "165432", "a", "b"],
        ["GYM-2", "Lenovo", "ThinkPad E14", "Notebook", "165432", "a", "b"],
        ["Summe", None, None, None, None, None, None],
    ]
    client = client_for(it_admin)
    with run_tasks():
        job_id = job_id_of(upload(client, xlsx(rows), create_missing="on"))

    html = client.get(f"/imports/{job_id}/").content.decode()
    assert "Nicht importiert:" in html
    assert "Zeile 4: Eine Summenzeile („Summe“) am Ende der Tabelle" in html
    assert "Zeile 1: Die Spalte „Bemerkung“ kommt zweimal vor (Spalten F und G)" in html

    answer = client.get(f"/api/v1/imports/{job_id}").json()
    assert [(item["row"], item["column"]) for item in answer["skipped"]] == [
        (1, "Bemerkung"),
        (4, ""),
    ]
    assert answer["counts"]["create"] == 2
