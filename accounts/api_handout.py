"""Class lists with the initial passwords, and a person's password reset. Each endpoint
makes one service call."""

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Query, Router

from accounts.classlists import class_lists_download
from accounts.password_reset import password_reset
from accounts.schemas_handout import ClassListIn, NewPasswordOut
from core.sheets.write import XLSX_CONTENT_TYPE

router = Router(tags=["accounts"])

_NOT_STORED = "no-store"


@router.get(
    "/class-lists",
    summary="Download the class lists of a school as .xlsx",
    openapi_extra={
        "responses": {
            200: {
                "description": "One sheet per class (and the teachers), with the initial "
                "passwords not handed out yet for those who hand them out.",
                "content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def class_lists(request: HttpRequest, params: Query[ClassListIn]) -> HttpResponse:
    download = class_lists_download(
        actor=request.user,
        school_number=params.school,
        classes=params.classes,
        teachers=params.teachers,
    )
    response = HttpResponse(download.content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, download.filename)
    # The file may hold passwords that are handed out once: no cache may keep a copy.
    response["Cache-Control"] = _NOT_STORED
    return response


@router.post("/people/{person_id}/password-reset", response=NewPasswordOut)
def person_password_reset(request: HttpRequest, response: HttpResponse, person_id: int):
    """Give the person a new password in the directory. The answer is the only place it
    is ever shown: Lernstatt stores it nowhere."""
    response["Cache-Control"] = _NOT_STORED
    return password_reset(actor=request.user, person_id=person_id)._asdict()
