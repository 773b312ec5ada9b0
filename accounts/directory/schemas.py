"""What the directory sync API takes and gives: a plan of changes, and sync runs."""

from datetime import datetime
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from accounts.directory.changes import DirectoryPlan
from accounts.models import DirectorySyncRun, DirectorySyncRunStatus
from core.pagination import Offset


class DirectoryPlanIn(Schema):
    model_config = ConfigDict(extra="forbid")

    school: str | None = Field(None, description="Only this school (school number)")
    offset: Offset = 0
    limit: int = Field(1000, ge=0, le=10000, description="At most this many changes listed")


class DirectoryChangeOut(Schema):
    kind: str
    dn: str
    description: str


class DirectoryPlanOut(Schema):
    counts: dict[str, int]
    total: int
    changes: list[DirectoryChangeOut]

    @classmethod
    def build(cls, plan: DirectoryPlan, *, offset: int, limit: int) -> "DirectoryPlanOut":
        page = plan.changes[offset : offset + limit]
        return cls(
            counts=plan.counts(),
            total=len(plan),
            changes=[
                DirectoryChangeOut(kind=c.kind, dn=c.dn, description=c.describe()) for c in page
            ],
        )


class DirectorySyncIn(Schema):
    model_config = ConfigDict(extra="forbid")

    school: str | None = Field(None, description="Only this school (school number); null: all")


class DirectorySyncQueuedOut(Schema):
    id: int = Field(description="The run's id: follow it at /api/v1/directory/runs/{id}")
    status: str


class DirectoryRunsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    school: str | None = Field(None, description="Only runs for this school (school number)")
    status: DirectorySyncRunStatus | None = None


class DirectorySyncRunOut(Schema):
    id: int
    status: str
    school: str | None
    started_by: str | None = Field(description="The user's name; null for the scheduler")
    counts: dict[str, int]
    total: int
    done: int
    errors: list[dict[str, Any]]
    started: datetime = Field(alias="started_at")
    finished: datetime | None = Field(alias="finished_at")
    duration: float | None = Field(description="Seconds")

    @staticmethod
    def resolve_school(run: DirectorySyncRun) -> str | None:
        return run.school.number if run.school else None

    @staticmethod
    def resolve_started_by(run: DirectorySyncRun) -> str | None:
        return run.started_by.username if run.started_by else None

    @staticmethod
    def resolve_duration(run: DirectorySyncRun) -> float | None:
        return run.duration.total_seconds() if run.duration is not None else None
