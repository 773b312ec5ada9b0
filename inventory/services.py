"""Writes to the inventory. Every change to a device writes history rows here."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, NotFound, ValidationFailed
from core.models import User
from core.permissions import Perm, reaches_school, require, scope
from inventory.events import device_became_available_on_commit
from inventory.models import Device, DeviceHistory, DeviceModel, Room, School, Status

# The device fields a user edits; each change to one of them is a history row.
DEVICE_FIELDS = (
    "asset_tag",
    "serial_number",
    "mac_addresses",
    "model",
    "school",
    "room",
    "status",
    "purchase_date",
    "purchase_price",
    "funding_programme",
    "warranty_end",
    "lendable",
    "notes",
)


def history_value(value: Any) -> str:
    """How a field value is written into the history: plain text, language-neutral."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        # Money has two places in the database; 649 and 649.00 are the same price.
        return f"{value:.2f}"
    if isinstance(value, date):
        return str(value)
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def _check_school(actor: User, school: School) -> None:
    if not reaches_school(actor, school.id):
        raise NotFound(_("School not found."))


def _errors_from(exc: ValidationError) -> list[dict]:
    return [
        {"field": field, "message": str(message)}
        for field, messages in exc.message_dict.items()
        for message in messages
    ]


def _validate_device(device: Device) -> None:
    """Field validation plus the rules that span rows, with messages that name the field."""
    errors: list[dict] = []
    try:
        device.full_clean(exclude=["manufacturer"], validate_constraints=False)
    except ValidationError as exc:
        errors.extend(_errors_from(exc))
    if device.room_id and device.school_id and device.room.school_id != device.school_id:
        errors.append({"field": "room", "message": _("The room belongs to another school.")})
    others = Device.objects.exclude(pk=device.pk)
    if device.asset_tag and others.filter(asset_tag__iexact=device.asset_tag).exists():
        errors.append(
            {
                "field": "asset_tag",
                "message": _("Asset tag %(tag)s is already used by another device.")
                % {"tag": device.asset_tag},
            }
        )
    if (
        device.serial_number
        and others.filter(
            manufacturer__iexact=device.manufacturer, serial_number__iexact=device.serial_number
        ).exists()
    ):
        errors.append(
            {
                "field": "serial_number",
                "message": _("Serial number %(serial)s of %(manufacturer)s is already used.")
                % {"serial": device.serial_number, "manufacturer": device.manufacturer},
            }
        )
    if errors:
        raise ValidationFailed(_("The device could not be saved."), errors=errors)


def device_validate(device: Device) -> None:
    """Raise ValidationFailed, naming each field, if saving `device` as it is would break a
    rule that device_create and device_update enforce. Writes nothing: for forms that show
    the errors next to their fields before anything is saved."""
    device.manufacturer = device.model.manufacturer if device.model_id else ""
    _validate_device(device)


def _save(device: Device) -> None:
    try:
        with transaction.atomic():
            device.save()
    except IntegrityError as exc:
        # Another request saved the same asset tag or serial between our check and our write.
        raise Conflict(
            _("Another user saved a device with the same asset tag or serial number.")
        ) from exc


def _became_available(device: Device, changes: dict[str, tuple[Any, Any]]) -> bool:
    became_lendable = "lendable" in changes and device.lendable
    back_in_stock = "status" in changes and device.status == Status.IN_STOCK and device.lendable
    return bool(became_lendable or back_in_stock)


def _announce_when_available(device: Device, changes: dict[str, tuple[Any, Any]]) -> None:
    """A device that has just become lendable, or a lendable one back in stock (e.g. from
    repair), may serve a waiting loan request: say so after the commit."""
    if _became_available(device, changes):
        device_became_available_on_commit()


def device_create(*, actor: User, **fields: Any) -> Device:
    """Create a device and its 'created' history row. Validates everything first; raises
    ValidationFailed naming each bad field, NotFound for a school the actor does not reach."""
    require(actor, Perm.DEVICE_EDIT)
    unknown = set(fields) - set(DEVICE_FIELDS)
    if unknown:
        raise ValueError(f"unknown device fields: {sorted(unknown)}")
    device = Device(**fields)
    if device.school_id:
        _check_school(actor, device.school)
    device.manufacturer = device.model.manufacturer if device.model_id else ""
    _validate_device(device)
    with transaction.atomic():
        _save(device)
        DeviceHistory.objects.create(
            device=device,
            asset_tag=device.asset_tag,
            actor=actor,
            at=timezone.now(),
            action=DeviceHistory.Action.CREATE,
        )
        _announce_when_available(device, {"lendable": (False, device.lendable)})
    return device


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, models.Model) or isinstance(new, models.Model):
        # Rows by identity: two schools can each have a room called "101".
        return getattr(old, "pk", None) == getattr(new, "pk", None)
    if isinstance(old, Decimal) and isinstance(new, Decimal):
        return old == new
    return history_value(old) == history_value(new)


def device_changes(device: Device, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose value would change: {field: (old, new)}."""
    changes = {}
    for field, new in values.items():
        old = getattr(device, field)
        if not _same(old, new):
            changes[field] = (old, new)
    return changes


def history_rows(
    device: Device, changes: dict[str, tuple[Any, Any]], *, actor: User | None, at
) -> list[DeviceHistory]:
    return [
        DeviceHistory(
            device=device,
            asset_tag=device.asset_tag,
            actor=actor,
            at=at,
            action=DeviceHistory.Action.UPDATE,
            field=field,
            old=history_value(old),
            new=history_value(new),
        )
        for field, (old, new) in changes.items()
    ]


def device_update(*, actor: User, device: Device, **values: Any) -> Device:
    """Change some fields of a device; one history row per field that really changed.
    Moving a device to a school the actor does not reach is refused."""
    require(actor, Perm.DEVICE_EDIT)
    _check_school(actor, device.school)
    unknown = set(values) - set(DEVICE_FIELDS)
    if unknown:
        raise ValueError(f"unknown device fields: {sorted(unknown)}")
    changes = device_changes(device, values)
    if not changes:
        return device
    if "school" in changes:
        _check_school(actor, changes["school"][1])
    for field, (_old, new) in changes.items():
        setattr(device, field, new)
    moved_out_of_room = "room" not in changes and device.room_id is not None
    if "school" in changes and moved_out_of_room and device.room.school_id != device.school_id:
        # A device that changes school leaves its old room, unless it was given a new one.
        changes["room"] = (device.room, None)
        device.room = None
    device.manufacturer = device.model.manufacturer
    _validate_device(device)
    with transaction.atomic():
        _save(device)
        DeviceHistory.objects.bulk_create(
            history_rows(device, changes, actor=actor, at=timezone.now())
        )
        _announce_when_available(device, changes)
    return device


# The fields the device list changes for many devices at once.
BULK_FIELDS = ("status", "room", "lendable")


def _bulk_values(values: dict[str, Any]) -> dict[str, Any]:
    """`values` checked: a status of Status, a Room or None, a bool; ValidationFailed
    naming each bad one."""
    unknown = set(values) - set(BULK_FIELDS)
    if unknown:
        raise ValueError(f"unknown bulk fields: {sorted(unknown)}")
    errors: list[dict] = []
    if not values:
        errors.append({"field": "values", "message": _("Please choose a change.")})
    if "status" in values and values["status"] not in Status.values:
        errors.append({"field": "status", "message": _("Please choose a status from the list.")})
    if "room" in values and not (values["room"] is None or isinstance(values["room"], Room)):
        errors.append({"field": "room", "message": _("Please choose a room from the list.")})
    if "lendable" in values and not isinstance(values["lendable"], bool):
        errors.append({"field": "lendable", "message": _("Lendable is either yes or no.")})
    if errors:
        raise ValidationFailed(_("The devices were not changed."), errors=errors)
    return dict(values)


def _bulk_ids(device_ids: list[int]) -> list[int]:
    ids = list(dict.fromkeys(device_ids))
    if not ids or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        message = _("Please select at least one device.")
        raise ValidationFailed(message, errors=[{"field": "device_ids", "message": message}])
    return ids


def _locked_room(actor: User, room: Room) -> Room:
    """The room as it is now, locked so that it keeps its school until the commit."""
    current = Room.objects.select_for_update().select_related("school").filter(pk=room.pk).first()
    if current is None or not reaches_school(actor, current.school_id):
        raise NotFound(_("Room not found."))
    return current


def device_bulk_update(*, actor: User, device_ids: list[int], values: dict[str, Any]) -> int:
    """Give every device of `device_ids` the same `values` (any of status, room, lendable),
    all or nothing, in one transaction with the devices locked. Each device gets one
    history row per field that really changed, exactly as device_update writes them; a
    device that already has the values is left alone. Returns how many devices changed.

    Refused, with nothing written: a role without device.edit (PermissionDenied); an id that
    is not a device of the actor's schools, or a room out of reach (NotFound, without
    saying which devices exist); a bad value, or a room of another school than one of the
    devices (ValidationFailed, naming the field and the devices)."""
    require(actor, Perm.DEVICE_EDIT)
    values = _bulk_values(values)
    ids = _bulk_ids(device_ids)
    with transaction.atomic():
        if values.get("room") is not None:
            values["room"] = _locked_room(actor, values["room"])
        # In the order of their ids, so that two bulk changes at once lock without deadlock;
        # `of`: the device rows only, not the rooms and models read along (PostgreSQL).
        devices = list(
            scope(
                Device.objects.select_for_update(of=("self",))
                .select_related("model", "school", "room")
                .filter(pk__in=ids)
                .order_by("pk"),
                actor,
                Perm.DEVICE_EDIT,
            )
        )
        if len(devices) != len(ids):
            raise NotFound(_("Some of the selected devices were not found. Nothing was changed."))
        room = values.get("room")
        if room is not None:
            elsewhere = [each.asset_tag for each in devices if each.school_id != room.school_id]
            if elsewhere:
                message = _(
                    "Room %(room)s belongs to %(school)s; these devices belong to another "
                    "school: %(tags)s."
                ) % {"room": room.name, "school": room.school.name, "tags": ", ".join(elsewhere)}
                raise ValidationFailed(
                    _("The devices were not changed."),
                    errors=[{"field": "room", "message": message}],
                )
        now = timezone.now()
        changed: list[tuple[Device, dict[str, tuple[Any, Any]]]] = []
        for device in devices:
            changes = device_changes(device, values)
            if changes:
                for field, (_old, new) in changes.items():
                    setattr(device, field, new)
                changed.append((device, changes))
        for field, value in values.items():
            # One UPDATE per field, for the devices whose value it changes.
            pks = [device.pk for device, changes in changed if field in changes]
            if pks:
                Device.objects.filter(pk__in=pks).update(**{field: value, "updated_at": now})
        DeviceHistory.objects.bulk_create(
            [
                row
                for device, changes in changed
                for row in history_rows(device, changes, actor=actor, at=now)
            ]
        )
        if any(_became_available(device, changes) for device, changes in changed):
            device_became_available_on_commit()
    return len(changed)


def device_delete(*, actor: User, device: Device) -> None:
    """Delete a device (IT admins only). The deletion is recorded in the history, which
    keeps the asset tag; retiring a device is a status change, not this. A device that
    loans refer to (whatever their status) is not deleted: Conflict, nothing written; it
    is retired instead, so that the loans keep their device."""
    require(actor, Perm.DEVICE_DELETE)
    with transaction.atomic():
        DeviceHistory.objects.create(
            device=None,
            asset_tag=device.asset_tag,
            actor=actor,
            at=timezone.now(),
            action=DeviceHistory.Action.DELETE,
            old=f"{device.model} / {device.serial_number}".strip(" /"),
        )
        _delete_checked(
            device,
            message=_(
                "Device %(tag)s has loans, so it cannot be deleted. Retire it instead: set "
                "its status to Retired."
            )
            % {"tag": device.asset_tag},
            code="device_has_loans",
        )


def _validated(obj, *, message: str, duplicate: tuple[str, str, QuerySet] | None = None) -> None:
    """full_clean(), with the uniqueness of `duplicate` (field, message, rows that would
    clash) checked here instead of by Django, so that the error names the field in words of
    its own."""
    errors: list[dict] = []
    try:
        obj.full_clean(validate_unique=duplicate is None, validate_constraints=duplicate is None)
    except ValidationError as exc:
        errors.extend(_errors_from(exc))
    if duplicate is not None:
        field, text, clashing = duplicate
        if clashing.exclude(pk=obj.pk).exists():
            errors.append({"field": field, "message": text})
    if errors:
        raise ValidationFailed(message, errors=errors)


def _save_checked(obj: models.Model) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        # Another request saved the same name or number between full_clean() and our write.
        raise Conflict(
            _("Another user has just saved the same entry. Reload and try again.")
        ) from exc


def _delete_checked(obj: models.Model, *, message: str, code: str | None = None) -> None:
    try:
        with transaction.atomic():
            obj.delete()
    except (models.ProtectedError, models.RestrictedError, IntegrityError) as exc:
        # Rows of other apps (classes, loans) may still point at it.
        raise Conflict(message, code=code) from exc


def school_save(*, actor: User, school: School) -> School:
    """Create or change a school (IT admins only). A number another school has is an error
    of the field `number`; nothing is written."""
    require(actor, Perm.SCHOOL_EDIT)
    _validated(
        school,
        message=_("The school could not be saved."),
        duplicate=(
            "number",
            _("School number %(number)s is already used by another school.")
            % {"number": school.number},
            School.objects.filter(number=school.number),
        ),
    )
    _save_checked(school)
    return school


def school_delete(*, actor: User, school: School) -> None:
    """Delete a school that has no rooms and no devices (IT admins only)."""
    require(actor, Perm.SCHOOL_EDIT)
    if school.devices.exists() or school.rooms.exists():
        raise Conflict(_("A school with rooms or devices cannot be deleted."))
    _delete_checked(school, message=_("The school is still in use and cannot be deleted."))


def room_save(*, actor: User, room: Room) -> Room:
    """Create or change a room of a school the actor reaches."""
    require(actor, Perm.ROOM_EDIT)
    _check_school(actor, room.school)
    _validated(
        room,
        message=_("The room could not be saved."),
        duplicate=(
            "name",
            _("This school already has a room called %(name)s.") % {"name": room.name},
            Room.objects.filter(school_id=room.school_id, name__iexact=room.name),
        ),
    )
    _save_checked(room)
    return room


def room_delete(*, actor: User, room: Room) -> None:
    require(actor, Perm.ROOM_EDIT)
    _check_school(actor, room.school)
    if room.devices.exists():
        raise Conflict(_("A room with devices cannot be deleted; move the devices first."))
    _delete_checked(room, message=_("The room is still in use and cannot be deleted."))


def device_model_save(*, actor: User, device_model: DeviceModel) -> DeviceModel:
    """Create or change a device model. Renaming the manufacturer carries over to devices.
    Coordinators may add models; changing one (shared by all schools) is for IT admins."""
    require(actor, Perm.DEVICE_MODEL_CREATE if device_model.pk is None else Perm.DEVICE_MODEL_EDIT)
    _validated(
        device_model,
        message=_("The device model could not be saved."),
        duplicate=(
            "name",
            _("%(model)s is already in the list of models.") % {"model": device_model},
            DeviceModel.objects.filter(
                manufacturer__iexact=device_model.manufacturer, name__iexact=device_model.name
            ),
        ),
    )
    try:
        with transaction.atomic():
            device_model.save()
            device_model.devices.exclude(manufacturer=device_model.manufacturer).update(
                manufacturer=device_model.manufacturer
            )
    except IntegrityError as exc:
        # The new manufacturer already has a device with one of this model's serial numbers,
        # or another user saved the same model in the meantime.
        raise Conflict(
            _("Two devices of this manufacturer would have the same serial number.")
        ) from exc
    return device_model


def device_model_delete(*, actor: User, device_model: DeviceModel) -> None:
    require(actor, Perm.DEVICE_MODEL_EDIT)
    if device_model.devices.exists():
        raise Conflict(_("A model that devices use cannot be deleted."))
    _delete_checked(device_model, message=_("A model that is still in use cannot be deleted."))
