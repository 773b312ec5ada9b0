"""What the inventory API takes and gives: schools, rooms, device models, devices, history.

Input and output are separate classes with explicit fields. Inputs refuse unknown fields
(a misspelt field is a 422, not a change that silently does not happen). `…Patch` classes
are for PATCH: every field is optional, and only the fields a client sends are changed.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict, ValidationInfo, field_validator

from core.sheets.values import parse_macs
from inventory.models import Category, SchoolType, Status
from inventory.selectors import DEVICE_ORDERINGS


class _In(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Patch(_In):
    """Every field optional; `null` is accepted only for the fields in `nullable`."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_allowed(cls, value: object, info: ValidationInfo) -> object:
        # Only runs for fields the client sent: the None defaults mean "not sent".
        if value is None and info.field_name not in cls.nullable:
            raise ValueError(_("This field cannot be empty; leave it out to keep its value."))
        return value


def _macs(value: list[str] | None) -> list[str] | None:
    """MAC addresses as AA:BB:CC:DD:EE:FF, whatever separators the client used."""
    if value is None:
        return None
    return parse_macs(", ".join(value))


# Schools


class SchoolRef(Schema):
    number: str
    name: str


class SchoolOut(Schema):
    number: str
    name: str
    short_name: str
    school_type: str
    street: str
    postal_code: str
    city: str


class SchoolIn(_In):
    number: str = Field(..., description="The official 6-digit school number.")
    name: str
    short_name: str = Field("", description="Printed on asset labels; empty: the name.")
    school_type: SchoolType = SchoolType.OTHER
    street: str = ""
    postal_code: str = ""
    city: str = ""


class SchoolPatch(_Patch):
    number: str | None = None
    name: str | None = None
    short_name: str | None = None
    school_type: SchoolType | None = None
    street: str | None = None
    postal_code: str | None = None
    city: str | None = None


# Rooms


class RoomRef(Schema):
    id: int
    name: str


class RoomOut(Schema):
    id: int
    name: str
    building: str
    school: SchoolRef


class RoomIn(_In):
    school: str = Field(..., description="School number")
    name: str
    building: str = ""


class RoomPatch(_Patch):
    name: str | None = None
    building: str | None = None


class RoomFilterIn(Schema):
    school: str | None = Field(None, description="School number")


# Device models


class DeviceModelOut(Schema):
    id: int
    manufacturer: str
    name: str
    category: str


class DeviceModelIn(_In):
    manufacturer: str
    name: str
    category: Category


class DeviceModelPatch(_Patch):
    manufacturer: str | None = None
    name: str | None = None
    category: Category | None = None


# Devices


class DeviceOut(Schema):
    asset_tag: str
    serial_number: str
    mac_addresses: list[str]
    model: DeviceModelOut
    school: SchoolRef
    room: RoomRef | None
    status: str
    purchase_date: date | None
    purchase_price: Decimal | None = Field(..., description='EUR, as a string: "649.00"')
    funding_programme: str
    warranty_end: date | None
    lendable: bool
    notes: str
    created_at: datetime
    updated_at: datetime


class DeviceIn(_In):
    asset_tag: str
    serial_number: str = ""
    mac_addresses: list[str] = []
    model: int = Field(..., description="Device model id")
    school: str = Field(..., description="School number")
    room: int | None = Field(None, description="Room id; the room must belong to the school")
    status: Status = Status.IN_STOCK
    purchase_date: date | None = None
    purchase_price: Decimal | None = Field(None, description="EUR")
    funding_programme: str = ""
    warranty_end: date | None = None
    lendable: bool = False
    notes: str = ""

    @field_validator("mac_addresses")
    @classmethod
    def _normalise_macs(cls, value: list[str]) -> list[str] | None:
        return _macs(value)


class DevicePatch(_Patch):
    nullable = frozenset({"room", "purchase_date", "purchase_price", "warranty_end"})

    asset_tag: str | None = None
    serial_number: str | None = None
    mac_addresses: list[str] | None = None
    model: int | None = Field(None, description="Device model id")
    school: str | None = Field(
        None, description="School number; a room of the old school is cleared"
    )
    room: int | None = Field(None, description="Room id; null takes the device out of its room")
    status: Status | None = None
    purchase_date: date | None = None
    purchase_price: Decimal | None = Field(None, description="EUR")
    funding_programme: str | None = None
    warranty_end: date | None = None
    lendable: bool | None = None
    notes: str | None = None

    @field_validator("mac_addresses")
    @classmethod
    def _normalise_macs(cls, value: list[str] | None) -> list[str] | None:
        return _macs(value)


class DeviceFilterIn(Schema):
    school: str | None = Field(None, description="School number")
    room: int | None = Field(None, description="Room id")
    status: Status | None = None
    category: Category | None = None
    lendable: bool | None = None
    funding_programme: str | None = None
    warranty_before: date | None = Field(None, description="Warranty ends before this day")
    q: str | None = Field(None, description="Part of the asset tag, serial number or model")
    ordering: str = Field(
        "asset_tag",
        description="One of: "
        + ", ".join(sorted(DEVICE_ORDERINGS))
        + "; a leading '-' sorts descending",
    )

    @field_validator("ordering")
    @classmethod
    def _known_ordering(cls, value: str) -> str:
        if value.removeprefix("-") not in DEVICE_ORDERINGS:
            raise ValueError(
                _("Sort by one of: %(fields)s.") % {"fields": ", ".join(sorted(DEVICE_ORDERINGS))}
            )
        return value


class DeviceHistoryOut(Schema):
    at: datetime
    actor: str | None = Field(None, description="Username; empty when the user was deleted")
    action: str
    field: str
    old: str
    new: str

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.username if obj.actor_id else None
