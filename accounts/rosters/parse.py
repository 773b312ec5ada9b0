"""Reading a roster file into rows of values. A cell that is not valid becomes an error of
its row (with the column as the file names it), never an exception."""

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from accounts.logins import transliterate
from accounts.rosters.columns import (
    ACTIVE,
    COLUMNS_BY_KEY,
    REQUIRED,
    SCHILD_STATUSES,
    TEXT_LIMITS,
    USED,
    expected_headers,
    roster_spellings,
    schild_status,
)
from core.errors import FileRejected
from core.sheets.read import Table, read_table
from core.sheets.values import clean_text, parse_date, read_slash_dates, slash_parts
from core.sheets.xlsx_read import CellProblem

# Columns whose cells are read as the text the spreadsheet shows, also when Excel keeps a
# number ("00456" for 456 formatted 00000).
TEXT_COLUMNS = frozenset({"external_id", "short_code", "class_name", "class_teacher"})


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
    class_as_written: str = ""  # the class as the file writes it, before normalising
    notes: list[str] = field(default_factory=list)  # shown with the row in the preview

    @property
    def external_id(self) -> str:
        return self.values.get("external_id") or ""

    @property
    def at_school(self) -> bool:
        """Whether the row's pupil is at the school now (no Status column: everyone)."""
        code = self.values.get("status")
        return code is None or SCHILD_STATUSES[code][1] == ACTIVE

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
        data,
        filename,
        spellings=roster_spellings(),
        expected=expected_headers(kind),
        text_columns=TEXT_COLUMNS,
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


def parse_rows(
    table: Table, kind: str, *, date_order: str = "dmy", dates: list | None = None
) -> list[RosterRow]:
    """Every data row's cells turned into values; blank rows are skipped by the reader.
    Birth dates written with slashes are read last, in the order of day and month that
    the whole column tells, or `date_order` when none tells (date_order_of); when
    there are any, `dates` gets {"column", "order", "assumed", "conflict"}, as the device
    import's preview says it."""
    columns = sorted(
        ((key, table.columns[key]) for key in USED[kind] if key in table.columns),
        key=lambda column: column[1],
    )
    need = max(index for _key, index in columns) + 1
    headers = table.headers
    rows = []
    later: list[tuple[int, object]] = []  # (index of the row, birth date with slashes)
    for number, cells in table.rows():
        if len(cells) < need:
            cells = [*cells, *([None] * (need - len(cells)))]
        values: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for key, index in columns:
            if key == "birth_date" and slash_parts(cells[index]) is not None:
                later.append((len(rows), cells[index]))
                continue
            try:
                values[key] = _value(key, cells[index])
            except ValueError as exc:
                errors.append({"row": number, "column": headers[key], "message": str(exc)})
        failed = {error["column"] for error in errors}
        if later and later[-1][0] == len(rows):
            failed.add(headers["birth_date"])  # read below
        for key in REQUIRED[kind]:
            if not values.get(key) and headers[key] not in failed:
                message = _required_message(key)
                errors.append({"row": number, "column": headers[key], "message": message})
        written = values.get("class_name") or ""
        if written:
            values["class_name"] = class_name_normal(written)
        rows.append(RosterRow(number, values, errors, class_as_written=written))
    if later:
        cells = [(rows[index].row, cell) for index, cell in later]
        decided, results = read_slash_dates(cells, date_order)
        if dates is not None:
            dates.append(
                {
                    "column": headers["birth_date"],
                    "order": decided.order,
                    "assumed": decided.assumed,
                    "conflict": decided.conflict,
                }
            )
        for (index, _cell), (value, problem) in zip(later, results, strict=True):
            row = rows[index]
            if problem is None:
                row.values["birth_date"] = value
            else:
                column = headers["birth_date"]
                row.errors.append({"row": row.row, "column": column, "message": problem})
    return rows


_GRADE_CLASS = re.compile(r"0*(\d{1,2}) ?([a-z]{1,3})?", re.IGNORECASE)
_GRADE_GROUP = re.compile(r"0*(\d{1,2}) ?([/.-]) ?(\d{1,2})")
# The grades of the gymnasiale Oberstufe in NRW, written in capitals.
_UPPER_GRADES = {"EF", "Q1", "Q2"}


def class_name_normal(name: str) -> str:
    """A class name as Lernstatt stores it, whatever spelling the office used: a grade
    and its letters without leading zeros, spaces or capitals ("05a", "5 a", "5A" → "5a",
    "10B" → "10b", "07" → "7"), a grade with a numbered group without zeros or spaces
    ("05 / 1" → "5/1"), the upper grades in capitals ("ef" → "EF"). Every other name
    ("Q1", "Jg. 5", "Förderkurs") is kept as written, with its spaces collapsed."""
    name = " ".join(name.split())
    if name.upper() in _UPPER_GRADES:
        return name.upper()
    if match := _GRADE_CLASS.fullmatch(name):
        return f"{int(match[1])}{(match[2] or '').lower()}"
    if match := _GRADE_GROUP.fullmatch(name):
        return f"{int(match[1])}{match[2]}{int(match[3])}"
    return name


def _value(key: str, cell: object) -> Any:
    if cell.__class__ is CellProblem:
        raise ValueError(cell.message)
    if key == "birth_date":
        return parse_date(cell)
    text = " ".join(clean_text(cell).split())
    if key == "status":
        return _status(text)
    limit = TEXT_LIMITS[key]
    if len(text) > limit:
        raise ValueError(
            _("“%(value)s…” is too long: at most %(max)s characters.")
            % {"value": text[:20], "max": limit}
        )
    if key in ("last_name", "first_name") and "?" in text:
        # A program that writes Windows-1252 puts "?" for every letter it cannot write
        # ("Yılmaz" → "Y?lmaz"); stored, the wrong name would make the login for good.
        raise ValueError(
            _(
                "“%(value)s” has a “?” in place of a letter: the export lost the letters "
                "Windows-1252 cannot write. Export the list as Unicode (in SchILD-NRW: "
                "“UTF-8” / “Unicode”) and import that file."
            )
            % {"value": text}
        )
    return text


def _status(text: str) -> int:
    if not text:
        raise ValueError(_("The status is missing."))
    code = schild_status(text)
    if code is None:
        raise ValueError(
            _("“%(value)s” is not a status of SchILD-NRW (for example 2 or “Aktiv”).")
            % {"value": text}
        )
    return code


def _required_message(key: str) -> str:
    return {
        "class_name": _("The class is missing."),
        "last_name": _("The last name is missing."),
        "first_name": _("The first name is missing."),
        "birth_date": _("The date of birth is missing."),
    }[key]
