"""The uploaded file of an import is kept only while it is needed (LERNSTATT_IMPORT_KEEP_DAYS)."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from imports.models import ImportJob
from imports.retention import import_files_purge

pytestmark = pytest.mark.django_db

Status = ImportJob.Status
FILE = b"PK\x03\x04 a roster with children's names"


def job(
    status: str,
    *,
    days_ago: float,
    it_admin,
    content: bytes = FILE,
    kind: str = "devices",
    report: dict | None = None,
) -> ImportJob:
    made = ImportJob.objects.create(
        kind=kind,
        created_by=it_admin,
        filename="klasse-5a.xlsx",
        content=content,
        status=status,
        report={"rows": 1} if report is None else report,
    )
    ImportJob.objects.filter(pk=made.pk).update(
        updated_at=timezone.now() - timedelta(days=days_ago)
    )
    return made


def file_of(made: ImportJob) -> bytes:
    return bytes(ImportJob.objects.values_list("content", flat=True).get(pk=made.pk))


def test_files_of_imports_left_waiting_or_failed_are_deleted_after_the_keep_days(it_admin):
    waiting = job(Status.PREVIEWED, days_ago=7.1, it_admin=it_admin)
    uploaded = job(Status.UPLOADED, days_ago=8, it_admin=it_admin)
    failed = job(Status.FAILED, days_ago=30, it_admin=it_admin)

    with translation.override("de"):
        assert import_files_purge() == 3

    assert file_of(waiting) == file_of(uploaded) == file_of(failed) == b""
    waiting.refresh_from_db()
    assert waiting.status == Status.FAILED
    assert waiting.error["code"] == "file_expired"
    assert "7 Tagen" in waiting.error["message"]
    assert waiting.report == {"rows": 1}  # the record of what happened stays


def test_recent_imports_and_running_steps_keep_their_file(it_admin):
    recent = job(Status.PREVIEWED, days_ago=6.9, it_admin=it_admin)
    applying = job(Status.APPLYING, days_ago=30, it_admin=it_admin)
    previewing = job(Status.PREVIEWING, days_ago=30, it_admin=it_admin)

    assert import_files_purge() == 0

    assert file_of(recent) == file_of(applying) == file_of(previewing) == FILE
    recent.refresh_from_db()
    assert recent.status == Status.PREVIEWED


def test_an_applied_import_keeps_no_file_and_a_second_purge_deletes_nothing(it_admin):
    applied = job(Status.APPLIED, days_ago=0, it_admin=it_admin)

    assert import_files_purge() == 1
    assert import_files_purge() == 0
    assert file_of(applied) == b""


def test_the_keep_days_follow_the_setting(it_admin, settings):
    settings.LERNSTATT_IMPORT_KEEP_DAYS = 1
    waiting = job(Status.PREVIEWED, days_ago=1.5, it_admin=it_admin)

    assert import_files_purge() == 1
    assert file_of(waiting) == b""


def test_the_purge_runs_every_night(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["import-files-purge"]
    assert entry["task"] == "inventory.tasks.import_files_purge"


ROSTER_REPORT = {
    "kind": "students",
    "school_year": "2026/27",
    "counts": {"create": 1, "tolerate": 1},
    "rows": [{"row": 2, "last_name": "Ölçek-Zaunkönig", "birth_date": "2014-03-07"}],
    "tolerate": [{"name": "Ben Ölçek-Zaunkönig", "class": "5a"}],
    "disable": [],
    "delete": [],
    "new_classes": ["5a"],
    "unknown_columns": ["Bemerkung Ölçek"],
    "header_row": 1,
    "applied": True,
}


def test_a_roster_reports_names_are_gone_after_the_keep_days_and_its_counts_stay(it_admin):
    old = job(
        Status.APPLIED,
        days_ago=8,
        it_admin=it_admin,
        content=b"",
        kind="students",
        report=ROSTER_REPORT,
    )
    recent = job(
        Status.APPLIED,
        days_ago=1,
        it_admin=it_admin,
        content=b"",
        kind="students",
        report=ROSTER_REPORT,
    )

    import_files_purge()

    old.refresh_from_db()
    recent.refresh_from_db()
    assert "Ölçek" not in str(old.report)
    assert "2014-03-07" not in str(old.report)
    assert old.report["counts"] == {"create": 1, "tolerate": 1}
    assert old.report["new_classes"] == ["5a"]
    assert recent.report == ROSTER_REPORT  # still needed to look at the import
