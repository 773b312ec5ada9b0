"""Reads of the inventory, always through the actor's scope (the permissions' `scope`)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from core.errors import NotFound
from core.models import User
from core.permissions import Perm, scope
from inventory.models import Device, DeviceHistory, DeviceModel, Room, School, Status

DEVICE_ORDERINGS = {
    "asset_tag",
    "serial_number",
    "status",
    "purchase_date",
    "purchase_price",
    "warranty_end",
    "school",
    "model",
    "updated_at",
}


TAGS_PER_QUERY = 200


@dataclass(frozen=True)
class DeviceFilters:
    school: str | None = None  # school number
    room: int | None = None
    status: str | None = None
    category: str | None = None
    lendable: bool | None = None
    funding_programme: str | None = None
    warranty_before: date | None = None
    q: str | None = None
    ordering: str = "asset_tag"


# Every getter takes the permission the caller needs the row for: reading it, or changing it.
# Fetching with the edit permission puts the role check (403) before the school check (404),
# so a role that may not edit learns nothing about which objects exist.


def school_list(*, actor: User, perm: Perm = Perm.SCHOOL_VIEW) -> QuerySet[School]:
    # Names repeat ("Grundschule Mitte"); the number makes the order, and so pages, stable.
    return scope(School.objects.order_by("name", "number"), actor, perm, school_field="id")


def school_get(*, actor: User, number: str, perm: Perm = Perm.SCHOOL_VIEW) -> School:
    school = school_list(actor=actor, perm=perm).filter(number=number).first()
    if school is None:
        raise NotFound(_("School %(number)s not found.") % {"number": number})
    return school


def school_list_with_rooms(
    *, actor: User, q: str | None = None, perm: Perm = Perm.ROOM_VIEW
) -> QuerySet[School]:
    """school_list, each school with its rooms by name (`school.rooms.all()`, read in one
    more query for all the schools read); `q`: part of the name, or the number's start."""
    qs = school_list(actor=actor, perm=perm)
    term = (q or "").strip()
    if term:
        qs = qs.filter(Q(name__icontains=term) | Q(number__startswith=term))
    rooms = Room.objects.order_by("name", "id")
    return qs.prefetch_related(Prefetch("rooms", queryset=rooms))


def room_list(
    *, actor: User, school: str | None = None, perm: Perm = Perm.ROOM_VIEW
) -> QuerySet[Room]:
    qs = scope(
        Room.objects.select_related("school").order_by("school__name", "school__number", "name"),
        actor,
        perm,
    )
    if school:
        qs = qs.filter(school__number=school)
    return qs


def room_get(*, actor: User, room_id: int, perm: Perm = Perm.ROOM_VIEW) -> Room:
    room = room_list(actor=actor, perm=perm).filter(id=room_id).first()
    if room is None:
        raise NotFound(_("Room not found."))
    return room


def device_model_list(*, actor: User, perm: Perm = Perm.DEVICE_MODEL_VIEW) -> QuerySet[DeviceModel]:
    return scope(DeviceModel.objects.all(), actor, perm, school_field=None)


def device_model_get(
    *, actor: User, model_id: int, perm: Perm = Perm.DEVICE_MODEL_VIEW
) -> DeviceModel:
    device_model = device_model_list(actor=actor, perm=perm).filter(id=model_id).first()
    if device_model is None:
        raise NotFound(_("Device model not found."))
    return device_model


def device_list(
    *, actor: User, filters: DeviceFilters | None = None, perm: Perm = Perm.DEVICE_VIEW
) -> QuerySet[Device]:
    """Devices the actor may see, filtered and ordered; `ordering` may start with '-'."""
    filters = filters or DeviceFilters()
    qs = scope(Device.objects.select_related("model", "school", "room"), actor, perm)
    if filters.school:
        qs = qs.filter(school__number=filters.school)
    if filters.room is not None:
        qs = qs.filter(room_id=filters.room)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(model__category=filters.category)
    if filters.lendable is not None:
        qs = qs.filter(lendable=filters.lendable)
    if filters.funding_programme:
        qs = qs.filter(funding_programme__iexact=filters.funding_programme)
    if filters.warranty_before:
        qs = qs.filter(warranty_end__lt=filters.warranty_before)
    if filters.q:
        term = filters.q.strip()
        qs = qs.filter(
            Q(asset_tag__icontains=term)
            | Q(serial_number__icontains=term)
            | Q(model__name__icontains=term)
            | Q(model__manufacturer__icontains=term)
        )
    field = filters.ordering.lstrip("-")
    if field not in DEVICE_ORDERINGS:
        field = "asset_tag"
    sort = {"school": "school__name", "model": "model__name"}.get(field, field)
    prefix = "-" if filters.ordering.startswith("-") else ""
    return qs.order_by(prefix + sort, "asset_tag" if field != "asset_tag" else "id")


def device_get(*, actor: User, asset_tag: str, perm: Perm = Perm.DEVICE_VIEW) -> Device:
    """One device by asset tag (any case); NotFound also when it is outside the actor's
    schools, so its existence does not leak."""
    qs = device_list(actor=actor, perm=perm)
    device = qs.filter(asset_tag__iexact=asset_tag.strip()).first()
    if device is None:
        raise NotFound(_("Device %(tag)s not found.") % {"tag": asset_tag})
    return device


def device_selection(
    *,
    actor: User,
    device_ids: Sequence[int] = (),
    asset_tags: Sequence[str] = (),
    room_id: int | None = None,
    school: str | None = None,
    filters: DeviceFilters | None = None,
    perm: Perm = Perm.DEVICE_VIEW,
) -> list[Device]:
    """The devices a user picked for something done to each (printing their labels): the
    ones ticked in the list (`device_ids`, ordered by asset tag), the ones named by asset
    tag (any case, in the order named, each once), the ones of a room or of a school (by
    number), or the list with `filters`, in the list's order; the first of these given
    decides. NotFound when an id or a tag is not a device of the actor's schools (a tag is
    named, as device_get names it; ids are not, so nothing is told about which exist) or
    the room or school is out of reach; PermissionDenied when the role may not `perm`."""
    if device_ids:
        ids = set(device_ids)
        devices = list(
            device_list(actor=actor, perm=perm).filter(pk__in=ids).order_by("asset_tag", "id")
        )
        if len(devices) != len(ids):
            raise NotFound(_("Some of the selected devices were not found."))
        return devices
    if asset_tags:
        wanted = list(dict.fromkeys(tag.strip() for tag in asset_tags if tag.strip()))
        found: dict[str, Device] = {}
        # In chunks: SQLite limits how deep the conditions of one query may nest.
        for first in range(0, len(wanted), TAGS_PER_QUERY):
            lookup = Q()
            for tag in wanted[first : first + TAGS_PER_QUERY]:
                lookup |= Q(asset_tag__iexact=tag)
            for device in device_list(actor=actor, perm=perm).filter(lookup):
                found[device.asset_tag.casefold()] = device
        devices = []
        for tag in wanted:
            device = found.get(tag.casefold())
            if device is None:
                raise NotFound(_("Device %(tag)s not found.") % {"tag": tag})
            if device not in devices:
                devices.append(device)
        return devices
    if room_id is not None:
        room = room_get(actor=actor, room_id=room_id, perm=perm)
        return list(device_list(actor=actor, filters=DeviceFilters(room=room.id), perm=perm))
    if school:
        found = school_get(actor=actor, number=school, perm=perm)
        return list(device_list(actor=actor, filters=DeviceFilters(school=found.number), perm=perm))
    return list(device_list(actor=actor, filters=filters, perm=perm))


def device_history(*, device: Device) -> QuerySet[DeviceHistory]:
    """The device's history, newest first. `device` comes from device_get, so the actor's
    scope is already decided."""
    return device.history.select_related("actor").order_by("-at", "-id")


def device_status_counts(*, actor: User, perm: Perm = Perm.DEVICE_VIEW) -> dict[str, int]:
    """How many devices of each status the actor's schools have, every status listed (zeros
    too), in the order of Status. One query."""
    counts = dict(
        scope(Device.objects.all(), actor, perm)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return _every_status(counts)


def _every_status(counts: dict[str, int] | None) -> dict[str, int]:
    return {status: (counts or {}).get(status, 0) for status in Status.values}
