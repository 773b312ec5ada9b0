"""What a roster import found or did: the answer of preview and apply alike."""

from dataclasses import dataclass, field
from typing import Any

# "leave": a person whose status says they are not at the school (a leaver); their account
# takes the steps of people missing from the file. "skip": such a row without an account.
ROW_OUTCOMES = ("create", "update", "move", "unchanged", "reactivate", "leave", "skip", "error")
# What happens to the people of the school who are not in the file.
LIFECYCLE = ("tolerate", "disable", "delete")


@dataclass(slots=True)
class RowOutcome:
    row: int  # the row number as the spreadsheet program shows it
    outcome: str  # one of ROW_OUTCOMES
    name: str  # "Müller, Anna", as in a class list
    login: str = ""  # empty for a new person until the import is applied
    class_name: str = ""
    changes: list[dict[str, Any]] = field(default_factory=list)  # field, column, old, new
    errors: list[dict[str, Any]] = field(default_factory=list)  # row, column, message
    notes: list[str] = field(default_factory=list)  # e.g. the status, a loan device
    # The person the row is about: the stable link (a name may repeat); None for a new
    # person until the import is applied, and for a leaver without an account.
    person_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "outcome": self.outcome,
            "person_id": self.person_id,
            "name": self.name,
            "login": self.login,
            "class_name": self.class_name,
            "changes": self.changes,
            "errors": self.errors,
            "notes": self.notes,
        }


@dataclass(slots=True)
class LifecycleStep:
    """A person missing from the file, and the step their account takes."""

    person_id: int
    name: str
    login: str
    class_name: str
    status: str  # before the step
    since: str  # ISO date: when they were tolerated / disabled (empty for the active)

    def as_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "name": self.name,
            "login": self.login,
            "class_name": self.class_name,
            "status": self.status,
            "since": self.since,
        }


@dataclass
class RosterReport:
    kind: str  # students | teachers
    school_year: int  # the year the school year starts in
    rows: list[RowOutcome]
    tolerate: list[LifecycleStep]
    disable: list[LifecycleStep]
    delete: list[LifecycleStep]
    new_classes: list[str]
    unknown_columns: list[str]
    header_row: int = 0
    applied: bool = False
    # What the reader found and did not read: totals rows, a column named twice (row,
    # column, message).
    skipped: list[dict[str, Any]] = field(default_factory=list)
    # Class names the file spells otherwise: written, name (as stored), rows.
    class_names: list[dict[str, Any]] = field(default_factory=list)
    # The class teachers the file names: class_name, teachers, unknown (Kürzel), message.
    class_teachers: list[dict[str, Any]] = field(default_factory=list)
    # Students who leave while holding a loan device: person_id, name, class_name,
    # asset_tags, message.
    loans: list[dict[str, Any]] = field(default_factory=list)
    # How many of the rows the sheet hides (by hand or by a filter); they are imported too.
    hidden_rows: int = 0
    # How the birth dates written with slashes were read: column, order, assumed, conflict.
    date_orders: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((*ROW_OUTCOMES, *LIFECYCLE), 0)
        for row in self.rows:
            counts[row.outcome] += 1
        for step in LIFECYCLE:
            counts[step] = len(getattr(self, step))
        return counts

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [error for row in self.rows for error in row.errors]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "school_year": self.school_year,
            "counts": self.counts,
            "rows": [row.as_dict() for row in self.rows],
            **{step: [each.as_dict() for each in getattr(self, step)] for step in LIFECYCLE},
            "new_classes": list(self.new_classes),
            "unknown_columns": list(self.unknown_columns),
            "header_row": self.header_row,
            "skipped": list(self.skipped),
            "applied": self.applied,
            "class_names": list(self.class_names),
            "class_teachers": list(self.class_teachers),
            "loans": list(self.loans),
            "hidden_rows": self.hidden_rows,
            "date_orders": list(self.date_orders),
        }
