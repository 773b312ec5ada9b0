"""What a roster import found or did: the answer of preview and apply alike."""

from dataclasses import dataclass, field
from typing import Any

ROW_OUTCOMES = ("create", "update", "move", "unchanged", "reactivate", "error")
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "outcome": self.outcome,
            "name": self.name,
            "login": self.login,
            "class_name": self.class_name,
            "changes": self.changes,
            "errors": self.errors,
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
            "applied": self.applied,
        }
