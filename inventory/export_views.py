"""The export page and its downloads: the device list with the list's filters
(inventory.exporting.device_export) and the loans (scheduling.exporting.loan_export). The
services decide who sees what; these views only pass the filters on and send the file."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import PermissionDenied, ValidationFailed
from core.permissions import Perm, has
from core.views import web_errors
from inventory.exporting import device_export
from inventory.forms import DeviceFilterForm


def _can_export_loans(request: HttpRequest) -> bool:
    return has(request.user, Perm.LOAN_MANAGE) or has(request.user, Perm.LOAN_REQUEST)


@login_required
@web_errors
def export_index(request: HttpRequest) -> HttpResponse:
    # Imported here: the loans are built on the inventory, not the other way round.
    from inventory.export_forms import LoanExportForm

    devices = has(request.user, Perm.DEVICE_VIEW)
    loans = _can_export_loans(request)
    if not devices and not loans:
        raise PermissionDenied(_("You are not allowed to do this."))
    return render(
        request,
        "inventory/imports/exports.html",
        {
            "device_form": DeviceFilterForm(actor=request.user) if devices else None,
            "loan_form": LoanExportForm(actor=request.user, auto_id="loans_%s") if loans else None,
        },
    )


def _send(export) -> FileResponse:
    handle = export.path.open("rb")
    # The open handle keeps the data readable; the name goes now, so nothing is left behind.
    export.path.unlink()
    return FileResponse(
        handle, as_attachment=True, filename=export.filename, content_type=export.content_type
    )


@login_required
@web_errors
def export_devices(request: HttpRequest) -> HttpResponse:
    form = DeviceFilterForm(request.GET or None, actor=request.user)
    try:
        export = device_export(
            actor=request.user, filters=form.filters(), fmt=request.GET.get("format", "xlsx")
        )
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("inventory:export_index")
    return _send(export)


@login_required
@web_errors
def export_loans(request: HttpRequest) -> HttpResponse:
    # Imported here: the loans are built on the inventory, not the other way round.
    from accounts.models import AccessVia
    from inventory.export_forms import LoanExportForm
    from scheduling.exporting import loan_export

    form = LoanExportForm(request.GET or None, actor=request.user)
    try:
        export = loan_export(
            actor=request.user,
            filters=form.filters(),
            fmt=request.GET.get("format", "xlsx"),
            via=AccessVia.WEB,
        )
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("inventory:export_index")
    return _send(export)
