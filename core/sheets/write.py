"""Writing a header and typed rows to .xlsx and .csv, the way a spreadsheet user expects.

Cells are plain Python values: `str`, `datetime.date`, `Decimal`/`int`/`float` or None
(an empty cell). Booleans and choices are turned into words by the caller, so the file
reads the same in Excel as on screen. Whatever the values, no cell is ever one that a
spreadsheet program would run as a formula (OWASP "CSV injection"):

- .xlsx: every text is written as a string cell (core.sheets.xlsx, which says why it
  writes the sheet itself rather than through XlsxWriter or openpyxl).
- .csv: a text starting with = + - @ tab or CR gets a leading `'`, which spreadsheet
  programs show as text; core.sheets.values.clean_text takes it off again on import.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.sheets import xlsx
from core.sheets.values import FORMULA_STARTS

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class SheetColumn:
    header: str
    kind: str = "text"  # text | date | money | number: decides the number format of the cells
    width: int | None = None  # in characters, as Excel counts them


def guard_formula(text: str) -> str:
    """`text` as a CSV cell that no spreadsheet program runs as a formula: with a leading
    `'` if it starts with = + - @ tab or CR (core.sheets.values.clean_text removes it)."""
    if text[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def _check_cell(value: object) -> None:
    if isinstance(value, bool):
        # bool is an int: it would silently become 1/0. Callers write words (ja/nein).
        raise TypeError("write booleans as text, e.g. 'ja'/'nein'")


def write_xlsx(
    target: str | Path | BinaryIO,
    *,
    sheet_name: str,
    columns: Sequence[SheetColumn],
    rows: Iterable[Sequence[object]],
) -> int:
    """Write one sheet: a bold, frozen header row with an auto-filter over the data, column
    widths, dates as date cells (DD.MM.YYYY), money as numbers in euro format, all text as
    text, the page set up to print (core.sheets.xlsx.Sheet). `rows` is consumed once, row
    by row. Returns the number of data rows written."""
    return xlsx.write_sheet(
        target,
        sheet_name=sheet_name,
        headers=[str(column.header) for column in columns],
        number_styles=_number_styles(columns),
        widths=[column.width for column in columns],
        rows=rows,
        stamp=print_stamp(),
    )


def print_stamp() -> str:
    """What a printed list says at the top right: the day it was made, "Stand: 03.12.2026"."""
    today = date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    return _("As of %(date)s") % {"date": today}


@dataclass
class XlsxSheet:
    """One sheet of a workbook written by write_xlsx_sheets: a name (made valid for Excel
    there), the columns, the rows, and optionally bold title lines above the header and
    the page set up for printing on A4 (core.sheets.xlsx.Sheet says what that sets;
    `landscape` None: when the sheet is wide)."""

    name: str
    columns: Sequence[SheetColumn]
    rows: Iterable[Sequence[object]]
    title_lines: Sequence[str] = ()
    auto_filter: bool = True
    printable: bool = True
    landscape: bool | None = None


def write_xlsx_sheets(target: str | Path | BinaryIO, sheets: Sequence[XlsxSheet]) -> list[int]:
    """Write several sheets to one workbook, each as write_xlsx writes one, below its
    title lines. Sheet names are made valid and unique (at most 31 characters, none of
    [ ] : * ? / \\). Returns the number of data rows of each sheet."""
    return xlsx.write_workbook(
        target,
        [
            xlsx.Sheet(
                name=sheet.name,
                headers=[str(column.header) for column in sheet.columns],
                number_styles=_number_styles(sheet.columns),
                widths=[column.width for column in sheet.columns],
                rows=sheet.rows,
                title_lines=[str(line) for line in sheet.title_lines],
                auto_filter=sheet.auto_filter,
                printable=sheet.printable,
                landscape=sheet.landscape,
                stamp=print_stamp(),
            )
            for sheet in sheets
        ],
    )


def _number_styles(columns: Sequence[SheetColumn]) -> list[int]:
    return [xlsx.STYLE_MONEY if column.kind == "money" else 0 for column in columns]


def csv_cell(value: object, kind: str = "text") -> str:
    """One value as German Excel writes it in a CSV: dates DD.MM.YYYY, decimal comma
    without thousands separator, texts guarded against formula injection."""
    if value is None:
        return ""
    if isinstance(value, str):
        return guard_formula(value)
    if isinstance(value, datetime.date):
        return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"
    _check_cell(value)
    if isinstance(value, Decimal | int | float):
        if kind == "money":
            return f"{Decimal(str(value)):.2f}".replace(".", ",")
        return str(value).replace(".", ",")
    return guard_formula(str(value))


def write_csv(
    target: BinaryIO,
    *,
    columns: Sequence[SheetColumn],
    rows: Iterable[Sequence[object]],
) -> int:
    """Write a header row and the rows as UTF-8 with BOM (so Excel on Windows shows umlauts),
    `;`-separated (as German Excel expects), quoting where needed. `rows` is consumed once.
    Returns the number of data rows written. `target` is left open."""
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow([guard_formula(str(column.header)) for column in columns])
        kinds = [column.kind for column in columns]
        count = 0
        for row in rows:
            writer.writerow([csv_cell(value, kind) for value, kind in zip(row, kinds, strict=True)])
            count += 1
        text.flush()
    finally:
        text.detach()
    return count
