"""The stock-taking pages: the list, the start form, a stock-taking's overview (progress,
comparison with the last one), the scan page, closing, and the protocol downloads.

Every page works without JavaScript: the scan page posts the code and shows the answer
after a redirect (the scan's id in the query). With JavaScript (static/stocktaking/
scan.js) the same page sends each scan to the API and keeps scans made offline. Every
page reads through stocktaking.selectors and writes through stocktaking.services with
the acting user, so the role check (403) and the school scope (404) are decided in
core.permissions, as for the API."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.errors import Conflict, NotFound, ValidationFailed
from core.permissions import Perm, require
from core.views import web_errors
from inventory.selectors import room_list, school_list
from stocktaking import pages, protocol, selectors, services
from stocktaking.answers import scan_answer, scan_message
from stocktaking.forms import ScanForm, SchoolChoiceForm, StartForm
from stocktaking.models import Stocktaking

PAGE_SIZE = 50
COMPARISON_SHOWN = 200
# The scan page may use the camera (getUserMedia), which every other page keeps off, and
# run the barcode decoder's WebAssembly, which the policy's script-src otherwise forbids.
SCAN_PERMISSIONS_POLICY = settings.LERNSTATT_PERMISSIONS_POLICY.replace(
    "camera=()", "camera=(self)"
)


def _get(request: HttpRequest, stocktaking_id: int, perm: Perm = Perm.STOCKTAKE_SCAN):
    return selectors.stocktaking_get(actor=request.user, stocktaking_id=stocktaking_id, perm=perm)


@login_required
@web_errors
def stocktaking_list(request: HttpRequest) -> HttpResponse:
    """Open and closed stock-takings of the user's schools (a teacher: the open ones of
    their classrooms), newest first."""
    found = selectors.stocktaking_list(actor=request.user)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "stocktaking/list.html",
        {"page": page, "can_manage": selectors.manages(request.user)},
    )


@login_required
@web_errors
def stocktaking_start(request: HttpRequest) -> HttpResponse:
    """Choose the school (GET), then the scope; POST starts it and opens its overview."""
    require(request.user, Perm.STOCKTAKE_MANAGE)
    schools = list(school_list(actor=request.user, perm=Perm.STOCKTAKE_MANAGE))
    data = request.POST if request.method == "POST" else request.GET
    chooser = SchoolChoiceForm(data if data.get("school") else None, schools=schools)
    number = chooser.cleaned_data["school"] if chooser.is_valid() else None
    if number is None and len(schools) == 1:
        number = schools[0].number
    school = next((each for each in schools if each.number == number), None)
    form = None
    if school is not None:
        rooms = list(
            room_list(actor=request.user, school=school.number, perm=Perm.STOCKTAKE_MANAGE)
        )
        bound = request.POST if request.method == "POST" else None
        form = StartForm(bound, rooms=rooms, initial={"school": school.number})
        if request.method == "POST" and form.is_valid():
            try:
                stocktaking = services.stocktaking_start(
                    actor=request.user,
                    school_number=school.number,
                    name=form.cleaned_data["name"],
                    **form.scope_values(),
                )
            except ValidationFailed as exc:
                for error in exc.errors:
                    field = {"room_ids": "rooms"}.get(error.get("field"), error.get("field"))
                    form.add_error(field if field in form.fields else None, error["message"])
            else:
                messages.success(
                    request,
                    _("The stock-taking %(name)s has started.") % {"name": stocktaking.name},
                )
                return redirect("stocktaking:stocktaking_detail", stocktaking_id=stocktaking.pk)
    return render(
        request,
        "stocktaking/start.html",
        {"chooser": chooser, "schools": schools, "school": school, "form": form},
        status=422 if form is not None and form.errors else 200,
    )


@login_required
@web_errors
def stocktaking_detail(request: HttpRequest, stocktaking_id: int) -> HttpResponse:
    """Progress per room (a teacher: their classrooms), the counts, the links to scan, to
    close and to the protocol, and the comparison with the last stock-taking."""
    stocktaking = _get(request, stocktaking_id)
    can_manage = selectors.manages(request.user)
    visible = selectors.visible_room_ids(actor=request.user, stocktaking=stocktaking)
    comparison = selectors.stocktaking_comparison(stocktaking=stocktaking) if can_manage else None
    return render(
        request,
        "stocktaking/detail.html",
        {
            "stocktaking": stocktaking,
            "counts": selectors.stocktaking_counts(stocktaking=stocktaking, room_ids=visible),
            "progress": selectors.room_progress(stocktaking=stocktaking, room_ids=visible),
            "can_manage": can_manage,
            "comparison": comparison,
            "comparison_shown": COMPARISON_SHOWN,
        },
    )


def _scan_room(request: HttpRequest, stocktaking: Stocktaking, rooms: list) -> int | None:
    """The room preselected: ?room=, else the last one used here, else the first."""
    ids = [room.pk for room in rooms]
    remembered = pages.scan_page_remembered(request) or {}
    candidates = [request.GET.get("room")]
    if remembered.get("stocktaking") == stocktaking.pk:
        candidates.append(remembered.get("room"))
    for candidate in candidates:
        try:
            room_id = int(candidate)
        except (TypeError, ValueError):
            continue
        if room_id in ids:
            return room_id
    return ids[0] if ids else None


def _scan_page(request: HttpRequest, stocktaking: Stocktaking, *, form=None, status=200):
    rooms = selectors.scan_rooms(actor=request.user, stocktaking=stocktaking)
    room_id = _scan_room(request, stocktaking, rooms)
    pages.scan_page_remember(request, stocktaking.pk, room_id)
    result = None
    scan_id = request.GET.get("scan", "")
    if scan_id.isdigit():
        try:
            scan = selectors.scan_get(
                actor=request.user, stocktaking=stocktaking, scan_id=int(scan_id)
            )
        except NotFound:
            scan = None
        if scan is not None and scan.scanned_by_id == request.user.pk:
            result = scan_answer(actor=request.user, scan=scan)
    visible = selectors.visible_room_ids(actor=request.user, stocktaking=stocktaking)
    log = selectors.recent_scans(actor=request.user, stocktaking=stocktaking)
    for scan in log:
        scan.text = scan_message(request.user, scan)
    response = render(
        request,
        "stocktaking/scan.html",
        {
            "stocktaking": stocktaking,
            "rooms": rooms,
            "room_id": room_id,
            "code": request.GET.get("code", "")[:500] if result is None else "",
            "confirm_code": bool(request.GET.get("code")) and result is None,
            "form": form,
            "result": result,
            "log": log,
            "counts": selectors.stocktaking_counts(stocktaking=stocktaking, room_ids=visible),
            "may_leave_room": selectors.manages(request.user) and not rooms,
            "api": f"/api/v1/stocktakings/{stocktaking.pk}",
        },
        status=status,
    )
    response["Permissions-Policy"] = SCAN_PERMISSIONS_POLICY
    return response


@login_required
@web_errors
@csp_update({"script-src": ["'wasm-unsafe-eval'"]})
def stocktaking_scan(request: HttpRequest, stocktaking_id: int) -> HttpResponse:
    """THE scan page. GET: the form, the answer to the last scan (?scan=<id>), the user's
    last scans and the counts. POST (without JavaScript): record the code in the room and
    come back here with its answer."""
    stocktaking = _get(request, stocktaking_id)
    if not stocktaking.is_open:
        messages.info(request, _("This stock-taking has been closed: it takes no more scans."))
        return redirect("stocktaking:stocktaking_detail", stocktaking_id=stocktaking.pk)
    if request.method != "POST":
        return _scan_page(request, stocktaking)
    rooms = selectors.scan_rooms(actor=request.user, stocktaking=stocktaking)
    form = ScanForm(request.POST, rooms=rooms)
    if "room" in form.errors:
        # A room the user may not scan in is not found, as the API answers it.
        raise NotFound(_("Room not found in this stock-taking."))
    if not form.is_valid():
        messages.error(request, _("Please scan or type an asset tag."))
        return redirect(pages.scan_page_url(stocktaking.pk, room=request.POST.get("room")))
    room_id = form.cleaned_data["room"]
    try:
        recorded = services.scan_record_typed(
            actor=request.user,
            stocktaking=stocktaking,
            code=form.cleaned_data["code"],
            room_id=room_id,
        )
    except (ValidationFailed, Conflict) as exc:
        messages.error(request, exc.message)
        return redirect(pages.scan_page_url(stocktaking.pk, room=room_id))
    pages.scan_page_remember(request, stocktaking.pk, room_id)
    return redirect(pages.scan_page_url(stocktaking.pk, room=room_id, scan=recorded.scan.pk))


@login_required
@require_POST
@web_errors
def scan_stop(request: HttpRequest, stocktaking_id: int) -> HttpResponse:
    """Stop scanning: a label's address opens the device's page again."""
    stocktaking = _get(request, stocktaking_id)
    pages.scan_page_forget(request)
    messages.info(request, _("Scanning has stopped: a label's address opens the device again."))
    return redirect("stocktaking:stocktaking_detail", stocktaking_id=stocktaking.pk)


@login_required
@require_POST
@web_errors
def scan_move(request: HttpRequest, stocktaking_id: int, scan_id: int) -> HttpResponse:
    """ "Hierher umbuchen" on the scan page; back to it with the answer."""
    stocktaking = _get(request, stocktaking_id, Perm.STOCKTAKE_MANAGE)
    scan = selectors.scan_get(actor=request.user, stocktaking=stocktaking, scan_id=scan_id)
    try:
        services.scan_move(actor=request.user, stocktaking=stocktaking, scan=scan)
    except (Conflict, ValidationFailed) as exc:
        messages.error(request, exc.message)
    return redirect(pages.scan_page_url(stocktaking.pk, room=scan.room_id, scan=scan.pk))


def _close_decisions(request: HttpRequest, missing: list) -> list[str]:
    """The asset tags ticked "report lost" in the close form."""
    return [
        device.asset_tag
        for device in missing
        if not device.on_loan and request.POST.get(f"device-{device.expected_id}") == "lost"
    ]


@login_required
@web_errors
def stocktaking_close(request: HttpRequest, stocktaking_id: int) -> HttpResponse:
    """GET: the missing devices, each "to be clarified" (default) or "report lost", those on
    loan listed as such. POST: the confirmation ("N devices will be reported lost"); POST
    with `confirm`: close, and back to the overview."""
    stocktaking = _get(request, stocktaking_id, Perm.STOCKTAKE_MANAGE)
    if not stocktaking.is_open:
        messages.info(request, _("This stock-taking has already been closed."))
        return redirect("stocktaking:stocktaking_detail", stocktaking_id=stocktaking.pk)
    missing = selectors.missing_devices(stocktaking=stocktaking)
    if request.method == "POST" and "confirm" in request.POST:
        lost = request.POST.getlist("lost")
        try:
            services.stocktaking_close(actor=request.user, stocktaking=stocktaking, lost=lost)
        except (Conflict, ValidationFailed) as exc:
            messages.error(request, exc.message)
            return redirect("stocktaking:stocktaking_detail", stocktaking_id=stocktaking.pk)
        messages.success(request, _("The stock-taking is closed."))
        return redirect("stocktaking:stocktaking_detail", stocktaking_id=stocktaking.pk)
    if request.method == "POST":
        lost = _close_decisions(request, missing)
        return render(
            request,
            "stocktaking/close_confirm.html",
            {
                "stocktaking": stocktaking,
                "lost": lost,
                "question": ngettext(
                    "%(count)d device will be reported lost. Close the stock-taking now?",
                    "%(count)d devices will be reported lost. Close the stock-taking now?",
                    len(lost),
                )
                % {"count": len(lost)},
            },
        )
    return render(
        request,
        "stocktaking/close.html",
        {
            "stocktaking": stocktaking,
            "missing": [device for device in missing if not device.on_loan],
            "on_loan": [device for device in missing if device.on_loan],
        },
    )


def _download(request: HttpRequest, stocktaking_id: int, make) -> HttpResponse:
    stocktaking = _get(request, stocktaking_id, Perm.STOCKTAKE_MANAGE)
    try:
        written = make(stocktaking=stocktaking)
    except Conflict as exc:
        messages.info(request, exc.message)
        return redirect("stocktaking:stocktaking_detail", stocktaking_id=stocktaking.pk)
    response = HttpResponse(written.content, content_type=written.content_type)
    response["Content-Disposition"] = content_disposition_header(True, written.filename)
    return response


@login_required
@web_errors
def protocol_pdf(request: HttpRequest, stocktaking_id: int) -> HttpResponse:
    return _download(request, stocktaking_id, protocol.protocol_pdf)


@login_required
@web_errors
def protocol_xlsx(request: HttpRequest, stocktaking_id: int) -> HttpResponse:
    return _download(request, stocktaking_id, protocol.protocol_xlsx)
