"""A small, fast writer for one-sheet .xlsx files: text, numbers and dates, a bold frozen
header with an auto-filter, column widths and two number formats (date, euro).

Why not a library: exports are a hot path (a city's whole inventory, 50,000 rows and
more). Measured here for 50,000 rows x 15 columns, XlsxWriter's constant_memory mode took
7.0 s and openpyxl's write-only mode 17.8 s; writing the sheet XML directly takes 0.8 s
with the same flat memory. The format written is the minimal SpreadsheetML that Excel,
LibreOffice, openpyxl and python-calamine read (the tests read every file back with
openpyxl and calamine); anything richer (formulas, several sheets, charts) belongs to a
library, not here.

Text is always written as an inline string, so no cell is ever a formula.
"""

import datetime
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

_EXCEL_EPOCH_ORDINAL = datetime.date(1899, 12, 30).toordinal()
# Excel counts a 29 February 1900 that never was; serial numbers are right only after it.
_FIRST_PLAIN_SERIAL_DATE = datetime.date(1900, 3, 1)
MAX_TEXT = 32_767  # Excel's limit for one cell
_FORBIDDEN_SHEET_CHARS = str.maketrans({ch: "_" for ch in "[]:*?/\\"})
# Characters XML 1.0 cannot hold (and CR, which XML readers turn into LF) are written the
# way Excel writes them, as _xHHHH_; a literal "_xHHHH_" in the text is escaped likewise.
_NEEDS_CODE = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")

DATE_FORMAT = "dd.mm.yyyy"
MONEY_FORMAT = '#,##0.00 "€"'
# Style indexes in styles.xml below.
STYLE_DATE = 1
STYLE_MONEY = 2
STYLE_HEADER = 3

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode={quoteattr(DATE_FORMAT)}/>'
    f'<numFmt numFmtId="165" formatCode={quoteattr(MONEY_FORMAT)}/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _code(match: re.Match) -> str:
    char = match.group()
    return f"_x{ord(char):04X}_" if char != "_" else "_x005F_"


def _text_cell(ref: str, text: str, style: str = "") -> str:
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
    text = escape(_NEEDS_CODE.sub(_code, text))
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _number_text(value: Decimal | int | float) -> str:
    if isinstance(value, bool):
        raise TypeError("write booleans as text, e.g. 'ja'/'nein'")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} cannot be written to a spreadsheet")
        return repr(value)
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{value} cannot be written to a spreadsheet")
    return str(value)


def write_sheet(
    target: str | Path | BinaryIO,
    *,
    sheet_name: str,
    headers: Sequence[str],
    number_styles: Sequence[int],
    widths: Sequence[int | None],
    rows: Iterable[Sequence[object]],
) -> int:
    """Write one sheet and return the number of data rows. Cells are str, date/datetime,
    Decimal/int/float or None (empty). `number_styles` gives each column's style for
    numbers (0 or STYLE_MONEY); dates always get STYLE_DATE."""
    refs = [column_letter(i) for i in range(len(headers))]
    numbered = [f' s="{style}"' if style else "" for style in number_styles]
    date_style = f' s="{STYLE_DATE}"'
    count = 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_sheet_head(headers, widths, refs).encode())
            chunk: list[str] = []
            for count, row in enumerate(rows, start=1):
                n = count + 1
                cells = [f'<row r="{n}">']
                for ref, style, value in zip(refs, numbered, row, strict=False):
                    if value is None or value == "":
                        continue
                    kind = type(value)
                    if kind is str:
                        cells.append(_text_cell(f"{ref}{n}", value))
                    elif kind is datetime.date or kind is datetime.datetime:
                        day = value if kind is datetime.date else value.date()
                        if day >= _FIRST_PLAIN_SERIAL_DATE:
                            serial = day.toordinal() - _EXCEL_EPOCH_ORDINAL
                            cells.append(f'<c r="{ref}{n}"{date_style}><v>{serial}</v></c>')
                        else:
                            cells.append(_text_cell(f"{ref}{n}", day.strftime("%d.%m.%Y")))
                    elif isinstance(value, Decimal | int | float):
                        cells.append(f'<c r="{ref}{n}"{style}><v>{_number_text(value)}</v></c>')
                    else:
                        cells.append(_text_cell(f"{ref}{n}", str(value)))
                cells.append("</row>")
                chunk.append("".join(cells))
                if len(chunk) >= 500:
                    sheet.write("".join(chunk).encode())
                    chunk = []
            sheet.write("".join(chunk).encode())
            last = f"{refs[-1] if refs else 'A'}{max(count + 1, 2)}"
            sheet.write(f'</sheetData><autoFilter ref="A1:{last}"/></worksheet>'.encode())
        name = sheet_name.translate(_FORBIDDEN_SHEET_CHARS)[:31] or "Sheet1"
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        archive.writestr("xl/workbook.xml", _workbook(name, last))
    return count


def _sheet_head(headers: Sequence[str], widths: Sequence[int | None], refs: list[str]) -> str:
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{width + 0.7:.2f}" customWidth="1"/>'
        for i, width in enumerate(widths, start=1)
        if width
    )
    header_cells = "".join(
        _text_cell(f"{ref}1", str(header), f' s="{STYLE_HEADER}"')
        for ref, header in zip(refs, headers, strict=True)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + f'<sheetData><row r="1">{header_cells}</row>'
    )


def _workbook(name: str, last: str) -> str:
    quoted = "'" + name.replace("'", "''") + "'"
    column, row = re.match(r"([A-Z]+)(\d+)", last).groups()
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name={quoteattr(name)} sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        f"{escape(quoted)}!$A$1:${column}${row}</definedName></definedNames>"
        "</workbook>"
    )
