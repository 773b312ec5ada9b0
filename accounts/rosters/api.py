"""Roster imports over the API: upload the school office's list of students or teachers for
one school. The job is then followed and confirmed like every import, at
/api/v1/imports/{id} and /api/v1/imports/{id}/confirm."""

from django.http import HttpRequest
from ninja import File, Form, Router, Status, UploadedFile

from accounts.rosters.columns import STUDENTS, TEACHERS
from accounts.rosters.kind import roster_job_create
from imports.api import import_job_out
from imports.schemas import DateOrder, ImportJobOut, ImportRowsIn

router = Router(tags=["imports"])


def _upload(
    request: HttpRequest, kind: str, file: UploadedFile, school: str, date_order: str | None
) -> Status:
    job = roster_job_create(
        actor=request.user,
        kind=kind,
        upload=file,
        filename=file.name or "",
        size=file.size,
        school=school,
        date_order=date_order,
    )
    return Status(202, import_job_out(job, ImportRowsIn(), actor=request.user))


@router.post("/students", response={202: ImportJobOut})
def student_import_upload(
    request: HttpRequest,
    file: File[UploadedFile],
    school: Form[str],
    date_order: Form[DateOrder | None] = None,
):
    """Upload a list of a school's students (.xlsx or .csv, e.g. SchILD's export). The
    answer comes at once; the file is checked in the background. `date_order` (`dmy`, the
    default, or `mdy`) reads birth dates with slashes whose column does not tell."""
    return _upload(request, STUDENTS, file, school, date_order)


@router.post("/teachers", response={202: ImportJobOut})
def teacher_import_upload(
    request: HttpRequest,
    file: File[UploadedFile],
    school: Form[str],
    date_order: Form[DateOrder | None] = None,
):
    """Upload a list of a school's teachers (.xlsx or .csv). The answer comes at once; the
    file is checked in the background (`date_order` as for students)."""
    return _upload(request, TEACHERS, file, school, date_order)
