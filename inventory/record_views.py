"""The inventory's pages for adding its rows by hand: a new device; the schools with their
rooms, a new or renamed school or room; the device models and a new one.

Like inventory.views, every page reads through inventory.selectors and writes through one
service of inventory.services with the acting user, so the role check (403) and the school
scope (404) are decided in core.permissions. A form reads each value by the device import's
rule for it; what the service refuses is shown next to the field it names."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.errors import Conflict, NotFound, ValidationFailed
from core.models import User
from core.permissions import Perm, has, require
from core.views import next_url, web_errors
from inventory import selectors, services
from inventory.forms import (
    DeviceCreateForm,
    DeviceModelForm,
    RecordForm,
    RoomForm,
    SchoolForm,
)
from inventory.models import DeviceModel, Room, School

SCHOOLS_PER_PAGE = 20
MODELS_PER_PAGE = 50


def _schools_page(number: str) -> str:
    """The schools page showing the school with this number (and rooms) alone."""
    return f"{reverse('inventory:school_list')}?{urlencode({'q': number})}"


def _saved(form: RecordForm, save: Callable[[], Model]) -> Model | None:
    """Call `save()` (one service call); its refusals go onto the form. The saved row, or
    None when the service refused."""
    try:
        return save()
    except ValidationFailed as exc:
        form.add_service_error(exc)
    except Conflict as exc:
        form.add_error(None, exc.message)
    return None


# Devices


@login_required
@web_errors
def device_create(request: HttpRequest) -> HttpResponse:
    """A new device of one of the user's schools; its page after saving."""
    require(request.user, Perm.DEVICE_EDIT)
    form = DeviceCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.device_create(actor=request.user, **form.values())
        except ValidationFailed as exc:
            form.add_service_error(exc)
        except NotFound as exc:
            form.add_error("school", exc.message)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Device %(tag)s was created.") % {"tag": device.asset_tag})
            return redirect("inventory:device_detail", asset_tag=device.asset_tag)
    return render(
        request,
        "inventory/device_create.html",
        {"form": form, **_adding(request.user)},
    )


def _adding(actor: User) -> dict[str, bool]:
    """What else the user may add, for the pages' links."""
    return {
        "can_add_school": has(actor, Perm.SCHOOL_EDIT),
        "can_add_room": has(actor, Perm.ROOM_EDIT),
        "can_add_model": has(actor, Perm.DEVICE_MODEL_CREATE),
    }


# Schools and rooms. The page is one of the inventory's, so it is for those who see the
# devices (a coordinator: their schools; an IT admin: all), not for every role that may
# read rooms (teachers may, for their loan requests).


@login_required
@web_errors
def school_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    schools = selectors.school_list_with_rooms(actor=request.user, q=q, perm=Perm.DEVICE_VIEW)
    page = Paginator(schools, SCHOOLS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/school_list.html",
        {"page": page, "q": q, **_adding(request.user)},
    )


@login_required
@web_errors
def school_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.SCHOOL_EDIT)
    form = SchoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        school = _saved(
            form,
            lambda: services.school_save(actor=request.user, school=form.apply_to(School())),
        )
        if school is not None:
            messages.success(request, _("School %(school)s was created.") % {"school": school})
            return redirect(_schools_page(school.number))
    return render(request, "inventory/school_form.html", {"form": form, "school": None})


@login_required
@web_errors
def school_edit(request: HttpRequest, number: str) -> HttpResponse:
    school = selectors.school_get(actor=request.user, number=number, perm=Perm.SCHOOL_EDIT)
    form = SchoolForm(request.POST or None, instance=school)
    if request.method == "POST" and form.is_valid():
        saved = _saved(
            form, lambda: services.school_save(actor=request.user, school=form.apply_to(school))
        )
        if saved is not None:
            messages.success(request, _("School %(school)s was saved.") % {"school": saved})
            return redirect(_schools_page(saved.number))
        # The form's values were copied onto the school before the service refused.
        school = selectors.school_get(actor=request.user, number=number, perm=Perm.SCHOOL_EDIT)
    return render(request, "inventory/school_form.html", {"form": form, "school": school})


@login_required
@web_errors
def room_create(request: HttpRequest, number: str) -> HttpResponse:
    """A new room of a school the user reaches (another school's number is the 404 page)."""
    school = selectors.school_get(actor=request.user, number=number, perm=Perm.ROOM_EDIT)
    form = RoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        room = _saved(
            form,
            lambda: services.room_save(actor=request.user, room=form.apply_to(Room(school=school))),
        )
        if room is not None:
            messages.success(
                request,
                _("Room %(room)s of %(school)s was created.")
                % {"room": room.name, "school": school.name},
            )
            return redirect(_schools_page(school.number))
    return render(
        request, "inventory/room_form.html", {"form": form, "school": school, "room": None}
    )


@login_required
@web_errors
def room_edit(request: HttpRequest, room_id: int) -> HttpResponse:
    room = selectors.room_get(actor=request.user, room_id=room_id, perm=Perm.ROOM_EDIT)
    form = RoomForm(request.POST or None, instance=room)
    if request.method == "POST" and form.is_valid():
        saved = _saved(
            form, lambda: services.room_save(actor=request.user, room=form.apply_to(room))
        )
        if saved is not None:
            messages.success(
                request,
                _("Room %(room)s of %(school)s was saved.")
                % {"room": saved.name, "school": saved.school.name},
            )
            return redirect(_schools_page(saved.school.number))
        room = selectors.room_get(actor=request.user, room_id=room_id, perm=Perm.ROOM_EDIT)
    return render(
        request, "inventory/room_form.html", {"form": form, "school": room.school, "room": room}
    )


# Device models: shared by every school; listed for those who see the devices.


@login_required
@web_errors
def device_model_list(request: HttpRequest) -> HttpResponse:
    models = selectors.device_model_list(actor=request.user, perm=Perm.DEVICE_VIEW)
    page = Paginator(models, MODELS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "inventory/device_model_list.html", {"page": page, **_adding(request.user)}
    )


@login_required
@web_errors
def device_model_create(request: HttpRequest) -> HttpResponse:
    """A new device model; back to the list, or to the page that sent the user here (the
    new device form: `next`)."""
    require(request.user, Perm.DEVICE_MODEL_CREATE)
    form = DeviceModelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device_model = _saved(
            form,
            lambda: services.device_model_save(
                actor=request.user, device_model=form.apply_to(DeviceModel())
            ),
        )
        if device_model is not None:
            messages.success(
                request, _("Device model %(model)s was created.") % {"model": device_model}
            )
            return redirect(next_url(request, reverse("inventory:device_model_list")))
    back = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "inventory/device_model_form.html", {"form": form, "next": back})
