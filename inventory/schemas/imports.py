"""What the import API takes and gives: an import job (devices, students or teachers) with
its progress and, once the file has been checked, every row's outcome (one page at a time)
and, for a roster, what happens to the people missing from it."""

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from core.models import ImportJob
from core.pagination import Offset

Outcome = Literal["create", "update", "unchanged", "error"]
RosterOutcome = Literal["create", "update", "move", "unchanged", "reactivate", "error"]


class ImportRowsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    offset: Offset = 0
    limit: int = Field(100, ge=0, le=1000)
    outcome: RosterOutcome | None = Field(
        None, description="Only rows with this outcome (move and reactivate: rosters only)"
    )


class ImportConfirmIn(Schema):
    model_config = ConfigDict(extra="forbid")

    only_valid: bool = Field(
        False, description="Import the rows without errors and leave out the others"
    )


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
    name: str = Field(description='"Last name, first name"')
    login: str = Field(description="Empty for a new person until the import is applied")
    class_name: str
    changes: list[ImportChangeOut]
    errors: list[ImportErrorOut]


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
    only_valid: bool
    progress: ImportProgressOut
    error: ImportFailureOut | None
    applied: bool
    counts: dict[str, int] | None
    unknown_columns: list[str]
    to_create: ImportToCreateOut | None = Field(description="Devices only")
    school_year: int | None = Field(
        description="Rosters only: the year the school year starts in (2026 for 2026/27)"
    )
    new_classes: list[str] | None = Field(description="Rosters only: classes to be created")
    lifecycle: RosterLifecycleOut | None = Field(
        description="Rosters only: the people missing from the file"
    )
    header_row: int | None
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
            only_valid=job.options.get("only_valid", False),
            progress=ImportProgressOut(done=job.progress_done, total=job.progress_total),
            error=job.error,
            applied=job.status == ImportJob.Status.APPLIED,
            counts=report.get("counts"),
            unknown_columns=report.get("unknown_columns", []),
            to_create=report.get("to_create"),
            school_year=report.get("school_year"),
            new_classes=report.get("new_classes"),
            lifecycle=(
                {step: report[step] for step in ("tolerate", "disable", "delete")}
                if "tolerate" in report
                else None
            ),
            header_row=report.get("header_row"),
            rows=rows,
            rows_count=count,
            offset=offset,
            limit=limit,
        )
