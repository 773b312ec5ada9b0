"""What the stock-taking adds to the pages of the apps below (registered in
StocktakingConfig.ready): the last-seen date on the device page, and the label's address
(/d/<asset tag>) counted as a scan while the user's scan page is open.

The scan page the user used last (and the room chosen there) is kept in the session. A
phone's own camera app that opens a label's address then records the scan there and
shows the scan page with its answer. Only a request the browser marks as not sent by
another site (Sec-Fetch-Site "none": opened by the user, or "same-origin") records; any
other, a link or an image on another site included, only fills in the scan form, so a
page elsewhere cannot make the user's browser count a device."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from core.errors import LernstattError
from core.models import User
from core.permissions import Perm, has
from inventory.models import Device
from stocktaking import selectors, services

SESSION_KEY = "stocktaking_scan"
# Sec-Fetch-Site values of a request no other site made.
OWN_REQUESTS = ("none", "same-origin")


def device_last_seen(actor: User, device: Device) -> dict[str, Any]:
    """`last_seen` (DeviceSeen or None: never) for those who see devices."""
    if not has(actor, Perm.DEVICE_VIEW):
        return {}
    return {"last_seen": selectors.device_seen(device=device), "shows_last_seen": True}


def scan_page_remember(request: HttpRequest, stocktaking_id: int, room_id: int | None) -> None:
    request.session[SESSION_KEY] = {"stocktaking": stocktaking_id, "room": room_id}


def scan_page_forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def scan_page_remembered(request: HttpRequest) -> dict | None:
    state = request.session.get(SESSION_KEY)
    return state if isinstance(state, dict) else None


def scan_page_url(stocktaking_id: int, **query: Any) -> str:
    path = reverse("stocktaking:stocktaking_scan", args=[stocktaking_id])
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{path}?{urlencode(query)}" if query else path


def device_link_scan(request: HttpRequest, asset_tag: str) -> HttpResponse | None:
    """The label's address as a scan on the user's open scan page (see the module's
    docstring); None (the device's page) when there is none or it is closed."""
    state = scan_page_remembered(request)
    if state is None or not request.user.is_authenticated:
        return None
    try:
        stocktaking = selectors.stocktaking_get(
            actor=request.user, stocktaking_id=int(state.get("stocktaking"))
        )
    except (LernstattError, TypeError, ValueError):
        scan_page_forget(request)
        return None
    if not stocktaking.is_open:
        scan_page_forget(request)
        return None
    room_id = state.get("room")
    if request.headers.get("Sec-Fetch-Site") not in OWN_REQUESTS:
        return redirect(scan_page_url(stocktaking.pk, room=room_id, code=asset_tag))
    try:
        recorded = services.scan_record_typed(
            actor=request.user, stocktaking=stocktaking, code=asset_tag, room_id=room_id
        )
    except LernstattError as exc:
        messages.error(request, exc.message)
        return redirect(scan_page_url(stocktaking.pk, room=room_id))
    return redirect(scan_page_url(stocktaking.pk, room=room_id, scan=recorded.scan.pk))
