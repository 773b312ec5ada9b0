"""Reading an uploaded spreadsheet (.xlsx or .csv) into rows of cells.

`read_table` finds the header row, matches its cells to known columns and hands back the
data rows one by one with the row number a spreadsheet program shows. Anything it cannot
read is refused with one `FileRejected` whose message says what is wrong and what to do;
the checks that bound memory (file size, zip bombs, row count) come before or while reading,
never after.
"""

import codecs
import csv
import io
import itertools
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from core.errors import FileRejected
from core.sheets.values import clean_text, fold

# The header is looked for in this many rows from the top (title rows, blank rows above it).
HEADER_SEARCH_ROWS = 20
# A header row needs at least this many cells that name known columns.
HEADER_MIN_MATCHES = 2
# Zip bomb limits for .xlsx: everything unpacked may be this many times the largest upload,
# and never more than the cap; a large part may not unpack to more than RATIO times its size.
UNPACKED_FACTOR = 20
UNPACKED_CAP = 512 * 1024 * 1024
MAX_RATIO = 200
MAX_ZIP_ENTRIES = 5_000

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
CSV_DELIMITERS = (";", ",", "\t")
CONTROL_BYTES = bytes(byte for byte in range(32) if byte not in (9, 10, 13))

Cell = object


@dataclass
class Table:
    """The data of one sheet below its header row."""

    filename: str
    header_row: int  # as the spreadsheet shows it (1-based)
    columns: dict[str, int]  # column key -> position in a row's cells
    headers: dict[str, str]  # column key -> the header as written in the file
    unknown_columns: list[str]  # headers that name no known column; they are ignored
    total_estimate: int  # at least the number of data rows (blank rows may be counted too)
    _rows: Iterator[tuple[int, list[Cell]]] = field(repr=False)

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        """(row number, cells) for every non-blank row below the header, in file order."""
        return self._rows


def ensure_size(size: int) -> None:
    """Refuse a file larger than LERNSTATT_IMPORT_MAX_BYTES; call it before reading the file."""
    limit = settings.LERNSTATT_IMPORT_MAX_BYTES
    if size > limit:
        raise FileRejected(
            _(
                "The file is %(size)s MB large; at most %(max)s MB can be imported. "
                "Split it into smaller files."
            )
            % {"size": _megabytes(size), "max": _megabytes(limit)},
            code="file_too_large",
        )


def read_table(
    data: bytes,
    filename: str,
    *,
    spellings: Mapping[str, str],
    expected: Iterable[str],
    max_rows: int | None = None,
) -> Table:
    """Read an .xlsx or .csv upload. `spellings` maps folded header texts to column keys;
    `expected` names the main columns for the message when no header row is found.
    Raises FileRejected for anything that is not a readable spreadsheet with data."""
    ensure_size(len(data))
    max_rows = settings.LERNSTATT_IMPORT_MAX_ROWS if max_rows is None else max_rows
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or "?"
    if not data.strip():
        raise FileRejected(_("“%(name)s” is empty.") % {"name": name}, code="file_empty")
    if data.startswith(OLE_SIGNATURE):
        raise _ole_rejection(data, name)
    if data.startswith(ZIP_SIGNATURE):
        sheets = _xlsx_sheets(data, name)
    elif data.startswith(b"%PDF") or not _looks_like_text(data):
        raise _not_a_spreadsheet(name)
    else:
        sheets = _csv_sheets(data, name, spellings)
    for rows, estimate in sheets:
        table = _table(rows, estimate, name, spellings, max_rows)
        if table is not None:
            return table
    raise FileRejected(
        _(
            "No header row found in the first %(count)s rows of “%(name)s”. The file needs "
            "a row with column names, for example: %(columns)s."
        )
        % {"count": HEADER_SEARCH_ROWS, "name": name, "columns": ", ".join(expected)},
        code="no_header",
    )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def _not_a_spreadsheet(name: str) -> FileRejected:
    return FileRejected(
        _(
            "“%(name)s” is not an Excel workbook (.xlsx) or a CSV file. Open it in Excel, "
            "save it as Excel workbook (.xlsx) or CSV and upload that file."
        )
        % {"name": name},
        code="not_a_spreadsheet",
    )


def _damaged(name: str) -> FileRejected:
    return FileRejected(
        _(
            "“%(name)s” is damaged and cannot be read. Open it in Excel, save it again as "
            "Excel workbook (.xlsx) and upload the new file."
        )
        % {"name": name},
        code="file_damaged",
    )


def _ole_rejection(data: bytes, name: str) -> FileRejected:
    # Encrypted .xlsx files and old .xls files share the OLE container; the names of the
    # streams inside (UTF-16) tell them apart.
    head = data[: 1024 * 1024]
    if (
        "EncryptedPackage".encode("utf-16-le") in head
        or "EncryptionInfo".encode("utf-16-le") in head
    ):
        return FileRejected(
            _(
                "“%(name)s” is protected by a password. Open it in Excel, save it without "
                "a password and upload it again."
            )
            % {"name": name},
            code="file_encrypted",
        )
    if "Workbook".encode("utf-16-le") in head or "Book".encode("utf-16-le") in head:
        return FileRejected(
            _(
                "“%(name)s” is an old Excel file (.xls). Open it in Excel, save it as "
                "Excel workbook (.xlsx) and upload that file."
            )
            % {"name": name},
            code="old_excel_format",
        )
    return _not_a_spreadsheet(name)


def _looks_like_text(data: bytes) -> bool:
    """Text, as far as its first 64 KB show: no NUL bytes, hardly any control characters."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    head = data[:65536]
    if b"\x00" in head:
        return False
    control = len(head) - len(head.translate(None, CONTROL_BYTES))
    return control <= len(head) // 100


def _check_zip(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse archives that unpack to far more than a spreadsheet upload can hold, first by
    the sizes the archive declares, then by really unpacking (without keeping) each part, so
    that a part lying about its size is caught too (its checksum fails)."""
    limit = min(UNPACKED_FACTOR * settings.LERNSTATT_IMPORT_MAX_BYTES, UNPACKED_CAP)
    entries = archive.infolist()
    bomb = FileRejected(
        _(
            "“%(name)s” unpacks to far more data than a spreadsheet of its size holds, so it "
            "is not read. Open it in Excel, save it again as .xlsx and upload the new file."
        )
        % {"name": name},
        code="file_suspicious",
    )
    if len(entries) > MAX_ZIP_ENTRIES or sum(info.file_size for info in entries) > limit:
        raise bomb
    for info in entries:
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise bomb
    unpacked = 0
    for info in entries:
        with archive.open(info) as part:
            while chunk := part.read(1024 * 1024):
                unpacked += len(chunk)
                if unpacked > limit:
                    raise bomb


def _xlsx_sheets(data: bytes, name: str) -> Iterator[tuple[Iterator[list[Cell]], int]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                if "content.xml" in names and "mimetype" in names:
                    raise FileRejected(
                        _(
                            "“%(name)s” is an OpenDocument spreadsheet (.ods). Open it, save "
                            "it as Excel workbook (.xlsx) and upload that file."
                        )
                        % {"name": name},
                        code="not_a_spreadsheet",
                    )
                raise _not_a_spreadsheet(name)
            _check_zip(archive, name)
    except (
        zipfile.BadZipFile,  # no archive directory (cut off), or a checksum that fails
        zipfile.LargeZipFile,
        EOFError,
        zlib.error,  # a part whose compressed data is damaged
        NotImplementedError,  # a compression method Python cannot unpack
        RuntimeError,  # an encrypted part
        OSError,
        ValueError,
    ) as exc:
        raise _damaged(name) from exc
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        count = len(workbook.sheet_names)
    except Exception as exc:  # calamine raises its own errors and others for broken XML
        raise _damaged(name) from exc
    for index in range(count):
        try:
            sheet = workbook.get_sheet_by_index(index)
            end = sheet.end
        except Exception as exc:
            raise _damaged(name) from exc
        if end is None:
            continue  # an empty sheet
        # calamine yields rows from the sheet's first row (A1), so row numbers are absolute.
        yield _guarded(sheet.iter_rows(), name), end[0] + 1


def _guarded(rows: Iterator[list[Cell]], name: str) -> Iterator[list[Cell]]:
    try:
        yield from rows
    except Exception as exc:
        raise _damaged(name) from exc


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with tabs.
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Excel's "CSV (Trennzeichen-getrennt)" on Windows writes Windows-1252.
        return data.decode("cp1252", errors="replace")


def _csv_rows(text: str, delimiter: str) -> Iterator[list[Cell]]:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _csv_sheets(
    data: bytes, name: str, spellings: Mapping[str, str]
) -> Iterator[tuple[Iterator[list[Cell]], int]]:
    text = _decode(data)
    # The delimiter is the one under which a header row names the most known columns; a
    # comma inside notes or a semicolon in a title row cannot mislead this.
    best, best_score = CSV_DELIMITERS[0], -1
    for delimiter in CSV_DELIMITERS:
        try:
            head = list(itertools.islice(_csv_rows(text, delimiter), HEADER_SEARCH_ROWS))
        except csv.Error:
            continue
        score = max((len(_matches(cells, spellings)) for cells in head), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    yield _guarded_csv(_csv_rows(text, best), name), text.count("\n") + 1


def _guarded_csv(rows: Iterator[list[Cell]], name: str) -> Iterator[list[Cell]]:
    try:
        yield from rows
    except csv.Error as exc:
        raise _damaged(name) from exc


def _matches(cells: list[Cell], spellings: Mapping[str, str]) -> dict[str, int]:
    """Column key -> position, for the cells of a row that name a known column (the first
    cell wins when two name the same column)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and cell.strip():
            key = spellings.get(fold(cell))
            if key is not None and key not in found:
                found[key] = index
    return found


def _is_blank(cells: list[Cell]) -> bool:
    for cell in cells:
        if cell is None:
            continue
        if isinstance(cell, str):
            if cell.strip():
                return False
            continue
        return False
    return True


def _table(
    rows: Iterator[list[Cell]],
    estimate: int,
    name: str,
    spellings: Mapping[str, str],
    max_rows: int,
) -> Table | None:
    numbered = enumerate(rows, start=1)
    for number, cells in numbered:
        if number > HEADER_SEARCH_ROWS:
            return None
        columns = _matches(cells, spellings)
        if len(columns) >= HEADER_MIN_MATCHES:
            break
    else:
        return None
    headers = {key: clean_text(cells[index]) for key, index in columns.items()}
    used = set(columns.values())
    unknown = [
        clean_text(cell)
        for index, cell in enumerate(cells)
        if index not in used and clean_text(cell)
    ]
    data_rows = _data_rows(numbered, name, max_rows)
    first = next(data_rows, None)
    if first is None:
        raise FileRejected(
            _("“%(name)s” has a header row but no rows with data below it.") % {"name": name},
            code="no_data",
        )
    return Table(
        filename=name,
        header_row=number,
        columns=columns,
        headers=headers,
        unknown_columns=unknown,
        total_estimate=max(estimate - number, 1),
        _rows=itertools.chain([first], data_rows),
    )


def _data_rows(
    numbered: Iterator[tuple[int, list[Cell]]], name: str, max_rows: int
) -> Iterator[tuple[int, list[Cell]]]:
    count = 0
    for number, cells in numbered:
        if _is_blank(cells):
            continue
        count += 1
        if count > max_rows:
            raise FileRejected(
                _(
                    "“%(name)s” has more than %(max)s rows. Split it into files of at most "
                    "%(max)s rows and import them one after the other."
                )
                % {"name": name, "max": max_rows},
                code="too_many_rows",
            )
        yield number, cells
