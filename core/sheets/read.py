"""Reading an uploaded spreadsheet (.xlsx or .csv) into rows of cells.

`read_table` finds the sheet and header row that name the most known columns (a two-row
header read as one), matches its cells to known columns and hands back the data rows one
by one with the row number a spreadsheet program shows; what it leaves out (a totals row
at the end, a known column named twice) it lists in `Table.skipped`. A CSV is decoded in
one encoding, strictly, while it is read, never as one text. Anything it cannot
read is refused with one `FileRejected` whose message says what is wrong and what to do;
the checks that bound memory (file size, zip bombs, row count) come before or while reading,
never after.
"""

import codecs
import csv
import datetime
import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import AnyStr

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import FileRejected
from core.formats import decimal_text
from core.sheets.values import clean_text, fold
from core.sheets.xlsx import column_letter
from core.sheets.xlsx_read import (
    CellProblem,
    Damaged,
    HiddenRow,
    ShownNumber,
    Workbook,
    number_as_text,
    sheet_estimate,
    sheet_rows,
)

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
# A CSV is checked and read this many bytes at a time; its text is never held whole.
CSV_CHUNK = 256 * 1024
# A letter in UTF-8 (two to four bytes); Windows-1252 text hardly ever holds such a pair.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# Mac Roman's ä ö ü Ä Ö Ü ß between two letters: Windows-1252 reads them as Š š Ÿ € … † §.
_MAC_ROMAN_LETTER = re.compile(rb"[A-Za-z][\x8a\x9a\x9f\x80\x85\x86\xa7][A-Za-z]")
# Windows-1252's ä ö ü Ä Ö Ü ß: a file holding them is not Mac Roman.
_CP1252_GERMAN = re.compile(rb"[\xc4\xd6\xdc\xe4\xf6\xfc\xdf]")
# The bytes 0x80-0xBF (UTF-8's continuation bytes) as Windows-1252 or Latin-1 shows them.
_CONTINUATION = "[\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]"
# Where one may start: a Latin letter (U+0080-U+027F) begins with Â-É, a sign such as
# € or – (U+2000-U+2FFF) with â; only these are plausible (_is_plausible).
_DOUBLE_ENCODED = re.compile(f"[\u00c2-\u00c9\u00e2]{_CONTINUATION}")
# A last row whose label (digits, case and spacing aside) is one of these sums the table up.
TOTAL_LABELS = {
    "summe", "summen", "gesamt", "gesamtsumme", "insgesamt", "total", "totals", "sum",
    "anzahl", "gesamtanzahl",
}  # fmt: skip
_NUMBER_TEXT = re.compile(r"[-+]?[\d.,' ]*\d[\d.,' ]*\s*(€|EUR)?", re.IGNORECASE)

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
    # What was found and not read, {row, column, message} like a row error: a known column
    # named twice (at once) and totals rows at the end (once rows() has been read through).
    skipped: list[dict[str, object]] = field(default_factory=list)
    # Data rows the sheet hides (by hand or by a filter): read like the others, and counted
    # here once rows() has been read through.
    hidden_rows: int = 0

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
    text_columns: frozenset[str] = frozenset(),
) -> Table:
    """Read an .xlsx or .csv upload. `spellings` maps folded header texts to column keys;
    `expected` names the main columns for the message when no header row is found.
    In the `text_columns` (keys) a number is read as the text the spreadsheet shows for it
    ("00555" for 555 formatted 00000), or as a CellProblem when that is not sure.
    Raises FileRejected for anything that is not a readable spreadsheet with data."""
    ensure_size(len(data))
    max_rows = settings.LERNSTATT_IMPORT_MAX_ROWS if max_rows is None else max_rows
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or "?"
    if not data or data.isspace():  # not data.strip(): that copies a large file
        raise FileRejected(_("“%(name)s” is empty.") % {"name": name}, code="file_empty")
    if data.startswith(OLE_SIGNATURE):
        raise _ole_rejection(data, name)
    if data.startswith(ZIP_SIGNATURE):
        sheets = _xlsx_sheets(data, name)
    elif data.startswith(b"%PDF") or not _looks_like_text(data):
        raise _not_a_spreadsheet(name)
    else:
        sheets = _csv_sheets(data, name, spellings)
    # The sheet and its header row: the one naming the most known columns, over all sheets
    # (a cover sheet with a small summary table does not win over the data sheet).
    best = None
    for rows, estimate in sheets:
        head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
        header = _find_header(head, spellings)
        if header is not None and (best is None or header.score > best[0].score):
            best = (header, head, rows, estimate)
    if best is not None:
        table = _table(*best, name, spellings, max_rows)
        table._rows = _shown(table, table._rows, text_columns)
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
    return decimal_text(round(size / (1024 * 1024), 1), 1)


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
    head = data[:65536].rstrip(b"\x1a\r\n")  # an end-of-file mark (Ctrl-Z) is no sign
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
    # The sheets are streamed (core.sheets.xlsx_read says why not calamine): rows come from
    # the sheet's first row (A1), so row numbers are absolute, and memory stays flat.
    archive = zipfile.ZipFile(io.BytesIO(data))
    try:
        workbook = Workbook(archive)
        sheets = [(path, sheet_estimate(archive, path)) for path in workbook.sheet_paths]
    except (Damaged, KeyError, ValueError, zipfile.BadZipFile, zlib.error, OSError) as exc:
        raise _damaged(name) from exc
    for path, estimate in sheets:
        yield _guarded(sheet_rows(workbook, path), name), estimate


def _guarded(rows: Iterator[list[Cell]], name: str) -> Iterator[list[Cell]]:
    try:
        yield from rows
    except Exception as exc:
        raise _damaged(name) from exc


def _shown(
    table: Table, rows: Iterator[tuple[int, list[Cell]]], text_columns: frozenset[str]
) -> Iterator[tuple[int, list[Cell]]]:
    """The table's rows, with each number in a text-like column as the text the spreadsheet
    shows for it, and the hidden rows counted (Table.hidden_rows)."""
    positions = sorted(table.columns[key] for key in text_columns if key in table.columns)
    for number, cells in rows:
        if cells.__class__ is HiddenRow:
            table.hidden_rows += 1
        for index in positions:
            if index < len(cells):
                cell = cells[index]
                if cell.__class__ is float or cell.__class__ is ShownNumber:
                    cells[index] = number_as_text(cell, f"{column_letter(index)}{number}")
                elif isinstance(cell, datetime.date | datetime.time):
                    cells[index] = _date_in_text_column(cell, f"{column_letter(index)}{number}")
        yield number, cells


def _date_in_text_column(value: object, ref: str) -> CellProblem:
    # Excel turns a room "1.10" or a tag "3-12" typed into a General cell into a date; the
    # text that was meant cannot be told from the date, so it is not guessed.
    return CellProblem(
        ref,
        _(
            "Cell %(cell)s holds a date (%(date)s) where text belongs: Excel turns values "
            "like “1.10” or “3-12” into dates. Format the column as text in Excel, type "
            "the value again and upload the file."
        )
        % {"cell": ref, "date": clean_text(value)},
    )


def _csv_encoding(data: bytes, name: str) -> str:
    """The encoding the whole file decodes in strictly, checked without keeping the text;
    FileRejected naming the first line that does not fit. The rules (docs/inventory-import.md):
    a byte order mark is believed and then must hold for every line; a file that is valid
    UTF-8 is UTF-8; otherwise Windows-1252 (Excel's "CSV" on Windows, SchILD-NRW), unless
    the file also holds UTF-8 (two encodings mixed) or looks like Mac Roman (old Excel for
    Mac): Windows-1252 reads any of those without an error, but as the wrong letters."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with tabs.
        encoding, declared = "utf-16", "UTF-16"
    elif data.startswith(codecs.BOM_UTF8):
        encoding, declared = "utf-8-sig", "UTF-8"
    else:
        encoding, declared = "utf-8", ""
    bad = _scan(data, encoding, name)
    if bad is None:
        return encoding
    line = _line_at(data, bad, encoding)
    if declared:
        raise FileRejected(
            _(
                "“%(name)s” says it is written in %(encoding)s, but line %(line)s is not. "
                "Open the file in Excel, save it as “CSV UTF-8” and upload that file."
            )
            % {"name": name, "encoding": declared, "line": line},
            code="encoding_mismatch",
        )
    if _holds_utf8_letters(data):
        raise FileRejected(
            _(
                "“%(name)s” mixes two encodings: line %(line)s is not written in UTF-8, "
                "other lines are. Open the file in Excel, save it as “CSV UTF-8” and upload "
                "that file."
            )
            % {"name": name, "line": line},
            code="encoding_mixed",
        )
    bad = _scan(data, "cp1252", name)
    mac = _MAC_ROMAN_LETTER.search(data) if not _CP1252_GERMAN.search(data) else None
    if bad is not None or mac is not None:
        line = _line_at(data, bad if bad is not None else mac.start() + 1, "cp1252")
        raise FileRejected(
            _(
                "The encoding of “%(name)s” cannot be recognised for sure (line %(line)s); "
                "an old Excel for Mac, for example, writes Mac Roman. Open the file in "
                "Excel, save it as “CSV UTF-8” and upload that file."
            )
            % {"name": name, "line": line},
            code="encoding_unknown",
        )
    return "cp1252"


def _scan(data: bytes, encoding: str, name: str) -> int | None:
    """Decode `data` strictly, a chunk at a time, keeping nothing: the offset of the first
    byte that does not decode, or None. A text that decodes but holds U+FFFD (a character
    lost by an earlier program) or UTF-8 read as Windows-1252 and saved again ("Ã¤" for
    "ä") is refused here, with its line."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    view = memoryview(data)
    lines = 1  # the line the decoded text so far ends in
    tail = ""  # the end of the previous chunk, for a double-encoded letter split across
    for start in range(0, len(data), CSV_CHUNK):
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(view[start : start + CSV_CHUNK], start + CSV_CHUNK >= len(data))
        except UnicodeDecodeError as exc:
            return max(start - pending + exc.start, 0)
        if not text.isascii():
            probe = tail + text
            base = lines - _line_breaks(tail, 0, len(tail))
            damaged = probe.find("\ufffd")
            if damaged >= 0:
                raise _damaged_text(name, base + _line_breaks(probe, 0, damaged), "\ufffd")
            for match in _DOUBLE_ENCODED.finditer(probe):
                at = match.start()
                sample = probe[at : at + (3 if probe[at] == "\u00e2" else 2)]
                if _is_double_encoded(sample):
                    raise _damaged_text(name, base + _line_breaks(probe, 0, at), sample)
        lines += _line_breaks(text, 0, len(text))
        tail = text[-3:]
    return None


def _is_double_encoded(text: str) -> bool:
    """Whether `text` ("Ã¤") is the UTF-8 bytes of one letter read as Windows-1252/Latin-1."""
    try:
        raw = bytes(ord(ch) if ord(ch) < 256 else ch.encode("cp1252")[0] for ch in text)
        return _is_plausible(raw.decode("utf-8"))
    except (UnicodeError, ValueError):
        return False


def _is_plausible(letter: str) -> bool:
    """A Latin letter or sign (ä, é, ł, €, –), what a German or European text holds: "ß“"
    is also two bytes of valid UTF-8, but of an N'Ko letter, so it stays what it is."""
    code = ord(letter) if len(letter) == 1 else 0
    return 0xA0 <= code <= 0x24F or 0x2010 <= code <= 0x20BF


def _holds_utf8_letters(data: bytes) -> bool:
    for match in _UTF8_SEQUENCE.finditer(data):
        try:
            letter = match.group().decode("utf-8")
        except UnicodeDecodeError:
            continue  # shaped like UTF-8, but not (an overlong form, a surrogate)
        if _is_plausible(letter):
            return True
    return False


def _damaged_text(name: str, line: int, sample: str) -> FileRejected:
    return FileRejected(
        _(
            "Line %(line)s of “%(name)s” holds “%(text)s”: the text was damaged when it was "
            "saved in a wrong encoding before. Correct the letters in Excel, save the file as "
            "“CSV UTF-8” and upload it again."
        )
        % {"line": line, "name": name, "text": sample},
        code="text_damaged",
    )


def _line_at(data: bytes, offset: int, encoding: str) -> int:
    """The line (1-based) that byte `offset` is in."""
    if not encoding.startswith("utf-16"):
        return _line_breaks(data, 0, offset) + 1  # CR and LF are one byte in these encodings
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    view = memoryview(data)[:offset]
    return 1 + sum(
        _line_breaks(text, 0, len(text))
        for text in (
            decoder.decode(view[start : start + CSV_CHUNK]) for start in range(0, offset, CSV_CHUNK)
        )
    )


def _line_breaks(text: AnyStr, start: int, end: int) -> int:
    """How many lines end in text[start:end]: at LF, CR LF or CR alone (old Macs)."""
    lf, cr = ("\n", "\r") if isinstance(text, str) else (b"\n", b"\r")
    return text.count(lf, start, end) + text.count(cr, start, end) - text.count(cr + lf, start, end)


def _csv_lines(data: bytes, encoding: str) -> Iterator[str]:
    """The file's lines, decoded while they are read (the whole text is never in memory).
    A Ctrl-Z at the end of a line (the end-of-file mark of old DOS programs) is dropped,
    and a line of nothing else is no line."""
    lines = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    if b"\x1a" not in data:
        yield from lines
        return
    for line in lines:
        if "\x1a" in line:
            body = line.rstrip("\r\n")
            ending = line[len(body) :]
            body = body.rstrip("\x1a")
            if not body.strip():
                continue
            line = body + ending
        yield line


def _csv_rows(data: bytes, encoding: str, delimiter: str) -> Iterator[list[Cell]]:
    return csv.reader(_csv_lines(data, encoding), delimiter=delimiter)


def _csv_sheets(
    data: bytes, name: str, spellings: Mapping[str, str]
) -> Iterator[tuple[Iterator[list[Cell]], int]]:
    encoding = _csv_encoding(data, name)
    # The delimiter is the one under which a header row names the most known columns; a
    # comma inside notes or a semicolon in a title row cannot mislead this.
    best, best_score = CSV_DELIMITERS[0], -1
    for delimiter in CSV_DELIMITERS:
        try:
            head = list(itertools.islice(_csv_rows(data, encoding, delimiter), HEADER_SEARCH_ROWS))
        except csv.Error:
            continue
        header = _find_header(head, spellings)
        score = header.score if header is not None else 0
        if score > best_score:
            best, best_score = delimiter, score
    estimate = _line_breaks(data, 0, len(data)) + 1
    yield _guarded_csv(_csv_rows(data, encoding, best), name), estimate


def _guarded_csv(rows: Iterator[list[Cell]], name: str) -> Iterator[list[Cell]]:
    try:
        yield from rows
    except csv.Error as exc:
        raise _damaged(name) from exc


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


@dataclass
class _Header:
    """The header row a sheet's first rows hold: the row (0-based in them), the header of
    each position (of two rows combined, when the row above names more columns so), and how
    many known columns it names."""

    index: int
    names: list[str]
    score: int


def _header_names(cells: list[Cell]) -> list[str]:
    return [clean_text(cell) for cell in cells]


def _score(names: list[str], spellings: Mapping[str, str]) -> int:
    """How many known columns `names` name. A cell ending in a colon ("Schule:") labels a
    value beside it in a title block; it is not a column name."""
    keys = {spellings.get(fold(text)) for text in names if text and not text.endswith(":")}
    keys.discard(None)
    return len(keys)


def _combined(upper: list[str], lower: list[str], spellings: Mapping[str, str]) -> list[str]:
    """A two-row header read as one: under a group header merged over several columns
    ("Kauf" over "datum" and "preis") each lower cell is read with it when only the two
    together name a column; above an empty lower cell (merged down over both rows) the
    upper cell is the header."""
    width = max(len(upper), len(lower))
    upper = upper + [""] * (width - len(upper))
    lower = lower + [""] * (width - len(lower))
    names, group = [], ""
    for up, low in zip(upper, lower, strict=True):
        group = up or group
        if not low:
            names.append(up)
        elif spellings.get(fold(low)) is None and group and spellings.get(fold(f"{group} {low}")):
            names.append(f"{group} {low}")
        else:
            names.append(low)
    return names


def _find_header(head: list[list[Cell]], spellings: Mapping[str, str]) -> _Header | None:
    """The row among `head` that names the most known columns (at least HEADER_MIN_MATCHES;
    the upper one of equals), alone or combined with the row above it."""
    best = None
    previous: list[str] = []
    for index, cells in enumerate(head):
        names = _header_names(cells)
        score = _score(names, spellings)
        if index > 0:
            combined = _combined(previous, names, spellings)
            combined_score = _score(combined, spellings)
            if combined_score > score:
                names, score = combined, combined_score
        if score >= HEADER_MIN_MATCHES and (best is None or score > best.score):
            best = _Header(index, names, score)
        previous = _header_names(cells)
    return best


def _table(
    header: _Header,
    head: list[list[Cell]],
    rows: Iterator[list[Cell]],
    estimate: int,
    name: str,
    spellings: Mapping[str, str],
    max_rows: int,
) -> Table:
    number = header.index + 1  # the header's row as the spreadsheet shows it
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown: list[str] = []
    skipped: list[dict[str, object]] = []
    for index, text in enumerate(header.names):
        key = spellings.get(fold(text)) if text and not text.endswith(":") else None
        if key is None:
            if text:
                unknown.append(text)
        elif key in columns:
            first = column_letter(columns[key])
            message = _(
                "The column “%(header)s” appears twice (columns %(first)s and %(second)s); "
                "only column %(first)s is read."
            ) % {"header": text, "first": first, "second": column_letter(index)}
            skipped.append({"row": number, "column": text, "message": message})
        else:
            columns[key] = index
            headers[key] = text
    if header.index > 0:
        # A known column named only in the row above the header is not read: say so.
        for index, text in enumerate(_header_names(head[header.index - 1])):
            key = spellings.get(fold(text)) if text and not text.endswith(":") else None
            if key is not None and key not in columns:
                message = _(
                    "“%(header)s” in row %(row)s, column %(letter)s, names a column, but the "
                    "header row %(header_row)s below it does not; this column is not read."
                ) % {
                    "header": text,
                    "row": number - 1,
                    "letter": column_letter(index),
                    "header_row": number,
                }
                skipped.append({"row": number - 1, "column": text, "message": message})
    numbered = enumerate(itertools.chain(head[header.index + 1 :], rows), start=number + 1)
    data_rows = _data_rows(numbered, name, max_rows, skipped)
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
        skipped=skipped,
    )


def _total_label(cells: list[Cell]) -> str | None:
    """The label of a totals row ("Summe", "Gesamt:", "Total") — its first cell with text,
    every other cell a number, a formula or empty — or None for any other row."""
    label = None
    for cell in cells:
        if cell is None:
            continue
        if not isinstance(cell, str):
            if label is None:
                return None  # a number before any text: a data row
            continue
        text = cell.strip()
        if not text:
            continue
        if label is None:
            if len(text) > 24 or not text.lower().startswith(_TOTAL_STARTS):
                return None  # the common case, decided at the first cell
            if "".join(ch for ch in fold(text) if not ch.isdigit()) not in TOTAL_LABELS:
                return None
            label = text
        elif not (text.startswith("=") or _NUMBER_TEXT.fullmatch(text)):
            return None
    return label


_TOTAL_STARTS = ("summe", "gesamt", "total", "insgesamt", "sum", "anzahl")


def _too_many_rows(name: str, max_rows: int) -> FileRejected:
    return FileRejected(
        _(
            "“%(name)s” has more than %(max)s rows. Split it into files of at most "
            "%(max)s rows and import them one after the other."
        )
        % {"name": name, "max": max_rows},
        code="too_many_rows",
    )


def _data_rows(
    numbered: Iterator[tuple[int, list[Cell]]],
    name: str,
    max_rows: int,
    skipped: list[dict[str, object]],
) -> Iterator[tuple[int, list[Cell]]]:
    """The non-blank rows, counted against the limit as they are read. A totals row is held
    back until a data row follows it; the totals rows at the very end are not data rows:
    they go to `skipped`, with why."""
    count = 0
    held: list[tuple[int, list[Cell], str]] = []
    for number, cells in numbered:
        if _is_blank(cells):
            continue
        label = _total_label(cells)
        if label is not None:
            held.append((number, cells, label))
            continue
        count += len(held) + 1
        if count > max_rows:
            raise _too_many_rows(name, max_rows)
        for held_number, held_cells, _label in held:
            yield held_number, held_cells
        held.clear()
        yield number, cells
    for number, _cells, label in held:
        message = _("A totals row (“%(label)s”) at the end of the table; it is not imported.")
        skipped.append({"row": number, "column": "", "message": message % {"label": label}})
