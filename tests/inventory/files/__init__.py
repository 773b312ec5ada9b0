"""Spreadsheets made in the tests, the way school offices make them."""

import io
import zipfile
from collections.abc import Iterable, Sequence

import openpyxl


def xlsx(rows: Iterable[Sequence[object]], *, sheets: dict[str, list] | None = None) -> bytes:
    """An .xlsx workbook whose first sheet holds `rows` from A1 (None leaves a cell empty);
    `sheets` adds sheets before it, by name."""
    book = openpyxl.Workbook()
    first = book.active
    for name, other_rows in (sheets or {}).items():
        sheet = book.create_sheet(name, 0)
        for row in other_rows:
            sheet.append(list(row))
    for row in rows:
        first.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(rows: Iterable[Sequence[object]], *, delimiter: str = ";") -> str:
    """CSV as Excel writes it: every cell quoted only when it has to be, CRLF line ends."""
    lines = []
    for row in rows:
        cells = []
        for cell in row:
            text = "" if cell is None else str(cell)
            if any(ch in text for ch in (delimiter, '"', "\n")):
                text = '"' + text.replace('"', '""') + '"'
            cells.append(text)
        lines.append(delimiter.join(cells))
    return "\r\n".join(lines) + "\r\n"


def csv_bytes(rows, *, delimiter: str = ";", encoding: str = "utf-8") -> bytes:
    return csv_text(rows, delimiter=delimiter).encode(encoding)


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()
