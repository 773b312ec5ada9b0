"""Writes the .xlsx corpus of tests/core/test_corpus_xlsx.py: workbooks as Excel and
LibreOffice save them (numbers kept with a number format, hidden and filtered rows) and as
scripts write them (formulas without a saved result). Run it from the project root:

    .venv/bin/python tests/data/xlsx/make.py

and commit the files with it; expected.csv says what each file must import as.
"""

import datetime
import io
import re
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
DEVICE_HEADER = ["Inventarnummer", "Seriennummer", "Hersteller", "Modell", "Kategorie"]
DEVICE_HEADER += ["Schulnummer", "Raum"]
SCHOOL = "165432"  # tests/conftest.py's school_a
ROSTER_HEADER = ["Klasse", "Nachname", "Vorname", "Geburtsdatum", "Interne ID-Nummer"]


def _save(book: openpyxl.Workbook, name: str) -> None:
    # A fixed creation time, so that running the script again writes the same bytes.
    moment = datetime.datetime(2026, 9, 1, 8, 0)
    book.properties.created = book.properties.modified = moment
    buffer = io.BytesIO()
    book.save(buffer)
    _rezip(buffer.getvalue(), HERE / name)


def _rezip(data: bytes, path: Path) -> None:
    """The same parts with a fixed date in the archive, for files that do not change."""
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 9, 1, 8, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl writes the time of saving as the last change.
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-09-01T08:00:00Z", content
                )
            target.writestr(fixed, content)


def _device(tag, serial, room, *, tag_format=None, serial_format=None, room_format=None):
    return [
        (tag, tag_format),
        (serial, serial_format),
        ("Lenovo", None),
        ("ThinkPad L14", None),
        ("Notebook", None),
        (SCHOOL, None),
        (room, room_format),
    ]


def _sheet(header: list[str], rows: list[list[tuple]], *, hidden: tuple[int, ...] = ()):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Inventar"
    sheet.append(header)
    for number, row in enumerate(rows, start=2):
        for column, (value, number_format) in enumerate(row, start=1):
            cell = sheet.cell(row=number, column=column, value=value)
            if number_format:
                cell.number_format = number_format
    for number in hidden:
        sheet.row_dimensions[number].hidden = True
    return book


def leading_zeros() -> None:
    """Numbers kept with a number format in text-like columns, as Excel saves them."""
    rows = [
        _device(555, 4711, 1.1, tag_format="00000", serial_format="000000", room_format="0.00"),
        _device(1234, "PF-3X9", "A101", tag_format='"INV-"00000'),
        _device(556, 12345678, 2, tag_format="#,##0", serial_format="0", room_format="0"),
        _device(557, "S-557", 110, room_format="@"),
        _device(558, "S-558", "A101", tag_format="0.00E+00"),
        _device(559, 0.30000000000000004, "A101"),
    ]
    _save(_sheet(DEVICE_HEADER, rows), "devices_number_formats.xlsx")


def hidden_rows() -> None:
    """Rows 3 and 5 hidden (as a filter or "hide rows" leaves them)."""
    rows = [_device(f"H-{n}", f"SN-H{n}", "A101") for n in range(1, 5)]
    _save(_sheet(DEVICE_HEADER, rows, hidden=(3, 5)), "devices_hidden_rows.xlsx")


def unsaved_formula() -> None:
    """A formula written by a script (openpyxl saves no result for it) in the room column."""
    rows = [
        _device("F-1", "SN-F1", "A101"),
        _device("F-2", "SN-F2", '=CONCATENATE("A","101")'),
        _device("F-3", "SN-F3", "B202"),
    ]
    _save(_sheet(DEVICE_HEADER, rows), "devices_unsaved_formula.xlsx")


def libreoffice() -> None:
    """The parts as LibreOffice Calc writes them: shared strings, t="n", hidden="true", a
    number format with a locale ([$-407]), a string formula with its saved result."""
    strings = [*DEVICE_HEADER, "Lenovo", "ThinkPad L14", "Notebook", "L-2", "SN-L2", "B202"]
    shared = "".join(f"<si><t>{text}</t></si>" for text in strings)
    index = {text: n for n, text in enumerate(strings)}

    def text(ref: str, value: str) -> str:
        return f'<c r="{ref}" s="0" t="s"><v>{index[value]}</v></c>'

    def common(n: int) -> str:
        return (
            text(f"C{n}", "Lenovo")
            + text(f"D{n}", "ThinkPad L14")
            + text(f"E{n}", "Notebook")
            + f'<c r="F{n}" s="0" t="n"><v>{SCHOOL}</v></c>'
        )

    header = "".join(text(f"{chr(65 + n)}1", name) for n, name in enumerate(DEVICE_HEADER))
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<dimension ref="A1:G3"/><sheetData>'
        f'<row r="1" customFormat="false" hidden="false">{header}</row>'
        '<row r="2" customFormat="false" hidden="false">'
        '<c r="A2" s="1" t="n"><v>555</v></c><c r="B2" s="1" t="n"><v>42</v></c>'
        f'{common(2)}<c r="G2" s="2" t="n"><v>1.1</v></c></row>'
        '<row r="3" customFormat="false" hidden="true">'
        f"{text('A3', 'L-2')}{text('B3', 'SN-L2')}{common(3)}"
        '<c r="G3" s="0" t="str"><f>&quot;B&quot;&amp;&quot;202&quot;</f><v>B202</v></c>'
        "</row></sheetData></worksheet>"
    )
    styles = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="2"><numFmt numFmtId="164" formatCode="[$-407]00000"/>'
        '<numFmt numFmtId="165" formatCode="0.00"/></numFmts>'
        '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0" xfId="0"/>'
        '<xf numFmtId="164" xfId="0" applyNumberFormat="true"/>'
        '<xf numFmtId="165" xfId="0" applyNumberFormat="true"/></cellXfs></styleSheet>'
    )
    main = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{main}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="http://schemas.'
            f'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{main}">'
            '<workbookPr backupFile="false" dateCompatibility="true"/><sheets>'
            '<sheet name="Tabelle1" sheetId="1" state="visible" r:id="rId2"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{main}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId2" Type="{main}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId3" Type="{main}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": styles,
        "xl/sharedStrings.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats'
            f'.org/spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">'
            f"{shared}</sst>"
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    with zipfile.ZipFile(HERE / "devices_libreoffice.xlsx", "w") as archive:
        for name, content in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 9, 1, 8, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(info, content)


def roster(name: str, rows: list[list[tuple]]) -> None:
    book = _sheet(ROSTER_HEADER, rows)
    book.active.title = "Schüler"
    _save(book, name)


def rosters() -> None:
    born = datetime.date(2015, 3, 4)
    roster(
        "students_number_formats.xlsx",
        [
            [("5a", None), ("Yilmaz", None), ("Ayse", None), (born, "dd.mm.yyyy"), (456, "00000")],
            [("5a", None), ("Schmidt", None), ("Jonas", None), (born, "dd.mm.yyyy"), (789, None)],
            [("6b", None), ("Weber", None), ("Mia", None), (born, "dd.mm.yyyy"), (12, "000000")],
        ],
    )
    roster(
        "students_unsaved_formula.xlsx",
        [
            [("5a", None), ("Yilmaz", None), ("Ayse", None), (born, "dd.mm.yyyy"), (456, "00000")],
            [("5a", None), ("Klein", None), ("Lea", None), (born, "dd.mm.yyyy"), ("=E2+1", None)],
        ],
    )


if __name__ == "__main__":
    leading_zeros()
    hidden_rows()
    unsaved_formula()
    libreoffice()
    rosters()
