"""Reading the cells of a device spreadsheet into values, row by row. A cell that is not
valid becomes an error of its row (with the column as the file names it), never an
exception."""

from collections.abc import Callable, Iterator
from functools import cache
from types import MappingProxyType
from typing import Any

from django.utils.translation import gettext as _

from core.sheets.read import Table
from core.sheets.values import read_slash_dates, slash_parts
from core.sheets.xlsx_read import CellProblem
from imports.running import Progress
from inventory.columns import COLUMNS_BY_KEY, DEVICE_COLUMNS, PARSERS
from inventory.importing.report import row_error
from inventory.models import Device, DeviceModel, Room

# Text cells longer than the database column are row errors, not database errors.
TEXT_LIMITS = {
    "asset_tag": Device._meta.get_field("asset_tag").max_length,
    "serial_number": Device._meta.get_field("serial_number").max_length,
    "funding_programme": Device._meta.get_field("funding_programme").max_length,
    "manufacturer": DeviceModel._meta.get_field("manufacturer").max_length,
    "model": DeviceModel._meta.get_field("name").max_length,
    "room": Room._meta.get_field("name").max_length,
}
# Cells repeat a lot (models, schools, rooms, dates, prices), so each column remembers
# what its values parse to; not the columns where every value is different, nor a column
# that turns out to be one (notes, say): after the first 2,000 rows, one whose values were
# nine in ten different stops remembering.
UNCACHED = {"asset_tag", "serial_number"}
CACHE_LIMIT = 20_000
CACHE_CHECK = 2_000


@cache
def device_spellings() -> dict[str, str]:
    """Folded header spelling -> column key, German and English."""
    return {spelling: column.key for column in DEVICE_COLUMNS for spelling in column.spellings()}


def expected_headers() -> list[str]:
    """The headers of the main columns, in the current language, for messages."""
    keys = ("asset_tag", "serial_number", "manufacturer", "model", "school", "room")
    return [str(column.header) for column in DEVICE_COLUMNS if column.key in keys]


# What a row has not decided: one shared empty mapping, never written to, instead of two
# empty dicts for each of a file's rows.
NOTHING: Any = MappingProxyType({})


class Row:
    """One data row: its values, its errors, and what planning decided for it."""

    __slots__ = ("changes", "device", "errors", "final", "later", "row", "tag", "values")

    def __init__(
        self,
        row: int,
        values: dict,
        errors: list[dict[str, Any]],
        tag: str = "",
        later: list[tuple[str, object]] | None = None,
    ):
        self.row = row  # as the spreadsheet shows it
        self.values = values
        self.errors = errors  # {row, column, message}
        self.tag = tag
        # The dates written with slashes, (column key, cell): read once the whole file is.
        self.later = later
        self.device: Any = None  # the stored device with this asset tag, if there is one
        self.final: dict[str, Any] = NOTHING  # a new device's fields
        self.changes: dict[str, tuple[Any, Any]] = NOTHING  # field: (old, new)


# A date cell written with slashes: read once the whole column is seen (its order of day
# and month is decided by all of its values, core.sheets.values.date_order_of).
LATER = object()
# PostgreSQL cannot store this character in text, nor in JSON (the report of a job).
NUL = "\x00"


def _shown(text: str) -> str:
    """A cell's text as a message may quote it: a NUL shown as the symbol for one."""
    return text.replace(NUL, "\u2400")


def _read(parse: Callable[[object], Any], limit: int | None, cell: object) -> Any:
    """The rule for one value: no NUL, what `parse` makes of it, at most `limit` long.
    Raises ValueError with the message the preview shows."""
    if cell.__class__ is str and NUL in cell:
        raise ValueError(
            _(
                "“%(value)s” contains an invisible control character (NUL). Please delete "
                "it, or type the cell again."
            )
            % {"value": _shown(cell.strip())[:20]}
        )
    try:
        value = parse(cell)
    except ValueError as exc:
        raise ValueError(_shown(str(exc))) from None
    if limit and value and len(value) > limit:
        message = _("“%(value)s…” is too long: at most %(max)s characters.")
        raise ValueError(message % {"value": value[:20], "max": limit})
    return value


def read_value(column: str, value: object) -> Any:
    """One value of the column `column` (a key of inventory.columns) read exactly as the
    import reads its cells: the column's parser and the length of its database field.
    Raises ValueError with the preview's message. The inventory's web forms call this, so
    that a value typed there follows the same rule as one in a file."""
    kind = COLUMNS_BY_KEY[column].kind
    return _read(PARSERS[kind], TEXT_LIMITS.get(column), value)


def read_text(value: object, *, limit: int | None = None) -> str:
    """Text read as the import reads a text cell, for a value no device column has (a
    school's name, a room's building); `limit`: the length of its database field."""
    return _read(PARSERS["text"], limit, value)


def _converter(parse: Callable[[object], Any], limit: int | None, kind: str):
    """A cell's (value, None), or (None, message) when the cell is not valid."""

    def convert(cell: object) -> tuple[Any, str | None]:
        if cell.__class__ is CellProblem:  # a formula without a result, say
            return None, cell.message
        # Never true for a cell with a NUL in it, which _read refuses.
        if kind == "date" and slash_parts(cell) is not None:
            return LATER, None
        try:
            return _read(parse, limit, cell), None
        except ValueError as exc:
            return None, str(exc)

    return convert


def parsed_rows(table: Table, progress: Progress) -> Iterator[Row]:
    """Every data row's cells turned into values, one row at a time as the file is read; a
    cell that is not valid becomes an error of its row instead. The same few values repeat
    down most columns (models, schools, dates), so each of those columns remembers what
    its values became.

    A date written with slashes is not read here: its order of day and month is told by
    all of its column's values, so it waits in `Row.later` for read_later_dates."""
    columns = []
    for column in DEVICE_COLUMNS:
        if column.key in table.columns:
            convert = _converter(PARSERS[column.kind], TEXT_LIMITS.get(column.key), column.kind)
            memo = None if column.key in UNCACHED else {}
            columns.append([column.key, table.columns[column.key], convert, memo])
    columns.sort(key=lambda column: column[1])  # errors in the order of the file's columns
    need = max(index for _key, index, _convert, _memo in columns) + 1
    headers = table.headers
    pending = 0
    for read, (number, cells) in enumerate(table.rows(), start=1):
        if len(cells) < need:
            cells = [*cells, *([None] * (need - len(cells)))]
        values: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        later = None
        for key, index, convert, memo in columns:
            cell = cells[index]
            if memo is None or cell.__class__ is bool:
                value, problem = convert(cell)
            else:
                # True == 1 == 1.0 as keys, hence booleans are never looked up here.
                try:
                    value, problem = memo[cell]
                except KeyError:
                    value, problem = result = convert(cell)
                    if len(memo) < CACHE_LIMIT:
                        memo[cell] = result
            if problem is None:
                if value is LATER:
                    if later is None:
                        later = []
                    later.append((key, cell))
                else:
                    values[key] = value
            else:
                errors.append(row_error(number, headers[key], problem))
        tag = values.get("asset_tag") or ""
        if not tag and not _about_tag(errors, headers):
            message = _("The asset tag is missing.")
            errors.append(row_error(number, headers["asset_tag"], message))
        yield Row(number, values, errors, tag, later)
        if read == CACHE_CHECK:
            for column in columns:
                if column[3] is not None and len(column[3]) * 10 > read * 9:
                    column[3] = None
        pending += 1
        if pending == 1000:
            progress.advance(pending)
            pending = 0
    progress.advance(pending)


def read_later_dates(
    rows: list[tuple[int, list[tuple[str, object]]]],
    headers: dict[str, str],
    date_order: str,
    dates: list[dict[str, Any]],
) -> list[list[tuple[str, Any, dict[str, Any] | None]]]:
    """The dates written with slashes of `rows` ((row number, Row.later), in the file's
    order), each column read in the order of day and month all of its values tell, or
    `date_order` when none tells: for each row its [(column key, date, None)] or
    [(column key, None, error)], column by column. For each date column that has such
    dates, `dates` gets {"column", "order", "assumed", "conflict"} (what the preview
    says)."""
    results: list[list[tuple[str, Any, dict[str, Any] | None]]] = [[] for _row in rows]
    for column in DEVICE_COLUMNS:
        cells = [
            (index, number, cell)
            for index, (number, later) in enumerate(rows)
            for key, cell in later
            if key == column.key
        ]
        if not cells:
            continue
        decided, read = read_slash_dates(
            [(number, cell) for _index, number, cell in cells], date_order
        )
        dates.append(
            {
                "column": headers[column.key],
                "order": decided.order,
                "assumed": decided.assumed,
                "conflict": decided.conflict,
            }
        )
        for (index, number, _cell), (value, problem) in zip(cells, read, strict=True):
            if problem is None:
                results[index].append((column.key, value, None))
            else:
                error = row_error(number, headers[column.key], problem)
                results[index].append((column.key, None, error))
    return results


def _about_tag(errors: list[dict[str, Any]], headers: dict[str, str]) -> bool:
    """Whether one of `errors` is about the asset tag cell (too long, say)."""
    return any(error["column"] == headers.get("asset_tag") for error in errors)
