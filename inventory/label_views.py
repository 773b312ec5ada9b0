"""The pages of the asset labels: "Etiketten drucken" and the address on each label's QR
code, /d/<asset tag>, which opens the device's page.

The label page takes its devices from the device list (the ticked devices, posted by the
list's form, or the list's filters in the query string) or a room (`?room=<id>`), and
prints them with inventory.labels.printing.labels_print, which reads them through the
actor's scope: a device or room of another school is the 404 page, a role that may not
see devices the 403 page."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.errors import NotFound, ValidationFailed
from core.permissions import Perm, require
from core.views import web_errors
from inventory import selectors
from inventory.label_forms import LabelForm, LabelSourceForm
from inventory.labels.printing import labels_print
from inventory.links import device_link_handled
from inventory.selectors import DeviceFilters

SHOWN_TAGS = 12


@login_required
@web_errors
def device_link(request: HttpRequest, asset_tag: str) -> HttpResponse:
    """The address in a label's QR code: the device's page, for whoever may see it, unless
    a registered handler takes it (inventory.links)."""
    handled = device_link_handled(request, asset_tag)
    if handled is not None:
        return handled
    device = selectors.device_get(actor=request.user, asset_tag=asset_tag)
    return redirect("inventory:device_detail", asset_tag=device.asset_tag)


def _back(request: HttpRequest, source: LabelSourceForm) -> str:
    """Where "Cancel" goes: the list the devices came from."""
    target = request.POST.get("next") or request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    if source.cleaned_data.get("room") is not None and not source.cleaned_data.get("devices"):
        return reverse("inventory:school_list")
    query = urlencode(source.hidden_values())
    path = reverse("inventory:device_list")
    return f"{path}?{query}" if query else path


@login_required
@web_errors
def label_print(request: HttpRequest) -> HttpResponse:
    """GET (or the device list's POST of its ticked devices): the form for the selection.
    POST with `print`: the labels as a download, or the form with what is wrong."""
    require(request.user, Perm.DEVICE_VIEW)
    data = request.POST if request.method == "POST" else request.GET
    source = LabelSourceForm(data, actor=request.user)
    selection = source.selection()
    if selection is None:
        raise NotFound(_("Some of the selected devices were not found."))
    printing = request.method == "POST" and "print" in request.POST
    back = _back(request, source)
    if request.method == "POST" and not printing and not selection.device_ids:
        messages.error(request, _("Please select at least one device."))
        return redirect(back)
    form = LabelForm(request.POST if printing else None)
    if printing and form.is_valid():
        try:
            labels = labels_print(actor=request.user, selection=selection, options=form.options)
        except ValidationFailed as exc:
            form.add_service_error(exc)
        else:
            response = HttpResponse(labels.content, content_type=labels.content_type)
            response["Content-Disposition"] = content_disposition_header(True, labels.filename)
            return response
    room = None
    if selection.device_ids:
        devices = selectors.device_selection(actor=request.user, device_ids=selection.device_ids)
        count = len(devices)
    else:
        filters = selection.filters
        if selection.room is not None:
            room = selectors.room_get(
                actor=request.user, room_id=selection.room, perm=Perm.DEVICE_VIEW
            )
            filters = DeviceFilters(room=room.id)
        found = selectors.device_list(actor=request.user, filters=filters)
        count = found.count()
        devices = list(found[:SHOWN_TAGS])
    return render(
        request,
        "inventory/label_print.html",
        {
            "form": form,
            "custom_open": form.custom_open,
            "devices": devices[:SHOWN_TAGS],
            "count": count,
            "more": max(0, count - SHOWN_TAGS),
            "room": room,
            "ticked": bool(selection.device_ids),
            "from_import": source.cleaned_data.get("job") is not None,
            "hidden": source.hidden_values(),
            "back": back,
        },
    )
