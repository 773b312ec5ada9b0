"""The corpus of tests/data/values (written by its make.py): files as offices make them,
imported through the real services; expected.csv says each row's outcome and the exact
value stored (or a part of the row's error message)."""

import csv
import datetime
from collections import defaultdict
from pathlib import Path

import pytest
from django.utils import translation

from inventory.importing import device_import_apply
from inventory.models import Device
from tests.factories import DeviceFactory, DeviceModelFactory, RoomFactory

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parent.parent / "data" / "values"


def expectations() -> dict[tuple[str, str], list[dict[str, str]]]:
    with open(CORPUS / "expected.csv", encoding="utf-8", newline="") as table:
        grouped = defaultdict(list)
        for line in csv.DictReader(table, delimiter=";"):
            grouped[(line["file"], line["date_order"])].append(line)
    return dict(grouped)


EXPECTED = expectations()


@pytest.fixture
def inventory(school_a):
    thinkpad = DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14")
    DeviceModelFactory(manufacturer="Dell", name="Latitude Förderschule")
    RoomFactory(school=school_a, name="A101")
    RoomFactory(school=school_a, name="Bücherei")
    DeviceFactory(asset_tag="00555", model=thinkpad, school=school_a)


def _stored(device: Device, field: str) -> str:
    value = getattr(device, field)
    if field == "model":
        return value.name
    if field == "room":
        return value.name if value else ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)


@pytest.mark.parametrize(("name", "date_order"), sorted(EXPECTED))
def test_a_corpus_file_stores_exactly_what_it_means(it_admin, inventory, name, date_order):
    with translation.override("en"):
        report = device_import_apply(
            actor=it_admin,
            data=(CORPUS / name).read_bytes(),
            filename=name,
            only_valid=True,
            date_order=date_order or "dmy",
        )
    outcomes = {outcome.row: outcome for outcome in report.rows}
    for line in EXPECTED[(name, date_order)]:
        outcome = outcomes[int(line["row"])]
        assert outcome.outcome == line["outcome"], (line, outcome.errors)
        if line["field"] == "error":
            messages = " | ".join(error["message"] for error in outcome.errors)
            assert line["value"] in messages
            assert not Device.objects.filter(asset_tag=line["asset_tag"]).exists()
        else:
            device = Device.objects.get(asset_tag=line["asset_tag"])
            assert _stored(device, line["field"]) == line["value"], line
