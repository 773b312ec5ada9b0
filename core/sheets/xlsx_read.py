"""Reading the sheets of an .xlsx workbook row by row, streaming its XML.

Why not python-calamine or openpyxl: calamine loads a whole sheet into memory before the
first row can be looked at (1.4 GB for a valid 45 MB workbook of a million rows, before the
row limit could refuse it) and tells nothing about a cell's number format, hidden rows or
formulas without a saved result; openpyxl's read-only mode tells all of that but reads
several times slower. Python's expat parses the sheet XML as it is unpacked, so memory stays
flat whatever the number of rows, and each cell comes with what the reader needs to know:

- a number in a cell with a number format other than General is a `ShownNumber`, a float
  that remembers its format code, so that the text Excel shows ("00555" for 555 formatted
  00000) can be taken for text-like columns (`shown_text`);
- a number in a date format is a date (or datetime, or time), as calamine gave it;
- a formula without a saved result, or a formula whose result is an error (#NV, #DIV/0!),
  is a `CellProblem` naming the cell, which the importers turn into a row error;
- a row hidden in the sheet (by hand or by a filter) comes as a `HiddenRow`, a list.

Every part is parsed without a DOCTYPE: a part that declares one (entities, external
references) is refused as damaged, so no entity is ever expanded.
"""

import contextlib
import datetime
import re
import zipfile
from array import array
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from pyexpat import ExpatError as _ExpatError
from pyexpat import ParserCreate, errors

from django.utils.translation import gettext as _

from core.sheets.xlsx import column_letter

CHUNK = 256 * 1024
BLOCK = 4096  # shared strings per packed block
_MAIN = "xl/workbook.xml"

# Number formats Excel has built in (ECMA-376 18.8.30) that a cell may name by id alone.
BUILTIN_FORMATS = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    37: "#,##0 ;(#,##0)",
    38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;[Red](#,##0.00)",
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
}
# Ids Excel keeps for the dates of East Asian locales.
_BUILTIN_DATES = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47, *range(27, 37), *range(50, 59)}
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
_DATE_PARTS = re.compile(r"[dmyhs]", re.IGNORECASE)
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_EPOCH_1900 = datetime.datetime(1899, 12, 30)
_EPOCH_1904 = datetime.datetime(1904, 1, 1)
# What a number in a cell of a style is: a float, a date, or (for a style index that is
# not a cell style's) what the style list says.
_PLAIN = object()
_DATE = object()
_SLOW = object()
_DATES_KEPT = 10_000


class ShownNumber(float):
    """A number with the format code of its cell (anything but General)."""

    __slots__ = ("code",)


class HiddenRow(list):
    """The cells of a row the sheet hides (hidden by hand or by a filter)."""

    __slots__ = ()


class CellProblem:
    """A cell whose value cannot be taken: `message` says why, naming the cell."""

    __slots__ = ("message", "ref")

    def __init__(self, ref: str, message: str):
        self.ref = ref
        self.message = message

    def __repr__(self) -> str:
        return f"CellProblem({self.ref!r})"

    def __str__(self) -> str:
        return ""


def unsaved_formula(ref: str) -> CellProblem:
    return CellProblem(
        ref,
        _(
            "Cell %(cell)s holds a formula without a saved result. Open the file in Excel or "
            "LibreOffice, save it and upload it again."
        )
        % {"cell": ref},
    )


def formula_error(ref: str, shown: str) -> CellProblem:
    return CellProblem(
        ref,
        _("Cell %(cell)s shows the error %(error)s instead of a value.")
        % {"cell": ref, "error": shown},
    )


class Damaged(Exception):
    """The workbook cannot be read (broken XML, a DOCTYPE, a part missing)."""


# Number formats


def is_date_format(code: str) -> bool:
    if code == "General" or code == "@":
        return False
    bare = _QUOTED.sub("", code)
    return bool(_DATE_PARTS.search(bare))


_PLACEHOLDERS = re.compile(r"[0#,]*0[0#,]*|#[#,]*")
_LITERAL_CHARS = set("$-+/():!^&'~{}<>= ")


def _number_part(code: str) -> list[tuple[str, str]] | None:
    """The first section of a format code as tokens: ("lit", text) and ("num", digits
    pattern), or None when it holds anything shown_text does not render."""
    tokens: list[tuple[str, str]] = []
    index = 0
    numbers = 0
    while index < len(code):
        char = code[index]
        if char == '"':
            end = code.find('"', index + 1)
            if end < 0:
                return None
            tokens.append(("lit", code[index + 1 : end]))
            index = end + 1
        elif char == "\\" and index + 1 < len(code):
            tokens.append(("lit", code[index + 1]))
            index += 2
        elif char == "[":
            end = code.find("]", index)
            inner = code[index + 1 : end] if end > 0 else ""
            # A colour or a locale without a currency symbol ([$-407]) changes no text.
            if end < 0 or not (inner.isalpha() or re.fullmatch(r"\$-[0-9A-Fa-f]+", inner)):
                return None
            index = end + 1
        elif char in "0#,.":
            match = re.compile(r"[0#,]*(\.[0#]*)?").match(code, index)
            pattern = match.group()
            whole = pattern.partition(".")[0]
            if whole.endswith(",") or not re.fullmatch(r"[#,]*0*(\.0*#*)?|#+", pattern):
                return None  # a trailing comma divides by 1000
            tokens.append(("num", pattern))
            numbers += 1
            index = match.end()
        elif char in _LITERAL_CHARS:
            tokens.append(("lit", char))
            index += 1
        else:
            return None
    return tokens if numbers == 1 else None


def _digits(value: float, pattern: str) -> str:
    whole, _dot, fraction = pattern.partition(".")
    required = fraction.count("0")
    optional = fraction.count("#")
    amount = Decimal(repr(value)).quantize(
        Decimal(1).scaleb(-(required + optional)), rounding=ROUND_HALF_UP
    )
    text = f"{amount:f}"
    integer, _dot, decimals = text.partition(".")
    if optional:
        decimals = decimals.rstrip("0").ljust(required, "0")
    minimum = whole.replace(",", "").count("0")
    if integer == "0" and minimum == 0:
        integer = ""
    integer = integer.zfill(minimum)
    if "," in whole.strip(","):
        integer = f"{int(integer or 0):,}" if integer else ""
    return integer + ("." + decimals if decimals else "")


def number_as_text(value: float, ref: str) -> str | CellProblem:
    """A number in a text-like column (an asset tag, a room) as the text the spreadsheet
    shows for it, or a CellProblem when its format is not one shown_text renders."""
    code = value.code if value.__class__ is ShownNumber else "General"
    text = shown_text(value, code)
    if text is not None:
        return text
    return CellProblem(
        ref,
        _(
            "Cell %(cell)s holds the number %(value)s in the number format “%(format)s”, "
            "which cannot be read as text for sure. Format the column as text in Excel, type "
            "the value as it should be and upload the file again."
        )
        % {"cell": ref, "value": general_text(value) or repr(float(value)), "format": code},
    )


def general_text(value: float) -> str | None:
    """A number as Excel's General format shows it (at most 15 significant digits), or
    None when Excel would show it in scientific notation."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.15g}"
    return None if "e" in text else text


def shown_text(value: float, code: str) -> str | None:
    """The text a spreadsheet program shows for `value` in a cell of format `code`, for the
    formats a text-like column may have (General, @, 0, 00000, 0.00, #,##0, literal text in
    quotes); None for any other format, and for negative numbers. Decimal point and
    thousands separators are written as the format code writes them (1.10, 1,234)."""
    if value < 0:
        return None
    if code in ("General", "@", ""):
        return general_text(value)
    section = code.split(";", 1)[0]
    tokens = _number_part(section)
    if tokens is None:
        return None
    return "".join(_digits(value, text) if kind == "num" else text for kind, text in tokens)


# The parts of the workbook


def _parser(start: Callable, end: Callable | None = None, text: Callable | None = None):
    parser = ParserCreate()
    parser.buffer_text = True
    parser.ordered_attributes = False

    def refuse(*_args):
        raise Damaged("DOCTYPE")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    return parser


def _local(name: str) -> str:
    return name.rpartition(":")[2] if ":" in name else name


def _feed(parser, stream) -> Iterator[None]:
    try:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
            yield
        parser.Parse(b"", True)
        yield
    except _ExpatError as exc:
        raise Damaged(errors.messages.get(exc.code, "XML")) from exc


def _parse_all(archive: zipfile.ZipFile, path: str, parser) -> None:
    with archive.open(path) as stream:
        for _step in _feed(parser, stream):
            pass


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = base.split("/")[:-1]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


class Workbook:
    """The sheets of an .xlsx archive and what reading their cells needs (shared strings,
    the number formats of the cell styles, the date system)."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.names = set(archive.namelist())
        self.date1904 = False
        self.sheet_paths: list[str] = []
        self._read_workbook()
        self.formats: list[int] = []  # style index -> number format id
        self.codes: dict[int, str] = dict(BUILTIN_FORMATS)
        self._read_styles()
        self.dates = [self._is_date(fmt) for fmt in self.formats]
        # The shared strings, packed: blocks of BLOCK strings joined into one str each, and
        # where each string ends in its block (a million short strings as Python objects
        # would take five times the memory); two bytes an end while the blocks are short.
        self.blocks: list[str] = []
        self.ends = array("H")
        self._read_shared_strings()

    def _is_date(self, fmt: int) -> bool:
        if fmt in _BUILTIN_DATES:
            return True
        return is_date_format(self.codes.get(fmt, "General"))

    def _rels(self, path: str) -> dict[str, str]:
        folder, _slash, name = path.rpartition("/")
        rels_path = f"{folder}/_rels/{name}.rels"
        found: dict[str, str] = {}
        if rels_path not in self.names:
            return found

        def start(tag, attrs):
            if (
                _local(tag) == "Relationship"
                and "Id" in attrs
                and "Target" in attrs
                and attrs.get("TargetMode") != "External"
            ):
                found[attrs["Id"]] = _resolve(path, attrs["Target"])

        _parse_all(self.archive, rels_path, _parser(start))
        return found

    def _read_workbook(self) -> None:
        rels = self._rels(_MAIN)
        ids: list[str] = []

        def start(tag, attrs):
            tag = _local(tag)
            if tag == "sheet":
                rid = next((v for k, v in attrs.items() if _local(k) == "id"), None)
                ids.append(rid)
            elif tag == "workbookPr":
                self.date1904 = attrs.get("date1904") in ("1", "true")

        _parse_all(self.archive, _MAIN, _parser(start))
        for rid in ids:
            path = rels.get(rid)
            if path in self.names:
                self.sheet_paths.append(path)
        if not self.sheet_paths:
            self.sheet_paths = sorted(
                (n for n in self.names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
                key=lambda n: int(re.sub(r"\D", "", n)),
            )
        self._targets = rels

    def _part(self, kind: str, default: str) -> str | None:
        for target in self._targets.values():
            if target.rsplit("/", 1)[-1].lower().startswith(kind):
                return target if target in self.names else None
        return default if default in self.names else None

    def _read_styles(self) -> None:
        path = self._part("styles", "xl/styles.xml")
        if path is None:
            return
        inside = [False]

        def start(tag, attrs):
            tag = _local(tag)
            if tag == "numFmt":
                with contextlib.suppress(KeyError, ValueError):
                    self.codes[int(attrs["numFmtId"])] = attrs.get("formatCode", "General")
            elif tag == "cellXfs":
                inside[0] = True
            elif tag == "xf" and inside[0]:
                try:
                    self.formats.append(int(attrs.get("numFmtId", 0)))
                except ValueError:
                    self.formats.append(0)

        def end(tag):
            if _local(tag) == "cellXfs":
                inside[0] = False

        _parse_all(self.archive, path, _parser(start, end))

    def _read_shared_strings(self) -> None:
        path = self._part("sharedstrings", "xl/sharedStrings.xml")
        if path is None:
            return
        state = {"t": False, "ph": 0, "end": 0}
        pieces: list[str] = []
        pending: list[str] = []
        ends = self.ends

        def start(tag, attrs):
            tag = _local(tag)
            if tag == "t":
                state["t"] = not state["ph"]
            elif tag == "rPh":
                state["ph"] += 1
            elif tag == "si":
                pieces.clear()

        def end(tag):
            nonlocal ends
            tag = _local(tag)
            if tag == "t":
                state["t"] = False
            elif tag == "rPh":
                state["ph"] -= 1
            elif tag == "si":
                text = "".join(pieces)
                if "_x" in text:
                    text = _unescape(text)
                pending.append(text)
                state["end"] += len(text)
                try:
                    ends.append(state["end"])
                except OverflowError:  # a block of long strings: four bytes an end
                    ends = self.ends = array("I", ends)
                    ends.append(state["end"])
                if len(pending) == BLOCK:
                    self.blocks.append("".join(pending))
                    pending.clear()
                    state["end"] = 0

        def chars(data):
            if state["t"]:
                pieces.append(data)

        _parse_all(self.archive, path, _parser(start, end, chars))
        if pending:
            self.blocks.append("".join(pending))

    def shared(self, index: int) -> str:
        if index < 0:
            raise IndexError(index)
        start = self.ends[index - 1] if index % BLOCK else 0
        return self.blocks[index // BLOCK][start : self.ends[index]]

    def date_value(self, serial: float) -> object:
        if not -1 < serial < 2958466:
            return serial
        if self.date1904:
            moment = _EPOCH_1904 + datetime.timedelta(days=serial)
        elif serial < 61:
            # Excel's 1900 system counts a 29 February 1900 that never was.
            moment = _EPOCH_1900 + datetime.timedelta(days=serial + (1 if serial >= 1 else 0))
        else:
            moment = _EPOCH_1900 + datetime.timedelta(days=serial)
        seconds = round(serial % 1 * 86400)
        moment = datetime.datetime.combine(moment.date(), datetime.time()) + datetime.timedelta(
            seconds=seconds
        )
        if serial < 1 and not self.date1904:
            return moment.time()
        if moment.time() == datetime.time():
            return moment.date()
        return moment


def _unescape(text: str) -> str:
    return _ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), text)


_COLUMN_INDEX: dict[str, int] = {}


def column_index(letters: str) -> int:
    """A → 0, Z → 25, AA → 26."""
    index = _COLUMN_INDEX.get(letters)
    if index is None:
        index = 0
        for char in letters.upper():
            index = index * 26 + ord(char) - 64
        index -= 1
        _COLUMN_INDEX[letters] = index
    return index


def sheet_estimate(archive: zipfile.ZipFile, path: str) -> int:
    """About the number of rows of a sheet, for the progress of an import: the last row of
    its dimension if it names one, or else its unpacked size divided by the size of the rows
    at its start."""
    with archive.open(path) as stream:
        head = stream.read(CHUNK)
    match = re.search(rb'<(?:\w+:)?dimension\s+ref="[A-Za-z]*\d*:?[A-Za-z]*(\d+)"', head)
    if match:
        return int(match.group(1))
    size = archive.getinfo(path).file_size
    rows = len(re.findall(rb"<(?:\w+:)?row[\s>]", head))
    if rows > 1 and len(head) < size:
        return max(size * rows // len(head), 1)
    return max(rows, size // 100, 1)


def sheet_rows(book: Workbook, path: str) -> Iterator[list]:
    """The rows of one sheet from its first row (row 1), one list of cells each, cells from
    column A; rows the sheet leaves out come as empty lists. Empty cells are ""."""
    # The handlers run for every element of the sheet, so they keep their state in local
    # variables of this function rather than in an object (a third faster), and the common
    # cells (a number, an inline string) take the shortest way.
    done: list[list] = []
    row: list = []
    append = row.append
    formats = book.formats
    dates = book.dates
    codes = book.codes
    styles = len(formats)
    # What a number in a cell of each style is (the s attribute as written): a float, a
    # date, or a ShownNumber of that format code.
    kinds: dict[str | None, object] = {None: _PLAIN, "": _PLAIN}
    for index, fmt in enumerate(formats):
        if not index or not fmt:
            how = _PLAIN
        elif dates[index]:
            how = _DATE
        else:
            how = codes.get(fmt, "General")
            if how == "General":
                how = _PLAIN
        kinds[str(index)] = how
    columns = _COLUMN_INDEX
    date_value = book.date_value
    dates_seen: dict[str, object] = {}
    number = 0  # the row being read
    emitted = 0  # the rows yielded so far (== the number of the last one)
    hidden = False
    ref = ""
    col = -1
    kind = "n"
    style = 0
    how = _PLAIN
    formula = False
    value = None  # the text of <v>, None while there is none
    inline = None  # the text of <is>, None while there is none
    collect = 0  # 0: no text wanted, 1: <v>, 2: <t> of <is>
    phonetic = 0

    def start(tag, attrs):
        nonlocal number, hidden, ref, col, kind, style, how, formula, value, inline, collect
        nonlocal phonetic
        if tag == "c":
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                col = columns.get(letters)
                if col is None:
                    col = column_index(letters)
            else:
                col += 1
                ref = f"{column_letter(col)}{number}"
            kind = attrs.get("t", "n")
            s = attrs.get("s")
            how = kinds.get(s)
            if how is None:
                style = int(s)
                how = kinds.get(str(style), _SLOW) if 0 <= style < styles else _SLOW
            formula = False
            value = inline = None
        elif tag == "v":
            value = ""
            collect = 1
        elif tag == "is":
            inline = ""
        elif tag == "t":
            if inline is not None and not phonetic:
                collect = 2
        elif tag == "row":
            r = attrs.get("r")
            number = int(r) if r else number + 1
            hidden = attrs.get("hidden") in ("1", "true")
            col = -1
        elif tag == "f":
            formula = True
        elif tag == "rPh":
            phonetic += 1

    def end(tag):
        nonlocal emitted, collect, phonetic
        if tag == "c":
            if len(row) < col:
                row.extend([""] * (col - len(row)))
            if kind == "n" and value:
                # A number, the most common cell but for inline strings.
                cell = dates_seen.get(value) if how is _DATE else None
                if cell is None:
                    try:
                        cell = float(value)
                    except ValueError as exc:
                        raise Damaged("number") from exc
                    if how is not _PLAIN:
                        if how is _DATE:
                            cell = date_value(cell)
                            # The same few thousand days come again and again: each is
                            # worked out once (the cells may share a date, it is immutable).
                            if len(dates_seen) < _DATES_KEPT:
                                dates_seen[value] = cell
                        elif how is _SLOW:
                            cell = slow_number(cell)
                        else:
                            cell = ShownNumber(cell)
                            cell.code = how
                append(cell)
            elif kind == "inlineStr" and inline is not None and "_x" not in inline:
                append(inline)
            else:
                append(cell_value())
        elif tag == "v" or tag == "t":
            collect = 0
        elif tag == "row":
            while emitted < number - 1:
                done.append([])
                emitted += 1
            done.append(HiddenRow(row) if hidden else row[:])
            emitted = number
            row.clear()
        elif tag == "rPh":
            phonetic -= 1
        elif tag == "sheetData":
            parser.StartElementHandler = outside
            parser.EndElementHandler = None
            parser.CharacterDataHandler = None

    def chars(data):
        nonlocal value, inline
        if collect == 1:
            value += data
        elif collect == 2:
            inline += data

    def outside(tag, attrs):
        # Until <sheetData>: the sheet's views, columns and so on are not read.
        if _local(tag) == "sheetData":
            if ":" in tag:
                parser.StartElementHandler = lambda tag, attrs: start(_local(tag), attrs)
                parser.EndElementHandler = lambda tag: end(_local(tag))
            else:
                parser.StartElementHandler = start
                parser.EndElementHandler = end
            parser.CharacterDataHandler = chars

    def slow_number(number):
        # A style index that is not one of the cell styles (negative, too large).
        if style and style < styles:
            fmt = formats[style]
            if fmt:
                if dates[style]:
                    return date_value(number)
                code = codes.get(fmt, "General")
                if code != "General":
                    shown = ShownNumber(number)
                    shown.code = code
                    return shown
        return number

    def cell_value():
        if kind == "inlineStr" or (value is None and inline is not None):
            text = inline or ""
            return _unescape(text) if "_x" in text else text
        if value is None:
            return unsaved_formula(ref) if formula else ""
        if kind == "n":
            return unsaved_formula(ref) if formula else ""  # <v></v>: an empty number
        if kind == "s":
            try:
                return book.shared(int(value))
            except (ValueError, IndexError) as exc:
                raise Damaged("shared string") from exc
        if kind == "str":
            return _unescape(value) if "_x" in value else value
        if kind == "b":
            return value.strip() in ("1", "true")
        if kind == "e":
            return formula_error(ref, value)
        if kind == "d":
            try:
                moment = datetime.datetime.fromisoformat(value.strip())
            except ValueError as exc:
                raise Damaged("date") from exc
            return moment.date() if moment.time() == datetime.time() else moment
        raise Damaged("cell type")

    parser = _parser(outside)
    with book.archive.open(path) as stream:
        try:
            for _step in _feed(parser, stream):
                if done:
                    yield from done
                    done.clear()
        except Damaged:
            # The rows before the damage come first, as a reader of a stream sees them
            # (so the row limit speaks before a broken end of a long sheet).
            yield from done
            raise
