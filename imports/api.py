"""Imports over the API, for every kind: follow an import's progress and every row's
outcome, check it again, confirm it (applied in the background, all or nothing). Each
kind's app has the endpoint that uploads its files. Each endpoint makes one service or
selector call; every answer that shows a job's rows records what it showed
(import_job_viewed: the access log, for a roster)."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from core.models import User
from imports import selectors, services
from imports.kinds import import_kind
from imports.models import ImportJob
from imports.schemas import ImportConfirmIn, ImportJobOut, ImportRecheckIn, ImportRowsIn

router = Router(tags=["imports"])


def import_job_out(job: ImportJob, rows: ImportRowsIn, *, actor: User) -> ImportJobOut:
    """The answer about a job, with one page of its rows; records what it shows."""
    count, page = selectors.import_job_rows(
        job=job, outcome=rows.outcome, offset=rows.offset, limit=rows.limit
    )
    report = job.report or {}
    # The lists of people the answer shows whole besides a page of rows (a roster's people
    # missing from the file: ImportJobOut.lifecycle).
    listed = [entry for name in import_kind(job.kind).listed for entry in report.get(name) or []]
    services.import_job_viewed(actor=actor, job=job, shown=[*page, *listed], via="api")
    return ImportJobOut.build(job, rows=page, count=count, offset=rows.offset, limit=rows.limit)


@router.get("/{int:job_id}", response=ImportJobOut)
def import_detail(request: HttpRequest, job_id: int, rows: Query[ImportRowsIn]):
    """An import's status and progress and, once checked, its rows: errors first, or only
    those with `outcome`, `limit` at a time from `offset`."""
    job = selectors.import_job_get(actor=request.user, job_id=job_id)
    return import_job_out(job, rows, actor=request.user)


@router.post("/{int:job_id}/recheck", response={202: ImportJobOut})
def import_recheck(request: HttpRequest, job_id: int, payload: ImportRecheckIn):
    """Check a previewed, unconfirmed import again with another `date_order` (`dmy` or
    `mdy`), for dates with slashes whose column does not tell the order of day and month.
    The new preview runs in the background, as after the upload."""
    job = services.import_job_recheck(
        actor=request.user, job_id=job_id, date_order=payload.date_order
    )
    return Status(202, import_job_out(job, ImportRowsIn(), actor=request.user))


@router.post("/{int:job_id}/confirm", response={202: ImportJobOut})
def import_confirm(request: HttpRequest, job_id: int, payload: ImportConfirmIn | None = None):
    """Apply a checked import in the background: all rows, or (devices only) with
    `only_valid` the rows without errors. A second confirmation is refused (409)."""
    only_valid = payload.only_valid if payload is not None else False
    job = services.import_job_confirm(actor=request.user, job_id=job_id, only_valid=only_valid)
    return Status(202, import_job_out(job, ImportRowsIn(), actor=request.user))
