"""What an import found or did, row by row: the answer of preview and apply alike."""

from dataclasses import dataclass, field
from typing import Any, NoReturn


class _NoItems(list):
    """An empty list that stays empty: the changes or errors of every row that has none
    share it, instead of two empty lists for each of a file's 200,000 rows. A row that
    gets an error is given a list of its own; filling this one is refused."""

    __slots__ = ()

    def _refuse(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        raise TypeError("NO_ITEMS is shared by many rows; give the row a list of its own")

    append = extend = insert = __setitem__ = __iadd__ = __imul__ = _refuse


NO_ITEMS: list[Any] = _NoItems()


class _ErrorFields:
    """An error's fields as attributes: row_error hands out their dict."""

    row: int
    column: str | None
    message: str


def row_error(row: int, column: str | None, message: str) -> dict[str, Any]:
    """An error of a row, {row, column, message}, as the report lists it. The dict is the
    attribute dict of an object: CPython keeps the keys of such dicts once for all of them
    (a split table), so an error takes about 110 bytes instead of 190, and a file of
    200,000 rows in error 16 MB less. It is a dict like any other."""
    fields = _ErrorFields()
    fields.row = row
    fields.column = column
    fields.message = message
    return fields.__dict__


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
