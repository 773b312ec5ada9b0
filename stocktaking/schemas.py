"""What the stock-taking API takes and gives. Inputs refuse unknown fields."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from inventory.schemas.catalog import SchoolRef
from stocktaking.codes import MAX_CODE_LENGTH
from stocktaking.selectors import Counts, MissingDevice, RoomProgress
from stocktaking.services import MAX_CLIENT_ID, MAX_NAME


class _In(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StocktakingStartIn(_In):
    school: str = Field(..., description="The school's number")
    building: str = Field("", max_length=100, description="Only the rooms of this building")
    rooms: list[int] = Field(
        [], description="Only these rooms (ids); neither building nor rooms: the whole school"
    )
    name: str = Field("", max_length=MAX_NAME, description="Empty: the scope and the day")


class ScanIn(_In):
    client_id: str = Field(
        ...,
        min_length=1,
        max_length=MAX_CLIENT_ID,
        description="Made by the client (a UUID); sending the same id again is the same scan",
    )
    code: str = Field(
        ...,
        min_length=1,
        max_length=MAX_CODE_LENGTH,
        description="An asset tag, or a label's address …/d/<asset tag>",
    )
    room_id: int | None = Field(None, description="The room scanned in")
    scanned_at: datetime | None = Field(
        None, description="When the device scanned it (perhaps offline); stored, not trusted"
    )


class StocktakingCloseIn(_In):
    lost: list[str] = Field(
        [], description="Asset tags of missing devices to report lost (status Lost)"
    )


class RoomRef(Schema):
    id: int
    name: str
    building: str


class ScanCountsOut(Schema):
    expected: int
    seen: int
    missing: int


class ScanDeviceOut(Schema):
    asset_tag: str
    name: str
    room: str | None
    school: str | None


class ScanOut(Schema):
    id: int
    client_id: str
    outcome: Literal["found", "elsewhere", "unknown", "already"]
    message: str
    device: ScanDeviceOut | None
    can_move: bool
    moved: bool
    counts: ScanCountsOut


class CountsOut(Schema):
    expected: int
    seen: int
    found: int
    elsewhere: int
    unknown: int
    on_loan: int
    missing: int
    lost: int

    @staticmethod
    def of(counts: Counts) -> dict:
        return counts.__dict__


class RoomProgressOut(Schema):
    room_id: int | None
    name: str
    building: str
    expected: int
    seen: int
    missing: int

    @staticmethod
    def of(progress: RoomProgress) -> dict:
        return progress.__dict__


class StocktakingOut(Schema):
    id: int
    name: str
    school: SchoolRef
    status: Literal["open", "closed"]
    whole_school: bool
    building: str
    started_at: datetime
    started_by: str | None
    closed_at: datetime | None
    closed_by: str | None

    @staticmethod
    def resolve_started_by(obj) -> str | None:
        return _person(obj, "started_by")

    @staticmethod
    def resolve_closed_by(obj) -> str | None:
        return _person(obj, "closed_by")


def _person(obj, name: str) -> str | None:
    user = obj[name] if isinstance(obj, dict) else getattr(obj, name)
    if user is None or isinstance(user, str):
        return user
    return user.get_full_name() or user.username


class StocktakingStateOut(StocktakingOut):
    rooms: list[RoomRef] = Field(..., description="The rooms the user may scan in")
    counts: CountsOut
    progress: list[RoomProgressOut]


class MissingDeviceOut(Schema):
    asset_tag: str
    model: str
    room: str
    on_loan: bool
    result: str = Field(..., description="Once closed: on_loan, lost or missing")

    @staticmethod
    def of(device: MissingDevice) -> dict:
        return device.__dict__
