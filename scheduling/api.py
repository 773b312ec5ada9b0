"""Loans: requests, the queue, handout and return, availability, calendar and counts.

Every endpoint parses, makes one selector or service call, and returns a schema. A loan is
fetched with the permission the step needs (LOAN_MANAGE to decide, hand out or take back),
so a role without it gets 403 whatever the loan, and a loan out of reach is 404.
"""

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Query, Router, Status
from ninja.pagination import paginate

from accounts.models import AccessVia
from core.downloads import file_download
from core.pagination import Page
from core.permissions import Perm
from scheduling import agreement, exporting, handling, selectors, services
from scheduling.exporting import CONTENT_TYPES
from scheduling.schemas import (
    AvailabilityFilterIn,
    AvailableDeviceOut,
    CalendarFilterIn,
    CalendarOut,
    LoanApproveIn,
    LoanCountsOut,
    LoanExportIn,
    LoanExtendIn,
    LoanFilterIn,
    LoanHandoutIn,
    LoanLostIn,
    LoanOut,
    LoanRejectIn,
    LoanRequestIn,
    LoanReturnIn,
)

router = Router(tags=["loans"])


def _managed(request: HttpRequest, loan_id: int):
    return selectors.loan_get(actor=request.user, loan_id=loan_id, perm=Perm.LOAN_MANAGE)


@router.post("/loans", response={201: list[LoanOut]})
def loan_request(request: HttpRequest, payload: LoanRequestIn):
    """Request a device for one or several students of one class: all or none."""
    loans = services.loan_request(
        actor=request.user,
        student_ids=payload.students,
        category=payload.category,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        reason=payload.reason,
        note=payload.note,
    )
    return Status(201, loans)


@router.get("/loans", response=list[LoanOut])
@paginate(Page)
def loan_list(request: HttpRequest, filters: Query[LoanFilterIn]):
    return selectors.loan_list(actor=request.user, filters=selectors.LoanFilters(**filters.dict()))


@router.get("/loans/availability", response=list[AvailableDeviceOut])
def loan_availability(request: HttpRequest, filters: Query[AvailabilityFilterIn]):
    """Devices of a category free on every day of the period, in allocation order."""
    devices = selectors.device_availability(
        actor=request.user,
        category=filters.category,
        starts_on=filters.starts_on,
        ends_on=filters.ends_on,
        schools=filters.school,
    )
    return AvailableDeviceOut.rows(devices)


@router.get("/loans/calendar", response=CalendarOut)
def loan_calendar(request: HttpRequest, filters: Query[CalendarFilterIn]):
    """Per lendable device, its reservations and loans in the coming weeks."""
    window = selectors.calendar_window(filters.starts_on, filters.weeks)
    devices = selectors.loan_calendar(
        actor=request.user,
        window=window,
        school=filters.school,
        asset_tag=filters.device,
        category=filters.category,
    )
    return CalendarOut.build(actor=request.user, window=window, devices=devices)


_FILE = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/loans/export",
    summary="Download the loans as .xlsx or .csv",
    openapi_extra={
        "responses": {
            200: {
                "description": "The loans the user may see, with the list's filters.",
                "content": {content_type: _FILE for content_type in CONTENT_TYPES.values()},
            }
        }
    },
)
def loan_export(request: HttpRequest, params: Query[LoanExportIn]) -> FileResponse:
    """Every student in the file gets an entry in the access log."""
    export = exporting.loan_export(
        actor=request.user,
        filters=selectors.LoanFilters(**params.filter_values()),
        fmt=params.format,
        via=AccessVia.API,
    )
    return file_download(export)


@router.get("/loan-counts", response=list[LoanCountsOut])
def loan_counts(request: HttpRequest):
    """Per school: lendable devices, devices on loan, overdue loans, waiting requests."""
    return selectors.loan_counts(actor=request.user)


@router.get("/loans/{loan_id}", response=LoanOut)
def loan_get(request: HttpRequest, loan_id: int):
    return selectors.loan_get(actor=request.user, loan_id=loan_id)


@router.get(
    "/loans/{loan_id}/agreement.pdf",
    summary="Download the loan agreement (Leihvertrag) as a PDF",
    openapi_extra={
        "responses": {
            200: {
                "description": "The loan agreement in German, A4, to print and sign at the "
                "handout (a reprint once handed out).",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def loan_agreement(request: HttpRequest, loan_id: int) -> HttpResponse:
    """Recorded in the student's access log."""
    loan = _managed(request, loan_id)
    pdf = agreement.loan_agreement_print(actor=request.user, loan=loan, via=AccessVia.API)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = agreement.loan_agreement_filename(loan=loan)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # It names a child and their birth date: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


@router.post("/loans/{loan_id}/approve", response=LoanOut)
def loan_approve(request: HttpRequest, loan_id: int, payload: LoanApproveIn):
    """Approve: reserve the device picked by hand, or the first free one; none free: the
    request waits in the queue."""
    loan = _managed(request, loan_id)
    return services.loan_approve(actor=request.user, loan=loan, asset_tag=payload.device)


@router.post("/loans/{loan_id}/reject", response=LoanOut)
def loan_reject(request: HttpRequest, loan_id: int, payload: LoanRejectIn):
    loan = _managed(request, loan_id)
    return services.loan_reject(actor=request.user, loan=loan, reason=payload.reason)


@router.post("/loans/{loan_id}/cancel", response=LoanOut)
def loan_cancel(request: HttpRequest, loan_id: int):
    loan = selectors.loan_get(actor=request.user, loan_id=loan_id)
    return services.loan_cancel(actor=request.user, loan=loan)


@router.post("/loans/{loan_id}/handout", response=LoanOut)
def loan_handout(request: HttpRequest, loan_id: int, payload: LoanHandoutIn):
    loan = _managed(request, loan_id)
    return handling.loan_handout(actor=request.user, loan=loan, **payload.dict())


@router.post("/loans/{loan_id}/return", response=LoanOut)
def loan_return(request: HttpRequest, loan_id: int, payload: LoanReturnIn):
    loan = _managed(request, loan_id)
    return handling.loan_return(actor=request.user, loan=loan, **payload.dict())


@router.post("/loans/{loan_id}/extend", response=LoanOut)
def loan_extend(request: HttpRequest, loan_id: int, payload: LoanExtendIn):
    loan = _managed(request, loan_id)
    return handling.loan_extend(actor=request.user, loan=loan, ends_on=payload.ends_on)


@router.post("/loans/{loan_id}/lost", response=LoanOut)
def loan_lost(request: HttpRequest, loan_id: int, payload: LoanLostIn):
    loan = _managed(request, loan_id)
    return handling.loan_mark_lost(actor=request.user, loan=loan, note=payload.note)
