"""Device files over the API: the upload. The job is then followed, checked again and
confirmed like every import, at /api/v1/imports/{id} and its recheck and confirm."""

from django.http import HttpRequest
from ninja import File, Form, Router, Status, UploadedFile

from imports.api import import_job_out
from imports.schemas import DateOrder, ImportJobOut, ImportRowsIn
from inventory.importing.kind import import_job_create

router = Router(tags=["imports"])


@router.post("/devices", response={202: ImportJobOut})
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
    job = import_job_create(
        actor=request.user,
        upload=file,
        filename=file.name or "",
        size=file.size,
        school=school or None,
        create_missing=create_missing,
        date_order=date_order,
    )
    return Status(202, import_job_out(job, ImportRowsIn(), actor=request.user))
