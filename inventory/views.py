"""The inventory's web pages: the device list, a device, its edit form (the reports are
in reports.views).

Every page fetches through inventory.selectors with the acting user, so the role check
(403) and the school scope (404) are decided in core.permissions, never here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import Conflict, NotFound, ValidationFailed
from core.pages import page_extras
from core.permissions import Perm, has
from core.views import web_errors
from inventory import selectors, services
from inventory.forms import DeviceFilterForm, DeviceForm
from inventory.history import history_entries

PAGE_SIZE = 50
HISTORY_LIMIT = 200

# The columns of the device list: (ordering key, heading); None: not sortable.
COLUMNS = (
    ("asset_tag", gettext_lazy("Asset tag")),
    ("model", gettext_lazy("Model")),
    ("serial_number", gettext_lazy("Serial number")),
    ("school", gettext_lazy("School")),
    (None, gettext_lazy("Room")),
    ("status", gettext_lazy("Status")),
    ("warranty_end", gettext_lazy("Warranty until")),
)


def _columns(ordering: str) -> list[dict]:
    """Each heading with the ordering its link sets and its aria-sort state."""
    current, descending = ordering.lstrip("-"), ordering.startswith("-")
    columns = []
    for key, label in COLUMNS:
        column = {"label": label, "key": key, "sort": None, "aria_sort": None}
        if key is not None:
            is_current = key == current
            column["sort"] = f"-{key}" if is_current and not descending else key
            if is_current:
                column["aria_sort"] = "descending" if descending else "ascending"
        columns.append(column)
    return columns


@login_required
@web_errors
def device_list(request: HttpRequest) -> HttpResponse:
    form = DeviceFilterForm(request.GET or None, actor=request.user)
    filters = form.filters()
    devices = selectors.device_list(actor=request.user, filters=filters)
    page = Paginator(devices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/device_list.html",
        {
            "form": form,
            "page": page,
            "columns": _columns(filters.ordering),
            "filtered": form.is_filtered,
        },
    )


@login_required
@web_errors
def device_detail(request: HttpRequest, asset_tag: str) -> HttpResponse:
    device = selectors.device_get(actor=request.user, asset_tag=asset_tag)
    return render(
        request,
        "inventory/device_detail.html",
        {
            "device": device,
            "history": history_entries(
                request.user, selectors.device_history(device=device)[:HISTORY_LIMIT]
            ),
            "history_limit": HISTORY_LIMIT,
            **page_extras("inventory.device", request.user, device),
            "can_edit": has(request.user, Perm.DEVICE_EDIT),
        },
    )


@login_required
@web_errors
def device_edit(request: HttpRequest, asset_tag: str) -> HttpResponse:
    device = selectors.device_get(actor=request.user, asset_tag=asset_tag, perm=Perm.DEVICE_EDIT)
    form = DeviceForm(request.POST or None, actor=request.user, device=device)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.device_update(actor=request.user, device=device, **form.values())
        except ValidationFailed as exc:
            form.add_service_error(exc)
        except NotFound as exc:
            form.add_error("school", exc.message)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Device %(tag)s was saved.") % {"tag": device.asset_tag})
            return redirect("inventory:device_detail", asset_tag=device.asset_tag)
        # The service changed the device in memory before it refused: show it as it is.
        device = selectors.device_get(
            actor=request.user, asset_tag=asset_tag, perm=Perm.DEVICE_EDIT
        )
    return render(request, "inventory/device_edit.html", {"device": device, "form": form})
