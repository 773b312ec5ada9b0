"""Stock-takings (Inventur): start, state, scans, "hierher umbuchen", the missing list,
closing, and the protocol. Mounted at /stocktakings.

Every endpoint parses, makes one selector or service call, and returns a schema. A
stock-taking is fetched with the permission the step needs (STOCKTAKE_MANAGE to start,
close, move and read the protocol), so a role without it gets 403 whatever the
stock-taking, and one out of reach is 404. A scan is answered 201 when it is new and 200
when its client id was already stored (the same scan, sent again)."""

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Router, Status
from ninja.pagination import paginate

from core.pagination import Page
from core.permissions import Perm
from stocktaking import protocol, selectors, services
from stocktaking.answers import scan_answer
from stocktaking.models import Stocktaking
from stocktaking.schemas import (
    CountsOut,
    MissingDeviceOut,
    RoomProgressOut,
    ScanIn,
    ScanOut,
    StocktakingCloseIn,
    StocktakingOut,
    StocktakingStartIn,
    StocktakingStateOut,
)

router = Router(tags=["stock-taking"])

_FILE = {"schema": {"type": "string", "format": "binary"}}


def _out(stocktaking: Stocktaking) -> dict:
    return {
        "id": stocktaking.pk,
        "name": stocktaking.name,
        "school": stocktaking.school,
        "status": stocktaking.status,
        "whole_school": stocktaking.whole_school,
        "building": stocktaking.building,
        "started_at": stocktaking.started_at,
        "started_by": stocktaking.started_by,
        "closed_at": stocktaking.closed_at,
        "closed_by": stocktaking.closed_by,
    }


def _state(request: HttpRequest, stocktaking: Stocktaking) -> dict:
    rooms = selectors.scan_rooms(actor=request.user, stocktaking=stocktaking)
    visible = selectors.visible_room_ids(actor=request.user, stocktaking=stocktaking)
    counts = selectors.stocktaking_counts(stocktaking=stocktaking, room_ids=visible)
    progress = selectors.room_progress(stocktaking=stocktaking, room_ids=visible)
    return {
        **_out(stocktaking),
        "rooms": [{"id": room.pk, "name": room.name, "building": room.building} for room in rooms],
        "counts": CountsOut.of(counts),
        "progress": [RoomProgressOut.of(each) for each in progress],
    }


def _managed(request: HttpRequest, stocktaking_id: int) -> Stocktaking:
    return selectors.stocktaking_get(
        actor=request.user, stocktaking_id=stocktaking_id, perm=Perm.STOCKTAKE_MANAGE
    )


@router.post("", response={201: StocktakingStateOut})
def stocktaking_start(request: HttpRequest, payload: StocktakingStartIn):
    """Start a stock-taking of a school: the whole school, one building's rooms, or the
    rooms named. The devices expected are those recorded there, not retired, now."""
    stocktaking = services.stocktaking_start(
        actor=request.user,
        school_number=payload.school,
        building=payload.building,
        room_ids=payload.rooms,
        name=payload.name,
    )
    return Status(201, _state(request, stocktaking))


@router.get("", response=list[StocktakingOut])
@paginate(Page)
def stocktaking_list(request: HttpRequest):
    """The stock-takings the user may see, newest first: those of their schools for those
    who manage them; for a teacher the open ones that cover a classroom of theirs."""
    return selectors.stocktaking_list(actor=request.user)


@router.get("/{stocktaking_id}", response=StocktakingStateOut)
def stocktaking_get(request: HttpRequest, stocktaking_id: int):
    """The state: counts, progress per room and the rooms to scan in (a teacher's
    classrooms only, and only their devices counted)."""
    stocktaking = selectors.stocktaking_get(actor=request.user, stocktaking_id=stocktaking_id)
    return _state(request, stocktaking)


@router.post("/{stocktaking_id}/scans", response={200: ScanOut, 201: ScanOut})
def stocktaking_scan(request: HttpRequest, stocktaking_id: int, payload: ScanIn):
    """Record a scan: 201 with its outcome (found, elsewhere, unknown, already); the same
    client_id again: 200 with the scan stored before, nothing written. 409 once closed."""
    stocktaking = selectors.stocktaking_get(actor=request.user, stocktaking_id=stocktaking_id)
    recorded = services.scan_record(
        actor=request.user,
        stocktaking=stocktaking,
        client_id=payload.client_id,
        code=payload.code,
        room_id=payload.room_id,
        scanned_at=payload.scanned_at,
    )
    return Status(
        201 if recorded.created else 200, scan_answer(actor=request.user, scan=recorded.scan)
    )


@router.post("/{stocktaking_id}/scans/{scan_id}/move", response=ScanOut)
def stocktaking_scan_move(request: HttpRequest, stocktaking_id: int, scan_id: int):
    """ "Hierher umbuchen": the device found elsewhere now belongs to the room it was
    scanned in (its history records the change)."""
    stocktaking = _managed(request, stocktaking_id)
    scan = selectors.scan_get(actor=request.user, stocktaking=stocktaking, scan_id=scan_id)
    moved = services.scan_move(actor=request.user, stocktaking=stocktaking, scan=scan)
    scan = selectors.scan_get(actor=request.user, stocktaking=stocktaking, scan_id=moved.pk)
    return scan_answer(actor=request.user, scan=scan)


@router.get("/{stocktaking_id}/missing", response=list[MissingDeviceOut])
def stocktaking_missing(request: HttpRequest, stocktaking_id: int):
    """The expected devices no scan saw: those on loan now (counted as seen) and the
    missing ones; once closed, with the decision taken."""
    stocktaking = _managed(request, stocktaking_id)
    return [
        MissingDeviceOut.of(device) for device in selectors.missing_devices(stocktaking=stocktaking)
    ]


@router.post("/{stocktaking_id}/close", response=StocktakingStateOut)
def stocktaking_close(request: HttpRequest, stocktaking_id: int, payload: StocktakingCloseIn):
    """Close, once (409 the second time): the devices on loan count as seen, those in
    `lost` are reported lost (status Lost), the other missing ones stay as they are."""
    stocktaking = _managed(request, stocktaking_id)
    closed = services.stocktaking_close(
        actor=request.user, stocktaking=stocktaking, lost=payload.lost
    )
    return _state(request, selectors.stocktaking_get(actor=request.user, stocktaking_id=closed.pk))


def _file(written: protocol.ProtocolFile) -> HttpResponse:
    response = HttpResponse(written.content, content_type=written.content_type)
    response["Content-Disposition"] = content_disposition_header(True, written.filename)
    return response


@router.get(
    "/{stocktaking_id}/protocol.pdf",
    summary="Download the protocol of a closed stock-taking as a PDF",
    openapi_extra={
        "responses": {
            200: {
                "description": "The protocol, A4, to sign.",
                "content": {"application/pdf": _FILE},
            }
        }
    },
)
def stocktaking_protocol_pdf(request: HttpRequest, stocktaking_id: int) -> HttpResponse:
    """409 while the stock-taking is open."""
    return _file(protocol.protocol_pdf(stocktaking=_managed(request, stocktaking_id)))


@router.get(
    "/{stocktaking_id}/protocol.xlsx",
    summary="Download the protocol of a closed stock-taking as .xlsx",
    openapi_extra={
        "responses": {
            200: {
                "description": "The protocol's lists, a sheet each.",
                "content": {protocol.XLSX_CONTENT_TYPE: _FILE},
            }
        }
    },
)
def stocktaking_protocol_xlsx(request: HttpRequest, stocktaking_id: int) -> HttpResponse:
    """409 while the stock-taking is open."""
    return _file(protocol.protocol_xlsx(stocktaking=_managed(request, stocktaking_id)))
