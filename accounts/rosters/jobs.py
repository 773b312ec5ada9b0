"""Roster imports as import jobs (core.models.ImportJob, kinds `students` and `teachers`):
the upload, and how the job flow of inventory.importing.jobs previews and applies them."""

from typing import IO, Any

from accounts.rosters.apply import RosterHasErrors, roster_apply, roster_preview
from core.models import ImportJob, User
from core.permissions import Perm, require
from core.sheets.read import ensure_size
from inventory.importing.jobs import (
    ImportHasErrors,
    ImportKind,
    import_job_school,
    import_job_store,
)
from inventory.importing.report import Progress
from inventory.selectors import school_get


def roster_job_create(
    *, actor: User, kind: str, upload: IO[bytes], filename: str, size: int, school: str
) -> ImportJob:
    """Keep an uploaded roster of `kind` (students or teachers) for the school with the
    number `school` and start its preview in the background. The school is always chosen,
    never guessed from the file; one the actor does not reach is "not found". The size is
    checked before the file is read."""
    require(actor, Perm.ROSTER_IMPORT)
    ensure_size(size)
    chosen = school_get(actor=actor, number=school.strip(), perm=Perm.ROSTER_IMPORT)
    return import_job_store(
        actor=actor,
        kind=kind,
        upload=upload,
        filename=filename,
        size=size,
        options={"school": chosen.id},
    )


def _arguments(job: ImportJob, actor: User) -> dict[str, Any]:
    return {
        "actor": actor,
        "school": import_job_school(job),
        "kind": job.kind,
        "data": bytes(job.content),
        "filename": job.filename,
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


ROSTER_IMPORT = ImportKind(
    perm=Perm.ROSTER_IMPORT,
    preview=_preview,
    check=_check,
    write=_write,
    allows_only_valid=False,
)
