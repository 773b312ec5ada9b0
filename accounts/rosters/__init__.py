"""Importing the school office's roster of students or teachers for one school: read,
plan, preview, apply.

`roster_preview` shows every row's outcome and the lifecycle steps of the people missing
from the file and writes nothing; `roster_apply` writes all of it or none.
"""

from accounts.rosters.apply import roster_apply, roster_preview
from accounts.rosters.plan import school_year_of
from accounts.rosters.report import LifecycleStep, RosterReport, RowOutcome

__all__ = [
    "LifecycleStep",
    "RosterReport",
    "RowOutcome",
    "roster_apply",
    "roster_preview",
    "school_year_of",
]
