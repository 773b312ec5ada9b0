"""The table corpus (tests/data/tables, made by its make.py): CSV and .xlsx files as Excel
for Windows and Mac, Numbers, LibreOffice and old DOS tools save them go through the real
device import (or roster import) services, preview then apply, and come to what
expected.csv gives: a refusal code, or each row's outcome ("skipped": the reader left the
row out and the preview says so) and the values stored for it."""

import datetime

import pytest
from django.utils import translation

from accounts.models import Person
from accounts.rosters import roster_apply, roster_preview
from core.errors import FileRejected
from inventory.importing import device_import_apply, device_import_preview
from inventory.models import Device
from tests.data import DATA, expected_by_file

CORPUS = DATA / "tables"
TODAY = datetime.date(2026, 9, 1)


EXPECTED = expected_by_file("tables")


def test_every_file_of_the_corpus_has_expected_outcomes():
    files = {path.name for path in CORPUS.iterdir() if path.suffix in (".csv", ".xlsx")}
    assert files - {"expected.csv"} == set(EXPECTED)


def _stored(kind: str, key: str, name: str) -> str:
    if kind == "students":
        return str(getattr(Person.objects.get(external_id=key), name))
    device = Device.objects.select_related("room", "model").get(asset_tag=key)
    value = getattr(device, name)
    if name in ("room", "model"):
        return value.name
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_corpus_table_comes_to_its_expected_outcome_and_stored_values(
    it_admin, school_a, name
):
    expected = EXPECTED[name]
    kind = expected[0]["kind"]
    data = (CORPUS / name).read_bytes()
    if kind == "students":
        arguments = {"actor": it_admin, "school": school_a, "kind": kind, "today": TODAY}
        preview, apply = roster_preview, roster_apply
    else:
        arguments = {"actor": it_admin, "create_missing": True}
        preview, apply = device_import_preview, device_import_apply
    arguments.update(data=data, filename=name)

    with translation.override("en"):
        if expected[0]["refusal"]:
            with pytest.raises(FileRejected) as caught:
                preview(**arguments)
            assert caught.value.code == expected[0]["refusal"]
            assert "line" in caught.value.message.lower()
            assert not Device.objects.exists() and not Person.objects.exists()
            return
        report = preview(**arguments)

    outcomes = {row.row: row.outcome for row in report.rows}
    rows = {int(line["row"]) for line in expected if line["outcome"] != "skipped"}
    assert set(outcomes) == rows, report.errors
    for line in expected:
        if line["outcome"] != "skipped":
            assert outcomes[int(line["row"])] == line["outcome"], (line, report.errors)
    skipped = {int(line["row"]) for line in expected if line["outcome"] == "skipped"}
    assert {item["row"] for item in report.skipped} == skipped
    assert all(item["message"] for item in report.skipped)

    if kind == "students":
        apply(**arguments)
    else:
        has_errors = any(line["outcome"] == "error" for line in expected)
        assert apply(**arguments, only_valid=has_errors).applied
    for line in expected:
        if line["field"]:
            assert _stored(kind, line["key"], line["field"]) == line["value"], line
