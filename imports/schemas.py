"""What the import API takes and gives: an import job (devices, students or teachers) with
its progress and, once the file has been checked, every row's outcome (one page at a time)
and, for a roster, what happens to the people missing from it."""

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from core.pagination import Offset
from imports.models import ImportJob

Outcome = Literal["create", "update", "unchanged", "error"]
RosterOutcome = Literal[
    "create", "update", "move", "unchanged", "reactivate", "leave", "skip", "error"
]


class ImportRowsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    offset: Offset = 0
    limit: int = Field(100, ge=0, le=1000)
    outcome: RosterOutcome | None = Field(
        None,
        description="Only rows with this outcome (move, reactivate, leave, skip: rosters only)",
    )


class ImportConfirmIn(Schema):
    model_config = ConfigDict(extra="forbid")

    only_valid: bool = Field(
        False, description="Import the rows without errors and leave out the others"
    )


DateOrder = Literal["dmy", "mdy"]


class ImportRecheckIn(Schema):
    model_config = ConfigDict(extra="forbid")

    date_order: DateOrder = Field(description="dmy: 08/01/2021 is 8 January; mdy: it is 1 August")


class DateOrderOut(Schema):
    column: str
    order: DateOrder
    assumed: bool = Field(description="Every date of the column could be read either way")
    conflict: bool = Field(description="The column mixes both orders: its rows are errors")


class ImportErrorOut(Schema):
    row: int | None
    column: str | None
    message: str


class ImportChangeOut(Schema):
    field: str
    column: str | None
    old: str
    new: str


class ImportRowOut(Schema):
    row: int
    outcome: Outcome
    asset_tag: str
    changes: list[ImportChangeOut]
    errors: list[ImportErrorOut]


class RosterRowOut(Schema):
    """A row of a list of students or teachers."""

    row: int
    outcome: RosterOutcome
    person_id: int | None = Field(
        None, description="The person the row is about; none for a new one until applied"
    )
    name: str = Field(description='"Last name, first name"')
    login: str = Field(description="Empty for a new person until the import is applied")
    class_name: str
    changes: list[ImportChangeOut]
    errors: list[ImportErrorOut]
    notes: list[str] = Field(
        [], description="E.g. the SchILD status, or the loan device of a pupil who leaves"
    )


class RosterClassNameOut(Schema):
    written: str = Field(description="The class as the file writes it")
    name: str = Field(description="The class as Lernstatt stores it")
    rows: int


class RosterClassTeachersOut(Schema):
    """The class teachers a student roster names for one class."""

    class_name: str
    teachers: list[str] = Field(description='The teachers the Kürzel mean: "Müller, Anna (MÜL)"')
    unknown: list[str] = Field(description="Kürzel no working teacher of the school has")
    message: str | None = Field(
        None, description="Why the class's teachers stay as they are (with unknown Kürzel)"
    )


class RosterLeavingLoanOut(Schema):
    """A student who leaves the school while a loan holds a device for them."""

    person_id: int
    name: str
    class_name: str
    asset_tags: list[str]
    message: str


class LifecycleStepOut(Schema):
    """A person missing from the roster, and their status before the step."""

    person_id: int
    name: str
    login: str
    class_name: str
    status: str
    since: str = Field(description="ISO date the current status began; empty when active")


class RosterLifecycleOut(Schema):
    tolerate: list[LifecycleStepOut] = Field(
        description="Active people missing from the file: their account keeps working for now"
    )
    disable: list[LifecycleStepOut] = Field(description="Tolerated long enough: disabled")
    delete: list[LifecycleStepOut] = Field(description="Disabled long enough: deleted")


class ImportProgressOut(Schema):
    done: int
    total: int


class ImportFailureOut(Schema):
    message: str
    code: str
    errors: list[dict[str, Any]]


class ImportToCreateOut(Schema):
    models: list[dict[str, str]]
    rooms: list[dict[str, str]]


class ImportJobOut(Schema):
    id: int
    kind: str
    status: str
    filename: str
    created_at: datetime
    created_by: str | None
    school: int | None = Field(description="The school chosen for the whole import (id)")
    create_missing: bool = Field(description="Devices only")
    date_order: DateOrder = Field(
        description="The order of day and month for dates with slashes whose column does "
        "not tell it"
    )
    only_valid: bool
    progress: ImportProgressOut
    error: ImportFailureOut | None
    applied: bool
    counts: dict[str, int] | None
    unknown_columns: list[str]
    skipped: list[ImportErrorOut] = Field(
        description="What the file holds and was not read: totals rows, a column named twice"
    )
    to_create: ImportToCreateOut | None = Field(description="Devices only")
    school_year: int | None = Field(
        description="Rosters only: the year the school year starts in (2026 for 2026/27)"
    )
    new_classes: list[str] | None = Field(description="Rosters only: classes to be created")
    lifecycle: RosterLifecycleOut | None = Field(
        description="Rosters only: the people missing from the file"
    )
    class_names: list[RosterClassNameOut] | None = Field(
        None, description='Rosters only: class names the file spells otherwise ("05a" → "5a")'
    )
    class_teachers: list[RosterClassTeachersOut] | None = Field(
        None, description="Student rosters only: the class teachers the file names per class"
    )
    leaving_with_loans: list[RosterLeavingLoanOut] | None = Field(
        None, description="Rosters only: students who leave while holding a loan device"
    )
    header_row: int | None
    hidden_rows: int = Field(
        0, description="How many rows the sheet hides (by hand or by a filter); imported too"
    )
    date_orders: list[DateOrderOut] = Field(
        description="Each date column with dates written with slashes, and how they were read"
    )
    rows: list[ImportRowOut | RosterRowOut]
    rows_count: int = Field(description="How many rows match the filter (for paging)")
    offset: int
    limit: int

    @classmethod
    def build(
        cls, job: ImportJob, *, rows: list[dict[str, Any]], count: int, offset: int, limit: int
    ) -> "ImportJobOut":
        report = job.report or {}
        return cls(
            id=job.id,
            kind=job.kind,
            status=job.status,
            filename=job.filename,
            created_at=job.created_at,
            created_by=job.created_by.username if job.created_by else None,
            school=job.options.get("school"),
            create_missing=job.options.get("create_missing", False),
            date_order=job.options.get("date_order") or "dmy",
            only_valid=job.options.get("only_valid", False),
            progress=ImportProgressOut(done=job.progress_done, total=job.progress_total),
            error=job.error,
            applied=job.status == ImportJob.Status.APPLIED,
            counts=report.get("counts"),
            unknown_columns=report.get("unknown_columns", []),
            skipped=report.get("skipped", []),
            to_create=report.get("to_create"),
            school_year=report.get("school_year"),
            new_classes=report.get("new_classes"),
            lifecycle=(
                {step: report[step] for step in ("tolerate", "disable", "delete")}
                if "tolerate" in report
                else None
            ),
            class_names=report.get("class_names"),
            class_teachers=report.get("class_teachers"),
            leaving_with_loans=report.get("loans"),
            header_row=report.get("header_row"),
            hidden_rows=report.get("hidden_rows") or 0,
            date_orders=report.get("date_orders") or [],
            rows=rows,
            rows_count=count,
            offset=offset,
            limit=limit,
        )
