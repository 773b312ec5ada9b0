"""Roster imports as import jobs (core.models.ImportJob, kinds `students` and `teachers`):
the upload, and how the job flow of inventory.importing.jobs previews and applies them and
records who looked at the people they name."""

from typing import IO, Any

from django.db.models import Q

from accounts.access_log import access_log_record
from accounts.models import AccessAction, AccessVia, Person
from accounts.rosters.apply import RosterHasErrors, roster_apply, roster_preview
from core.models import ImportJob, User
from core.permissions import Perm, require
from core.sheets.read import ensure_size
from inventory.importing.jobs import (
    ImportHasErrors,
    ImportKind,
    checked_date_order,
    import_job_school,
    import_job_store,
)
from inventory.importing.report import Progress
from inventory.selectors import school_get


def roster_job_create(
    *,
    actor: User,
    kind: str,
    upload: IO[bytes],
    filename: str,
    size: int,
    school: str,
    date_order: str | None = None,
) -> ImportJob:
    """Keep an uploaded roster of `kind` (students or teachers) for the school with the
    number `school` and start its preview in the background. The school is always chosen,
    never guessed from the file; one the actor does not reach is "not found". The size is
    checked before the file is read. `date_order` (dmy, the default, or mdy) reads birth
    dates with slashes whose column does not tell the order of day and month."""
    require(actor, Perm.ROSTER_IMPORT)
    ensure_size(size)
    chosen = school_get(actor=actor, number=school.strip(), perm=Perm.ROSTER_IMPORT)
    return import_job_store(
        actor=actor,
        kind=kind,
        upload=upload,
        filename=filename,
        size=size,
        options={"school": chosen.id, "date_order": checked_date_order(date_order)},
    )


def _arguments(job: ImportJob, actor: User) -> dict[str, Any]:
    return {
        "actor": actor,
        "school": import_job_school(job),
        "kind": job.kind,
        "data": bytes(job.content),
        "filename": job.filename,
        "date_order": job.options.get("date_order") or "dmy",
    }


def _preview(job: ImportJob, actor: User, progress: Progress) -> dict[str, Any]:
    return roster_preview(**_arguments(job, actor)).as_dict()


def _check(job: ImportJob, actor: User, progress: Progress, only_valid: bool) -> None:
    # Nothing to prepare: roster_apply plans again while it holds the school's lock.
    return None


def _write(_prepared: None, job: ImportJob, actor: User, progress: Progress) -> dict[str, Any]:
    try:
        return roster_apply(**_arguments(job, actor)).as_dict()
    except RosterHasErrors as exc:
        raise ImportHasErrors(exc.message, report=exc.report.as_dict()) from exc


def _viewed(job: ImportJob, actor: User, shown: list[dict[str, Any]], via: str) -> None:
    """One access log entry for each person the shown entries of the job's report name:
    the rows of people who exist (by login, in the job's school; a new person has no login
    before the import is applied, and no data of theirs is stored to look at) and the
    people missing from the file (by id). All in one bulk insert, one query to find them;
    nothing when the entries name no one."""
    logins = {entry["login"] for entry in shown if entry.get("login")}
    ids = {entry["person_id"] for entry in shown if entry.get("person_id")}
    if not logins and not ids:
        return
    named = Q(pk__in=ids) | Q(login__in=logins, school_id=job.options.get("school"))
    access_log_record(
        actor=actor,
        action=AccessAction.VIEW,
        via=AccessVia(via),
        people=list(Person.objects.filter(named).values_list("pk", flat=True)),
        detail=f"roster import {job.pk}",
    )


def _start(*, create_missing: bool, **upload: Any) -> ImportJob:
    return roster_job_create(**upload)


ROSTER_IMPORT = ImportKind(
    perm=Perm.ROSTER_IMPORT,
    start=_start,
    preview=_preview,
    check=_check,
    write=_write,
    allows_only_valid=False,
    viewed=_viewed,
)
