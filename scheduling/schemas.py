"""What the loans API takes and gives. Inputs refuse unknown fields; dates are whole days
(YYYY-MM-DD, Europe/Berlin)."""

import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

from core.models import User
from core.permissions import reaches_school
from inventory.models import Category, DeviceModel
from inventory.schemas.catalog import SchoolRef
from scheduling.models import Accessory, Loan, LoanReason, LoanStatus
from scheduling.selectors import AvailableDevice, CalendarWindow


class _In(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LoanRequestIn(_In):
    students: list[int] = Field(
        ..., min_length=1, description="Ids of the students, all of one class"
    )
    category: Category
    starts_on: datetime.date = Field(..., description="First day of the loan")
    ends_on: datetime.date = Field(..., description="Last day of the loan (required)")
    reason: LoanReason
    note: str = ""


class LoanApproveIn(_In):
    device: str | None = Field(
        None, description="Asset tag of a device picked by hand; empty: allocate one"
    )


class LoanRejectIn(_In):
    reason: str


class LoanHandoutIn(_In):
    asset_tag: str = Field(..., description="The scanned asset tag of the device handed out")
    guardian_name: str
    accessories: list[Accessory] = []
    condition: str = ""
    agreement_signed: bool
    start_today: bool = Field(
        False,
        description="Confirms that a loan handed out before its first day starts today "
        "(required then)",
    )


class LoanReturnIn(_In):
    asset_tag: str | None = Field(None, description="The scanned asset tag, if scanned")
    accessories: list[Accessory] = []
    condition: str = ""
    damaged: bool = False


class LoanExtendIn(_In):
    ends_on: datetime.date


class LoanLostIn(_In):
    note: str = ""


class LoanFilterIn(Schema):
    status: LoanStatus | None = None
    school: str | None = Field(None, description="School number")
    category: Category | None = None
    student: int | None = Field(None, description="Person id")
    mine: bool = Field(False, description="Only the requests I made")
    ordering: str = Field("-requested_at", description="requested_at (the queue), starts_on…")


class LoanExportIn(LoanFilterIn):
    format: Literal["xlsx", "csv"] = Field("xlsx", description="File format: xlsx or csv")

    def filter_values(self) -> dict:
        """The values for scheduling.selectors.LoanFilters (everything but the format)."""
        return self.dict(exclude={"format"})


class StudentRef(Schema):
    id: int
    name: str
    school_class: str | None

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.full_name

    @staticmethod
    def resolve_school_class(obj) -> str | None:
        return obj.school_class.name if obj.school_class_id else None


class LoanDeviceRef(Schema):
    asset_tag: str
    model: str

    @staticmethod
    def resolve_model(obj) -> str:
        return str(obj.model)


class LoanOut(Schema):
    id: int
    status: str
    student: StudentRef
    school: SchoolRef
    category: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    reason: str
    note: str
    device: LoanDeviceRef | None
    requested_by: str | None
    requested_at: datetime.datetime
    decided_at: datetime.datetime | None
    rejection_reason: str
    handed_out_at: datetime.datetime | None
    guardian_name: str
    accessories_out: list[str]
    condition_out: str
    agreement_signed: bool
    returned_at: datetime.datetime | None
    accessories_in: list[str]
    condition_in: str
    is_overdue: bool

    @staticmethod
    def resolve_requested_by(obj: Loan) -> str | None:
        return obj.requested_by.username if obj.requested_by_id else None


class AvailabilityFilterIn(Schema):
    category: Category
    starts_on: datetime.date
    ends_on: datetime.date
    school: list[str] = Field([], description="School numbers; empty: mine and the pool")


class _SchoolOfDevice(BaseModel):
    number: str
    name: str


class AvailableDeviceOut(BaseModel):
    """A free device. A plain pydantic model, not ninja's Schema: a city-wide period frees
    thousands of devices, and ninja's per-attribute wrapper took three quarters of the
    answer's time; the rows come as dicts (`rows`), checked by pydantic's core."""

    asset_tag: str
    model: str
    school: _SchoolOfDevice
    pool: bool

    @staticmethod
    def rows(devices: list[AvailableDevice]) -> list[dict]:
        return [
            {
                "asset_tag": device.asset_tag,
                "model": DeviceModel.label(device.manufacturer, device.model_name),
                "school": {"number": device.school_number, "name": device.school_name},
                "pool": device.pool,
            }
            for device in devices
        ]


class CalendarFilterIn(Schema):
    starts_on: datetime.date | None = Field(None, description="First day; default today")
    weeks: int = Field(4, ge=1, le=26)
    school: str | None = Field(None, description="School number")
    device: str | None = Field(None, description="Asset tag: one device's calendar")
    category: Category | None = None


class CalendarLoanOut(Schema):
    id: int
    status: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    school: str
    student: str | None = Field(None, description="Only for loans of schools you reach")


class CalendarDeviceOut(Schema):
    asset_tag: str
    model: str
    school: SchoolRef
    status: str
    loans: list[CalendarLoanOut]


class CalendarOut(Schema):
    starts_on: datetime.date
    ends_on: datetime.date
    devices: list[CalendarDeviceOut]

    @classmethod
    def build(cls, *, actor: User, window: CalendarWindow, devices) -> "CalendarOut":
        return cls(
            starts_on=window.starts_on,
            ends_on=window.ends_on,
            devices=[
                CalendarDeviceOut(
                    asset_tag=device.asset_tag,
                    model=str(device.model),
                    school=SchoolRef(number=device.school.number, name=device.school.name),
                    status=device.status,
                    loans=[
                        CalendarLoanOut(
                            id=loan.pk,
                            status=loan.status,
                            starts_on=loan.starts_on,
                            ends_on=loan.ends_on,
                            school=loan.school.number,
                            student=loan.student.full_name
                            if reaches_school(actor, loan.school_id)
                            else None,
                        )
                        for loan in device.window_loans
                    ],
                )
                for device in devices
            ],
        )


class LoanCountsOut(Schema):
    school: SchoolRef
    pool: bool
    pool_devices: int
    on_loan: int
    overdue: int
    waiting: int

    @staticmethod
    def resolve_school(obj) -> dict:
        return {"number": obj.number, "name": obj.name}

    @staticmethod
    def resolve_pool(obj) -> bool:
        return obj.loan_pool
