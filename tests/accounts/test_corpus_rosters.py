"""The roster corpus (tests/data/rosters, made by its make.py): each file goes through the
real roster services, preview then apply, and every row must come to the outcome and the
stored values that expected.csv gives — "none": no person with that id was stored; a
file with an error row stores nothing at all."""

import datetime

import pytest
from django.utils import translation

from accounts.models import Person
from accounts.rosters import roster_apply, roster_preview
from accounts.rosters.apply import RosterHasErrors
from tests.data import DATA, expected_by_file

CORPUS = DATA / "rosters"
TODAY = datetime.date(2026, 9, 1)


EXPECTED = expected_by_file("rosters")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _arguments(actor, school, name):
    return {
        "actor": actor,
        "school": school,
        "kind": "students",
        "data": (CORPUS / name).read_bytes(),
        "filename": name,
        "today": TODAY,
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_corpus_roster_comes_to_its_expected_outcomes_and_stored_values(
    it_admin, school_a, name
):
    expected = EXPECTED[name]
    before = expected[0]["before"]
    if before:
        roster_apply(**_arguments(it_admin, school_a, before))
    people_before = Person.objects.count()

    preview = roster_preview(**_arguments(it_admin, school_a, name))

    rows = {str(row.row): row for row in preview.rows}
    tolerated = {step.person_id for step in preview.tolerate}
    for line in expected:
        if line["row"] == "missing":
            person = Person.objects.get(school=school_a, external_id=line["external_id"])
            assert person.pk in tolerated, line
            continue
        row = rows[line["row"]]
        assert row.outcome == line["outcome"], (line, row.errors)
        if line["error_column"]:
            assert [error["column"] for error in row.errors] == [line["error_column"]]
    assert len(rows) == sum(1 for line in expected if line["row"] != "missing")

    if any(line["outcome"] == "error" for line in expected):
        with pytest.raises(RosterHasErrors):
            roster_apply(**_arguments(it_admin, school_a, name))
        assert Person.objects.count() == people_before
    else:
        applied = roster_apply(**_arguments(it_admin, school_a, name))
        assert [row.outcome for row in applied.rows] == [row.outcome for row in preview.rows]

    for line in expected:
        stored = Person.objects.filter(school=school_a, external_id=line["external_id"])
        if line["status"] == "none":
            assert not stored.exists(), line
            continue
        person = stored.select_related("school_class").get()
        assert {
            "class_name": person.school_class.name if person.school_class else "",
            "last_name": person.last_name,
            "first_name": person.first_name,
            "birth_date": person.birth_date.isoformat(),
            "status": person.status,
            "login": person.login,
        } == {
            key: line[key]
            for key in ("class_name", "last_name", "first_name", "birth_date", "status", "login")
        }, line
