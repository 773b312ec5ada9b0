"""Reading a roster file into rows of values. A cell that is not valid becomes an error of
its row (with the column as the file names it), never an exception."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from accounts.logins import transliterate
from accounts.rosters.columns import (
    COLUMNS_BY_KEY,
    REQUIRED,
    TEXT_LIMITS,
    USED,
    expected_headers,
    roster_spellings,
)
from core.errors import FileRejected
from core.sheets.read import Table, read_table
from core.sheets.values import clean_text, parse_date


@dataclass(slots=True)
class RosterRow:
    """One data row of a roster: its values, its errors, and what planning decided."""

    row: int  # as the spreadsheet shows it
    values: dict[str, Any]
    errors: list[dict[str, Any]]
    person: Any = None  # the stored Person this row matched, if any
    school_class: Any = None  # a student's class after the import (maybe a new one)
    outcome: str = ""
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def external_id(self) -> str:
        return self.values.get("external_id") or ""

    @property
    def name_key(self) -> tuple[str, str, datetime.date | None] | None:
        """Last name, first name and birth date, folded so that case, spacing and umlaut
        spelling do not matter: "Müller" == "Mueller" == "MÜLLER"."""
        return name_key(
            self.values.get("last_name") or "",
            self.values.get("first_name") or "",
            self.values.get("birth_date"),
        )


def name_key(
    last_name: str, first_name: str, birth_date: datetime.date | None
) -> tuple[str, str, datetime.date | None] | None:
    # A name without a Latin spelling ("李") is compared as written, not as nothing.
    last = transliterate(last_name) or "".join(last_name.casefold().split())
    first = transliterate(first_name) or "".join(first_name.casefold().split())
    if not (last or first) or birth_date is None:
        return None
    return (last, first, birth_date)


def read_roster_table(*, data: bytes, filename: str, kind: str) -> Table:
    """The roster's table; FileRejected when the file is not a roster of this kind."""
    table = read_table(
        data, filename, spellings=roster_spellings(), expected=expected_headers(kind)
    )
    missing = [key for key in REQUIRED[kind] if key not in table.columns]
    if missing:
        raise FileRejected(
            _("“%(name)s” has no column %(columns)s; a list of %(kind)s needs it.")
            % {
                "name": table.filename,
                "columns": ", ".join(str(COLUMNS_BY_KEY[key].header) for key in missing),
                "kind": kind_label(kind),
            },
            code="missing_column",
        )
    return table


def kind_label(kind: str) -> str:
    return _("students") if kind == "students" else _("teachers")


def parse_rows(table: Table, kind: str) -> list[RosterRow]:
    """Every data row's cells turned into values; blank rows are skipped by the reader."""
    columns = sorted(
        ((key, table.columns[key]) for key in USED[kind] if key in table.columns),
        key=lambda column: column[1],
    )
    need = max(index for _key, index in columns) + 1
    headers = table.headers
    rows = []
    for number, cells in table.rows():
        if len(cells) < need:
            cells = [*cells, *([None] * (need - len(cells)))]
        values: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for key, index in columns:
            try:
                values[key] = _value(key, cells[index])
            except ValueError as exc:
                errors.append({"row": number, "column": headers[key], "message": str(exc)})
        failed = {error["column"] for error in errors}
        for key in REQUIRED[kind]:
            if not values.get(key) and headers[key] not in failed:
                message = _required_message(key)
                errors.append({"row": number, "column": headers[key], "message": message})
        rows.append(RosterRow(number, values, errors))
    return rows


def _value(key: str, cell: object) -> Any:
    if key == "birth_date":
        return parse_date(cell)
    text = " ".join(clean_text(cell).split())
    limit = TEXT_LIMITS[key]
    if len(text) > limit:
        raise ValueError(
            _("“%(value)s…” is too long: at most %(max)s characters.")
            % {"value": text[:20], "max": limit}
        )
    return text


def _required_message(key: str) -> str:
    return {
        "class_name": _("The class is missing."),
        "last_name": _("The last name is missing."),
        "first_name": _("The first name is missing."),
        "birth_date": _("The date of birth is missing."),
    }[key]
