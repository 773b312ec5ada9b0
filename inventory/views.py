"""The inventory's web pages: the device list, a device, its edit form (the reports are
in reports.views; the pages that add devices, schools, rooms and models are in
inventory.record_views).

Every page fetches through inventory.selectors with the acting user, so the role check
(403) and the school scope (404) are decided in core.permissions, never here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from core.errors import Conflict, NotFound, ValidationFailed
from core.pages import page_extras
from core.permissions import Perm, has, require
from core.views import next_url, web_errors
from inventory import selectors, services
from inventory.forms import BulkForm, DeviceFilterForm, DeviceForm, school_rooms
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


def _list_path(request: HttpRequest) -> str:
    """The list as it is shown, without the "select all" switch: where the bulk form goes
    back to."""
    query = request.GET.copy()
    query.pop("select", None)
    path = reverse("inventory:device_list")
    return f"{path}?{query.urlencode()}" if query else path


def _label_query(request: HttpRequest) -> str:
    """The list's filters, for the labels of the list as it is shown (every page)."""
    query = request.GET.copy()
    for name in ("select", "page"):
        query.pop(name, None)
    return query.urlencode()


@login_required
@web_errors
def device_list(request: HttpRequest) -> HttpResponse:
    can_edit = has(request.user, Perm.DEVICE_EDIT)
    # Who may edit gets the bulk form, whose rooms come with the schools of the filter.
    schools = school_rooms(request.user) if can_edit else None
    form = DeviceFilterForm(
        request.GET or None,
        actor=request.user,
        schools=None if schools is None else [(number, name) for number, name, _r in schools],
    )
    filters = form.filters()
    devices = selectors.device_list(actor=request.user, filters=filters)
    page = Paginator(devices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/device_list.html",
        {
            "label_query": _label_query(request),
            "form": form,
            "page": page,
            "columns": _columns(filters.ordering),
            "filtered": form.is_filtered,
            "bulk_form": BulkForm(actor=request.user, schools=schools) if can_edit else None,
            "select_page": can_edit and request.GET.get("select") == "page",
            "list_path": _list_path(request),
            "can_edit": can_edit,
        },
    )


@login_required
@require_POST
@web_errors
def device_bulk(request: HttpRequest) -> HttpResponse:
    """One change for the devices selected in the list, through device_bulk_update: all of
    them or none. A device outside the user's schools is the 404 page (nothing written);
    every other refusal is a message on the list."""
    require(request.user, Perm.DEVICE_EDIT)
    back = next_url(request, reverse("inventory:device_list"))
    form = BulkForm(request.POST, actor=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        count = services.device_bulk_update(
            actor=request.user, device_ids=form.cleaned_data["devices"], values=form.values()
        )
    except ValidationFailed as exc:
        details = [error["message"] for error in exc.errors]
        messages.error(request, " ".join([exc.message, *details]))
        return redirect(back)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if count:
        messages.success(
            request,
            ngettext("%(count)d device changed.", "%(count)d devices changed.", count)
            % {"count": count},
        )
    else:
        messages.info(request, _("Nothing changed: the selected devices already had this value."))
    return redirect(back)


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
