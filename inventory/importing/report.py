"""What an import found or did, row by row: the answer of preview and apply alike."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class RowOutcome:
    row: int  # the row number as the spreadsheet program shows it
    outcome: str  # create | update | unchanged | error
    asset_tag: str
    changes: list[dict[str, Any]] = field(default_factory=list)  # field, column, old, new
    errors: list[dict[str, Any]] = field(default_factory=list)  # row, column, message

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "outcome": self.outcome,
            "asset_tag": self.asset_tag,
            "changes": self.changes,
            "errors": self.errors,
        }


@dataclass
class ImportReport:
    counts: dict[str, int]
    rows: list[RowOutcome]
    unknown_columns: list[str]
    to_create: dict[str, list[dict[str, str]]]
    header_row: int = 0
    applied: bool = False
    # The ids of the schools whose devices the rows show or put devices in: who may read
    # the report of a job without a chosen school (import_job_get).
    schools: list[int] = field(default_factory=list)
    # What the reader found and did not read: totals rows, a column named twice (row,
    # column, message).
    skipped: list[dict[str, Any]] = field(default_factory=list)
    # For each date column with dates written with slashes: the order of day and month they
    # were read in, and whether it was assumed (every one could be read either way).
    date_orders: list[dict[str, Any]] = field(default_factory=list)
    # How many of the rows the sheet hides (by hand or by a filter); they are imported too.
    hidden_rows: int = 0

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [error for row in self.rows for error in row.errors]

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": dict(self.counts),
            "rows": [row.as_dict() for row in self.rows],
            "unknown_columns": list(self.unknown_columns),
            "to_create": self.to_create,
            "header_row": self.header_row,
            "applied": self.applied,
            "schools": list(self.schools),
            "skipped": list(self.skipped),
            "date_orders": list(self.date_orders),
            "hidden_rows": self.hidden_rows,
        }
