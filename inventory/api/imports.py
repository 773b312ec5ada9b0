"""Imports over the API: upload a file of devices (rosters: accounts.api_rosters; its
preview runs in the background), follow any import's progress and every row's outcome,
confirm it (applied in the background, all or nothing). Each endpoint makes one service or
selector call from inventory.importing.jobs; every answer that shows a job's rows records
what it showed (jobs.import_job_viewed: the access log, for a roster)."""

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Status, UploadedFile

from core.models import ImportJob, User
from inventory.importing import jobs
from inventory.schemas.imports import (
    DateOrder,
    ImportConfirmIn,
    ImportJobOut,
    ImportRecheckIn,
    ImportRowsIn,
)

router = Router(tags=["imports"])

# The lists of a roster's report that an answer shows whole, besides a page of its rows:
# the people missing from the file (ImportJobOut.lifecycle).
_LISTED = ("tolerate", "disable", "delete")


def import_job_out(job: ImportJob, rows: ImportRowsIn, *, actor: User) -> ImportJobOut:
    count, page = jobs.import_job_rows(
        job=job, outcome=rows.outcome, offset=rows.offset, limit=rows.limit
    )
    report = job.report or {}
    listed = [entry for name in _LISTED for entry in report.get(name) or []]
    jobs.import_job_viewed(actor=actor, job=job, shown=[*page, *listed], via="api")
    return ImportJobOut.build(job, rows=page, count=count, offset=rows.offset, limit=rows.limit)


@router.post("/imports/devices", response={202: ImportJobOut})
def device_import_upload(
    request: HttpRequest,
    file: File[UploadedFile],
    school: Form[str | None] = None,
    create_missing: Form[bool] = False,
    date_order: Form[DateOrder | None] = None,
):
    """Upload an .xlsx or .csv file of devices. The answer comes at once; the file is
    checked in the background (`status` goes from `uploaded` to `previewed`). `date_order`
    (`dmy`, the default, or `mdy`) reads dates with slashes such as 08/01/2021 when their
    column does not tell the order of day and month (`date_orders` of the answer)."""
    job = jobs.import_job_create(
        actor=request.user,
        upload=file,
        filename=file.name or "",
        size=file.size,
        school=school or None,
        create_missing=create_missing,
        date_order=date_order,
    )
    return Status(202, import_job_out(job, ImportRowsIn(), actor=request.user))


@router.get("/imports/{int:job_id}", response=ImportJobOut)
def import_detail(request: HttpRequest, job_id: int, rows: Query[ImportRowsIn]):
    """An import's status and progress and, once checked, its rows: errors first, or only
    those with `outcome`, `limit` at a time from `offset`."""
    job = jobs.import_job_get(actor=request.user, job_id=job_id)
    return import_job_out(job, rows, actor=request.user)


@router.post("/imports/{int:job_id}/recheck", response={202: ImportJobOut})
def import_recheck(request: HttpRequest, job_id: int, payload: ImportRecheckIn):
    """Check a previewed, unconfirmed import again with another `date_order` (`dmy` or
    `mdy`), for dates with slashes whose column does not tell the order of day and month.
    The new preview runs in the background, as after the upload."""
    job = jobs.import_job_recheck(actor=request.user, job_id=job_id, date_order=payload.date_order)
    return Status(202, import_job_out(job, ImportRowsIn(), actor=request.user))


@router.post("/imports/{int:job_id}/confirm", response={202: ImportJobOut})
def import_confirm(request: HttpRequest, job_id: int, payload: ImportConfirmIn | None = None):
    """Apply a checked import in the background: all rows, or (devices only) with
    `only_valid` the rows without errors. A second confirmation is refused (409)."""
    only_valid = payload.only_valid if payload is not None else False
    job = jobs.import_job_confirm(actor=request.user, job_id=job_id, only_valid=only_valid)
    return Status(202, import_job_out(job, ImportRowsIn(), actor=request.user))
