"""Loans to a spreadsheet: the list a school admin files or hands on, with the same scope and
filters as GET /api/v1/loans (scheduling.selectors.loan_list decides both). The file names
children, so each of them in it gets an entry in the access log."""

import datetime
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override, pgettext, pgettext_lazy

from accounts.access_log import access_log_record
from accounts.models import AccessAction, AccessVia
from core.errors import ValidationFailed
from core.models import User
from core.sheets.values import fold
from core.sheets.write import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    SheetColumn,
    write_csv,
    write_xlsx,
)
from inventory.models import Category
from scheduling.models import Accessory, LoanReason, LoanStatus
from scheduling.selectors import LoanFilters, loan_list

EXPORT_FORMATS: tuple[str, ...] = ("xlsx", "csv")
CONTENT_TYPES = {"xlsx": XLSX_CONTENT_TYPE, "csv": CSV_CONTENT_TYPE}
# Rows fetched per round trip: values_list() tuples, so memory stays flat for any number.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class LoanColumn:
    header: Any  # lazy: German in German exports, English in English ones
    fields: tuple[str, ...]  # what values_list() reads for the column
    kind: str = "text"  # text | number | date | timestamp | status | category | ...
    width: int = 14


LOAN_COLUMNS: tuple[LoanColumn, ...] = (
    LoanColumn(gettext_lazy("Loan number"), ("pk",), "number", 10),
    LoanColumn(gettext_lazy("Status"), ("status",), "status", 16),
    LoanColumn(gettext_lazy("School number"), ("school__number",), width=12),
    LoanColumn(gettext_lazy("School"), ("school__name",), width=28),
    LoanColumn(gettext_lazy("Class"), ("student__school_class__name",), width=8),
    LoanColumn(gettext_lazy("Last name"), ("student__last_name",), width=18),
    LoanColumn(gettext_lazy("First name"), ("student__first_name",), width=16),
    LoanColumn(gettext_lazy("Category"), ("category",), "category", 11),
    LoanColumn(gettext_lazy("Asset tag"), ("device__asset_tag",), width=16),
    LoanColumn(gettext_lazy("Serial number"), ("device__serial_number",), width=16),
    LoanColumn(
        gettext_lazy("Model"), ("device__model__manufacturer", "device__model__name"), "model", 24
    ),
    LoanColumn(pgettext_lazy("loan period", "From"), ("starts_on",), "date", 11),
    LoanColumn(pgettext_lazy("loan period", "Until"), ("ends_on",), "date", 11),
    LoanColumn(gettext_lazy("Reason"), ("reason",), "reason", 18),
    LoanColumn(gettext_lazy("Note"), ("note",), width=30),
    LoanColumn(
        gettext_lazy("Requested by"),
        ("requested_by__first_name", "requested_by__last_name", "requested_by__username"),
        "user",
        18,
    ),
    LoanColumn(gettext_lazy("Requested at"), ("requested_at",), "timestamp", 12),
    LoanColumn(gettext_lazy("Handed out at"), ("handed_out_at",), "timestamp", 12),
    LoanColumn(gettext_lazy("Guardian"), ("guardian_name",), width=22),
    LoanColumn(gettext_lazy("Accessories handed out"), ("accessories_out",), "accessories", 22),
    LoanColumn(gettext_lazy("Returned at"), ("returned_at",), "timestamp", 12),
    LoanColumn(gettext_lazy("Accessories returned"), ("accessories_in",), "accessories", 22),
    LoanColumn(gettext_lazy("Overdue"), ("status", "ends_on"), "overdue", 10),
)

_SHEET_KINDS = {"date": "date", "timestamp": "date", "number": "number"}


class LoanExport(NamedTuple):
    """A finished export. `path` is a temporary file that now belongs to the caller, who
    sends or moves it and deletes it when done."""

    filename: str
    content_type: str
    path: Path
    rows: int


def _spellings(choices) -> dict[str, str]:
    """Folded codes and labels (German and English) of a choice → its code."""
    spellings = {}
    for code, label in choices.choices:
        spellings[fold(code)] = code
        for language in ("de", "en"):
            with override(language):
                spellings[fold(str(label))] = code
    return spellings


def loan_status_spellings() -> dict[str, str]:
    """How a status may be typed on the command line: `on_loan`, "Ausgeliehen", "On loan"."""
    return _spellings(LoanStatus)


def export_columns() -> list[SheetColumn]:
    """The sheet columns with their headers in the active language."""
    return [
        SheetColumn(header=str(c.header), kind=_SHEET_KINDS.get(c.kind, "text"), width=c.width)
        for c in LOAN_COLUMNS
    ]


def _as_is(value: Any) -> Any:
    return value  # text, numbers and dates are cells already


def _cell_makers(today: datetime.date) -> list[Callable[..., Any]]:
    """For each column, how its database values become one cell in the active language."""
    yes, no = pgettext("spreadsheet cell", "yes"), pgettext("spreadsheet cell", "no")
    labels = {
        "status": {code: str(label) for code, label in LoanStatus.choices},
        "category": {code: str(label) for code, label in Category.choices},
        "reason": {code: str(label) for code, label in LoanReason.choices},
    }
    accessories = {code: str(label) for code, label in Accessory.choices}

    def label_of(kind: str) -> Callable[[Any], Any]:
        return lambda value: labels[kind].get(value, value)

    def model(manufacturer: str | None, name: str | None) -> str:
        return f"{manufacturer or ''} {name or ''}".strip()

    def user(first: str | None, last: str | None, username: str | None) -> str:
        return f"{first or ''} {last or ''}".strip() or (username or "")

    berlin = timezone.get_current_timezone()

    def local_day(value: datetime.datetime | None) -> datetime.date | None:
        # A timestamp as the day it was in Berlin: 00:30 on 2 December is not 1 December.
        return None if value is None else value.astimezone(berlin).date()

    def accessory_list(codes: list | None) -> str:
        return ", ".join(accessories.get(code, code) for code in codes or ())

    def overdue(status: str, ends_on: datetime.date | None) -> str:
        late = status == LoanStatus.ON_LOAN and ends_on is not None and ends_on < today
        return yes if late else no

    makers: dict[str, Callable[..., Any]] = {
        "status": label_of("status"),
        "category": label_of("category"),
        "reason": label_of("reason"),
        "model": model,
        "user": user,
        "timestamp": local_day,
        "accessories": accessory_list,
        "overdue": overdue,
    }
    return [makers.get(column.kind, _as_is) for column in LOAN_COLUMNS]


def loan_rows(queryset: QuerySet, *, students: set[int] | None = None) -> Iterator[list]:
    """The cells of each loan in `queryset`, in the order of LOAN_COLUMNS, read in chunks
    of plain tuples (no model instances). With `students`, the id of each row's student is
    added to it as the row is read (the people the file names, from the same rows)."""
    makers = _cell_makers(timezone.localdate())
    fields: list[str] = []
    slices = []
    for column in LOAN_COLUMNS:
        slices.append(slice(len(fields), len(fields) + len(column.fields)))
        fields.extend(column.fields)
    columns = list(zip(makers, slices, strict=True))
    if students is not None:
        fields.append("student_id")  # last, after every column's values
    for values in queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE):
        if students is not None:
            students.add(values[-1])
        yield [make(*values[part]) for make, part in columns]


def _detail(fmt: str, filters: LoanFilters | None) -> str:
    """What the access log says about one export: its format and the filters given."""
    parts = [fmt]
    if filters is not None:
        for name in ("status", "school", "category", "student", "overdue", "mine"):
            value = getattr(filters, name)
            if value not in (None, "", False):
                parts.append(name if value is True else f"{name} {value}")
    return ", ".join(parts)


def export_filename(fmt: str) -> str:
    # Translated ("Ausleihen" in German), then kept to characters every file system accepts.
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", pgettext("export file name", "Loans")).strip("-")
    return f"{stem or 'Loans'}-{timezone.localdate():%Y-%m-%d}.{fmt}"


def loan_export(
    *,
    actor: User,
    filters: LoanFilters | None = None,
    fmt: str = "xlsx",
    via: AccessVia | str = AccessVia.API,
) -> LoanExport:
    """Write the loans the actor may see (scheduling.selectors.loan_list: scope, filters and
    ordering decided there; a teacher gets the requests they made) to a temporary .xlsx or
    .csv file, headers and labels in the active language.

    Promises: dates are date cells (timestamps as their day in Europe/Berlin), no cell is
    a formula, rows stream from the database in chunks so memory does not grow with the
    number of loans, and the number of queries does not either (the access log entries
    are one bulk insert per 1000 people). Every student in the file gets one entry in
    the access log (`loan_export`, with `via`, the format and the filters), written
    before the file is returned: a file whose entries could not be written is deleted.
    Raises PermissionDenied for a role that may neither request nor manage loans (city
    staff: no names), ValidationFailed naming `format` for an unknown format; then no
    file is left."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationFailed(
            _("Choose a file format: xlsx or csv."),
            errors=[{"field": "format", "message": _("Not a known file format.")}],
        )
    # loan_list checks the role first (403 before any file exists), then scopes.
    students: set[int] = set()
    rows = loan_rows(loan_list(actor=actor, filters=filters), students=students)
    columns = export_columns()
    handle, name = tempfile.mkstemp(prefix="lernstatt-loans-", suffix=f".{fmt}")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as target:
            if fmt == "xlsx":
                sheet = pgettext("sheet name", "Loans")
                count = write_xlsx(target, sheet_name=sheet, columns=columns, rows=rows)
            else:
                count = write_csv(target, columns=columns, rows=rows)
        # After the rows are read, not in a transaction around them: on SQLite that would
        # hold the write lock for all of a city-wide export. bulk_create writes all or none.
        access_log_record(
            actor=actor,
            action=AccessAction.LOAN_EXPORT,
            via=via,
            people=sorted(students),
            detail=_detail(fmt, filters),
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return LoanExport(export_filename(fmt), CONTENT_TYPES[fmt], path, count)
