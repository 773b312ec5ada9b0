"""Class lists with the initial passwords, and a person's password reset. Each endpoint
makes one service call. Both hand out passwords, so both are POSTs: a browser session
needs the CSRF token for them, and a link or form on another site can neither use up an
initial password nor reset one."""

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Router

from accounts.classlists import class_lists_download
from accounts.password_reset import password_reset
from accounts.schemas import ClassListIn, NewPasswordOut
from core.sheets.write import XLSX_CONTENT_TYPE

router = Router(tags=["accounts"])

_NOT_STORED = "no-store"


@router.post(
    "/class-lists",
    summary="Download the class lists of a school as .xlsx",
    description="A POST, not a GET: the list hands out the initial passwords that are not "
    "handed out yet, once. The parameters are the JSON body.",
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
def class_lists(request: HttpRequest, params: ClassListIn) -> HttpResponse:
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
