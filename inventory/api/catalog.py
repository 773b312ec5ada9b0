"""CRUD for schools, rooms, device models and devices, a device's history, and the device
list as a download.

Every endpoint parses, makes one selector or service call, and returns a schema. Who may do
what is decided in core.permissions alone: a row is fetched with the permission the request
needs (`perm=Perm.DEVICE_EDIT` to change it), so a role without it gets 403 whatever the
object, and a row outside the actor's schools is 404.
"""

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from core.downloads import file_download
from core.errors import NotFound
from core.models import User
from core.pagination import Page
from core.permissions import Perm
from inventory import selectors, services
from inventory.exporting import CONTENT_TYPES, device_export
from inventory.models import Device, DeviceModel, Room, School
from inventory.schemas.catalog import (
    DeviceFilterIn,
    DeviceHistoryOut,
    DeviceIn,
    DeviceModelIn,
    DeviceModelOut,
    DeviceModelPatch,
    DeviceOut,
    DevicePatch,
    RoomFilterIn,
    RoomIn,
    RoomOut,
    RoomPatch,
    SchoolIn,
    SchoolOut,
    SchoolPatch,
)
from inventory.schemas.exports import DeviceExportIn

router = Router(tags=["inventory"])


def _apply(obj: Any, payload: Schema) -> Any:
    """Copy the fields the client sent onto `obj`; fields left out keep their value."""
    for field, value in payload.dict(exclude_unset=True).items():
        setattr(obj, field, value)
    return obj


def _device_values(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    """The model id, school number and room id a client sends, as the rows they name. They
    are looked up for editing devices, so a school or room the actor does not reach is 404."""
    lookups = {
        "model": lambda key: selectors.device_model_get(
            actor=actor, model_id=key, perm=Perm.DEVICE_EDIT
        ),
        "school": lambda key: selectors.school_get(actor=actor, number=key, perm=Perm.DEVICE_EDIT),
        "room": lambda key: selectors.room_get(actor=actor, room_id=key, perm=Perm.DEVICE_EDIT),
    }
    for field, lookup in lookups.items():
        if data.get(field) is None:
            continue
        try:
            data[field] = lookup(data[field])
        except NotFound as exc:
            raise NotFound(exc.message, errors=[{"field": field, "message": exc.message}]) from exc
    return data


# Schools


@router.get("/schools", response=list[SchoolOut])
@paginate(Page)
def school_list(request: HttpRequest):
    return selectors.school_list(actor=request.user)


@router.post("/schools", response={201: SchoolOut})
def school_create(request: HttpRequest, payload: SchoolIn):
    return Status(201, services.school_save(actor=request.user, school=School(**payload.dict())))


@router.get("/schools/{number}", response=SchoolOut)
def school_get(request: HttpRequest, number: str):
    return selectors.school_get(actor=request.user, number=number)


@router.patch("/schools/{number}", response=SchoolOut)
def school_update(request: HttpRequest, number: str, payload: SchoolPatch):
    school = selectors.school_get(actor=request.user, number=number, perm=Perm.SCHOOL_EDIT)
    return services.school_save(actor=request.user, school=_apply(school, payload))


@router.delete("/schools/{number}", response={204: None})
def school_delete(request: HttpRequest, number: str):
    school = selectors.school_get(actor=request.user, number=number, perm=Perm.SCHOOL_EDIT)
    services.school_delete(actor=request.user, school=school)
    return Status(204, None)


# Rooms


@router.get("/rooms", response=list[RoomOut])
@paginate(Page)
def room_list(request: HttpRequest, filters: Query[RoomFilterIn]):
    return selectors.room_list(actor=request.user, school=filters.school)


@router.post("/rooms", response={201: RoomOut})
def room_create(request: HttpRequest, payload: RoomIn):
    school = selectors.school_get(actor=request.user, number=payload.school, perm=Perm.ROOM_EDIT)
    room = Room(school=school, name=payload.name, building=payload.building)
    return Status(201, services.room_save(actor=request.user, room=room))


@router.get("/rooms/{room_id}", response=RoomOut)
def room_get(request: HttpRequest, room_id: int):
    return selectors.room_get(actor=request.user, room_id=room_id)


@router.patch("/rooms/{room_id}", response=RoomOut)
def room_update(request: HttpRequest, room_id: int, payload: RoomPatch):
    room = selectors.room_get(actor=request.user, room_id=room_id, perm=Perm.ROOM_EDIT)
    return services.room_save(actor=request.user, room=_apply(room, payload))


@router.delete("/rooms/{room_id}", response={204: None})
def room_delete(request: HttpRequest, room_id: int):
    room = selectors.room_get(actor=request.user, room_id=room_id, perm=Perm.ROOM_EDIT)
    services.room_delete(actor=request.user, room=room)
    return Status(204, None)


# Device models


@router.get("/device-models", response=list[DeviceModelOut])
@paginate(Page)
def device_model_list(request: HttpRequest):
    return selectors.device_model_list(actor=request.user)


@router.post("/device-models", response={201: DeviceModelOut})
def device_model_create(request: HttpRequest, payload: DeviceModelIn):
    device_model = DeviceModel(**payload.dict())
    return Status(201, services.device_model_save(actor=request.user, device_model=device_model))


@router.get("/device-models/{model_id}", response=DeviceModelOut)
def device_model_get(request: HttpRequest, model_id: int):
    return selectors.device_model_get(actor=request.user, model_id=model_id)


@router.patch("/device-models/{model_id}", response=DeviceModelOut)
def device_model_update(request: HttpRequest, model_id: int, payload: DeviceModelPatch):
    device_model = selectors.device_model_get(
        actor=request.user, model_id=model_id, perm=Perm.DEVICE_MODEL_EDIT
    )
    return services.device_model_save(
        actor=request.user, device_model=_apply(device_model, payload)
    )


@router.delete("/device-models/{model_id}", response={204: None})
def device_model_delete(request: HttpRequest, model_id: int):
    device_model = selectors.device_model_get(
        actor=request.user, model_id=model_id, perm=Perm.DEVICE_MODEL_EDIT
    )
    services.device_model_delete(actor=request.user, device_model=device_model)
    return Status(204, None)


# Devices. Asset tags may contain slashes ("INV/2021/001"), hence the path converter; the
# export and the history routes come first so that "export" and ".../history" are not
# read as a tag or a part of one.


@router.get("/devices", response=list[DeviceOut])
@paginate(Page)
def device_list(request: HttpRequest, filters: Query[DeviceFilterIn]):
    return selectors.device_list(
        actor=request.user, filters=selectors.DeviceFilters(**filters.dict())
    )


@router.post("/devices", response={201: DeviceOut})
def device_create(request: HttpRequest, payload: DeviceIn):
    values = _device_values(request.user, payload.dict())
    return Status(201, services.device_create(actor=request.user, **values))


_FILE = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/devices/export",
    summary="Download the device list as .xlsx or .csv",
    openapi_extra={
        "responses": {
            200: {
                "description": "The devices the user may see, with the list's filters, "
                "in the columns the import reads.",
                "content": {content_type: _FILE for content_type in CONTENT_TYPES.values()},
            }
        }
    },
)
def device_export_download(request: HttpRequest, params: Query[DeviceExportIn]) -> FileResponse:
    export = device_export(
        actor=request.user,
        filters=selectors.DeviceFilters(**params.filter_values()),
        fmt=params.format,
    )
    return file_download(export)


@router.get("/devices/{path:asset_tag}/history", response=list[DeviceHistoryOut])
@paginate(Page)
def device_history(request: HttpRequest, asset_tag: str):
    device = selectors.device_get(actor=request.user, asset_tag=asset_tag)
    return selectors.device_history(device=device)


@router.get("/devices/{path:asset_tag}", response=DeviceOut)
def device_get(request: HttpRequest, asset_tag: str):
    return selectors.device_get(actor=request.user, asset_tag=asset_tag)


@router.patch("/devices/{path:asset_tag}", response=DeviceOut)
def device_update(request: HttpRequest, asset_tag: str, payload: DevicePatch):
    device: Device = selectors.device_get(
        actor=request.user, asset_tag=asset_tag, perm=Perm.DEVICE_EDIT
    )
    values = _device_values(request.user, payload.dict(exclude_unset=True))
    return services.device_update(actor=request.user, device=device, **values)


@router.delete("/devices/{path:asset_tag}", response={204: None})
def device_delete(request: HttpRequest, asset_tag: str):
    device = selectors.device_get(actor=request.user, asset_tag=asset_tag, perm=Perm.DEVICE_DELETE)
    services.device_delete(actor=request.user, device=device)
    return Status(204, None)
