"""Makes the roster corpus beside this script: student lists as SchILD-NRW exports them
(`;`-separated CSV in Windows-1252 — with "?" for every letter that encoding lacks —, the
same as UTF-8 "Unicode", and .xlsx with numbers and dates as typed cells). What each row
must come to is in expected.csv, read by tests/accounts/test_corpus_rosters.py.

Run it again after changing it: `.venv/bin/python tests/data/rosters/make.py`.
"""

import datetime
import io
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
HEADER = ["Klasse", "Nachname", "Vorname", "Geburtsdatum", "Interne ID-Nummer", "Status"]


def csv(rows: list[list[object]], *, encoding: str) -> bytes:
    """As SchILD writes it: `;`, CRLF, a letter the encoding lacks written as "?"."""
    text = "".join(";".join(str(cell) for cell in row) + "\r\n" for row in rows)
    return text.encode(encoding, errors="replace")


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Schüler"
    for row in rows:
        sheet.append(row)
    for cell in sheet["D"][1:]:
        cell.number_format = "DD.MM.YYYY"
    # The same bytes on every run: a fixed creation time, fixed times in the zip.
    book.properties.created = book.properties.modified = datetime.datetime(2026, 8, 28, 9, 0)
    buffer = io.BytesIO()
    book.save(buffer)
    fixed = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(fixed, "w") as target:
        for info in source.infolist():
            info.date_time = (2026, 8, 28, 9, 0, 0)
            target.writestr(info, source.read(info.filename), zipfile.ZIP_DEFLATED)
    return fixed.getvalue()


FILES = {
    # The first export of the school year: everyone active.
    "baseline_cp1252.csv": csv(
        [
            HEADER,
            ["5a", "Müller", "Anna", "01.02.2015", "101", "2"],
            ["5a", "Öztürk", "Jürgen", "02.03.2015", "102", "Aktiv"],
            ["10b", "Weiß", "Lena", "03.04.2010", "103", "2"],
            ["Q1", "Krüger", "Paul", "04.05.2008", "104", "Beurlaubt"],
        ],
        encoding="cp1252",
    ),
    # Later: two have left (Abschluss by number, Abgang by name), one is missing, two are
    # newly admitted or gone before they came: no account for them.
    "leavers_cp1252.csv": csv(
        [
            HEADER,
            ["5a", "Müller", "Anna", "01.02.2015", "101", "2"],
            ["5a", "Öztürk", "Jürgen", "02.03.2015", "102", "8"],
            ["10b", "Weiß", "Lena", "03.04.2010", "103", "Abgang"],
            ["5b", "Neumann", "Lea", "05.06.2016", "105", "0"],
            ["5b", "Schulz", "Tim", "06.07.2015", "106", "9"],
        ],
        encoding="cp1252",
    ),
    # Class names in the spellings offices use; ids and statuses as numbers, dates as dates.
    "classes.xlsx": xlsx(
        [
            HEADER,
            ["05a", "Becker", "Mia", datetime.date(2015, 1, 10), 201, 2],
            ["5 a", "Wolf", "Ben", datetime.date(2015, 2, 11), 202, 2],
            ["5A", "Koch", "Lea", datetime.date(2015, 3, 12), 203, 2],
            ["10B", "Berg", "Tom", datetime.date(2010, 4, 13), 204, 2],
            ["ef", "Lang", "Ida", datetime.date(2009, 5, 14), 205, 2],
            ["Q2", "Roth", "Jan", datetime.date(2007, 6, 15), 206, 2],
            ["05/1", "Vogel", "Eva", datetime.date(2015, 7, 16), 207, 2],
        ]
    ),
    # A Windows-1252 export of names it cannot write: "Y?lmaz", "?ükrü", "Nguy?n".
    "lost_letters_cp1252.csv": csv(
        [
            HEADER,
            ["7c", "Yılmaz", "Emre", "01.01.2013", "301", "2"],
            ["7c", "Öztürk", "Şükrü", "02.02.2013", "302", "2"],
            ["7c", "Nguyễn", "Lan", "03.03.2013", "303", "2"],
            ["7c", "Schäfer", "Jörg", "04.04.2013", "304", "2"],
        ],
        encoding="cp1252",
    ),
    # The same list exported as Unicode (UTF-8 with BOM).
    "unicode_utf8.csv": csv(
        [
            HEADER,
            ["7c", "Yılmaz", "Emre", "01.01.2013", "301", "2"],
            ["7c", "Öztürk", "Şükrü", "02.02.2013", "302", "2"],
            ["7c", "Nguyễn", "Lan", "03.03.2013", "303", "2"],
            ["7c", "Schäfer", "Jörg", "04.04.2013", "304", "2"],
        ],
        encoding="utf-8-sig",
    ),
    # Statuses SchILD does not have, or none: refused, never guessed.
    "unknown_status_cp1252.csv": csv(
        [
            HEADER,
            ["6a", "Hahn", "Ole", "01.01.2014", "401", "4"],
            ["6a", "Graf", "Mara", "02.02.2014", "402", ""],
            ["6a", "Busch", "Finn", "03.03.2014", "403", "aktiv"],
        ],
        encoding="cp1252",
    ),
}


def main() -> None:
    for name, data in FILES.items():
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
