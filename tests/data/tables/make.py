"""Makes the table corpus beside this script: device lists (and one class list) as school
offices save them — CSV from Excel for Windows ("CSV UTF-8" and "CSV (Trennzeichen-
getrennt)", Windows-1252), Excel for Mac (Mac Roman), Numbers and LibreOffice (UTF-8), an
old DOS tool (Ctrl-Z at the end), files whose encoding was mangled on the way, and .xlsx
workbooks with a cover sheet, a title block, merged two-row headers and totals rows. What
each file must come to is in expected.csv, read by tests/core/test_corpus_tables.py.

Run it again after changing it: `.venv/bin/python tests/data/tables/make.py`.
"""

import datetime
import io
import re
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
SCHOOL = "165432"  # the school_a fixture
HEADER = ["Inventarnummer", "Seriennummer", "Hersteller", "Modell", "Kategorie", "Schulnummer"]
HEADER += ["Raum", "Kaufdatum", "Kaufpreis", "Förderprogramm", "Bemerkung"]


def device(number: int, notes: str = "Gerät für Schüler") -> list[object]:
    return [
        f"T-{number:03d}",
        f"SN{number:05d}",
        "Lenovo",
        "ThinkPad L14",
        "Notebook",
        SCHOOL,
        "A101",
        "01.08.2023",
        "649,00",
        "DigitalPakt Schule",
        notes,
    ]


def csv(rows: list[list[object]], *, delimiter: str = ";", newline: str = "\r\n") -> str:
    """As spreadsheet programs write it: a cell with the delimiter or a quote in quotes."""

    def cell(value: object) -> str:
        text = str(value)
        if delimiter in text or '"' in text:
            return '"' + text.replace('"', '""') + '"'
        return text

    return "".join(delimiter.join(cell(value) for value in row) + newline for row in rows)


def workbook(sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cells in (merges or {}).get(title, []):
            sheet.merge_cells(cells)
    # The same bytes on every run: a fixed creation time, fixed times in the zip.
    book.properties.created = book.properties.modified = datetime.datetime(2026, 8, 28, 9, 0)
    buffer = io.BytesIO()
    book.save(buffer)
    fixed = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(fixed, "w") as target:
        for info in source.infolist():
            info.date_time = (2026, 8, 28, 9, 0, 0)
            part = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the time of saving
                part = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-08-28T09:00:00Z", part
                )
            target.writestr(info, part, zipfile.ZIP_DEFLATED)
    return fixed.getvalue()


ROWS = [HEADER, device(1), device(2, "Akku schwächelt")]
LOWER = ["Raum", "datum", "preis"]

FILES: dict[str, bytes] = {
    # Excel for Windows, "CSV UTF-8 (durch Trennzeichen getrennt)": BOM, ";", CRLF.
    "excel_win_utf8_bom.csv": csv(ROWS).encode("utf-8-sig"),
    # Excel for Windows, "CSV (Trennzeichen-getrennt)": Windows-1252, also what SchILD writes.
    "excel_win_cp1252.csv": csv(ROWS).encode("cp1252"),
    # An old DOS program: Windows-1252 with Ctrl-Z, the end-of-file mark, after the last line.
    "dos_ctrl_z_cp1252.csv": csv(ROWS).encode("cp1252") + b"\x1a",
    # Numbers on a Mac: UTF-8 without BOM, ";" in a German locale, LF.
    "numbers_mac_utf8.csv": csv(ROWS, newline="\n").encode(),
    # LibreOffice, English locale: UTF-8, ",", LF, a note with a comma in quotes.
    "libreoffice_utf8_comma.csv": csv(
        [HEADER, device(1), [*device(2)[:-1], "Akku, Netzteil"]], delimiter=",", newline="\n"
    ).encode(),
    # Excel for Mac, "CSV (durch Trennzeichen getrennt)" of older versions: Mac Roman.
    "excel_mac_roman.csv": csv(ROWS, newline="\r").encode("mac_roman"),
    # A UTF-8 BOM put in front of Windows-1252 text (a tool that adds one blindly).
    "bom_before_cp1252.csv": b"\xef\xbb\xbf" + csv(ROWS).encode("cp1252"),
    # UTF-8 with one line pasted in from a Windows-1252 file.
    "mixed_utf8_cp1252.csv": csv(ROWS[:2]).encode() + csv(ROWS[2:]).encode("cp1252"),
    # UTF-8 once read as Windows-1252 and saved again: "GerÃ¤t".
    "double_encoded_utf8.csv": csv(ROWS).encode().decode("cp1252").encode("utf-8-sig"),
    # LibreOffice CSV with a totals row at the end.
    "totals_row_libreoffice.csv": csv(
        [*ROWS, [], ["Gesamt", "", "", "", "", "", "", "", "1298,00", "", ""]], newline="\n"
    ).encode(),
    # A cover sheet with a small summary table before the data sheet.
    "cover_sheet.xlsx": workbook(
        {
            "Übersicht": [
                ["Inventar Gymnasium am Park"],
                [],
                ["Kategorie", "Kaufpreis"],
                ["Notebook", 1298],
            ],
            "Geräte": ROWS,
        }
    ),
    # A title block above the header: "Schule: 165432  Raum: A101".
    "title_block.xlsx": workbook(
        {"Inventar": [["Schule:", SCHOOL, "Raum:", "A101"], ["Stand: 28.08.2026"], [], *ROWS]}
    ),
    # A two-row header: groups merged over their columns, the others merged down both rows.
    "two_row_header.xlsx": workbook(
        {
            "Inventar": [
                ["Inventarnummer", "Gerät", None, None, None, "Standort", None, "Kauf"],
                [None, "Seriennummer", "Hersteller", "Modell", "Kategorie", "Schulnummer", *LOWER],
                *[row[:9] for row in ROWS[1:]],
            ]
        },
        {"Inventar": ["A1:A2", "B1:E1", "F1:G1", "H1:I1"]},
    ),
    # A group header "Anschaffung" merged over three columns (what --only-valid once dropped).
    "group_header_three_columns.xlsx": workbook(
        {
            "Inventar": [
                [*HEADER[:7], "Anschaffung"],
                [None] * 7 + ["Kaufdatum", "Kaufpreis", "Förderprogramm"],
                *[row[:10] for row in ROWS[1:]],
                [*device(3)[:7], "32.13.2023", "649,00", "DigitalPakt Schule"],
            ]
        },
        {"Inventar": [f"{letter}1:{letter}2" for letter in "ABCDEFG"] + ["H1:J1"]},
    ),
    # Excel with a totals row: "Summe" and =SUM() (openpyxl saves no result for it).
    "totals_row_sum.xlsx": workbook(
        {
            "Inventar": [
                HEADER,
                *[[*row[:8], 649, *row[9:]] for row in ROWS[1:]],
                ["Summe", None, None, None, None, None, None, None, "=SUM(I2:I3)"],
            ]
        }
    ),
    # A known column twice: the second "Bemerkung" is not read, and the preview says so.
    "duplicate_column.xlsx": workbook(
        {"Inventar": [[*HEADER, "Bemerkung"], *[[*row, "zweite"] for row in ROWS[1:]]]}
    ),
    # A class list with a title and a count at the end.
    "roster_title_and_count.xlsx": workbook(
        {
            "Klasse 5a": [
                ["Klassenliste 5a, Schuljahr 2026/27"],
                [],
                ["Klasse", "Nachname", "Vorname", "Geburtsdatum", "Interne ID-Nummer"],
                ["5a", "Müller", "Anna", "01.02.2015", "9001"],
                ["5a", "Öztürk", "Jürgen", "02.03.2015", "9002"],
                ["Anzahl:", 2],
            ]
        }
    ),
}


def main() -> None:
    for name, data in FILES.items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
