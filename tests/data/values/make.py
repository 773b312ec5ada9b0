"""Writes the files of this corpus as school offices make them: an English CSV saved by
LibreOffice in an en-US locale (month first dates, comma separated), names typed on a Mac
(decomposed Unicode), Excel serial numbers and years in date columns, asset tags that
lost their leading zeros, a NUL far into a CSV. What importing each of them must store is
in expected.csv, read by tests/inventory/test_corpus_values.py.

Run it from the repository's root to write the files again:
    .venv/bin/python tests/data/values/make.py
"""

import csv
import io
import unicodedata
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
EN_HEADER = [
    "Asset tag",
    "Manufacturer",
    "Model",
    "School number",
    "Room",
    "Purchase date",
    "Warranty until",
    "Notes",
]
DE_HEADER = [
    "Inventarnummer",
    "Hersteller",
    "Modell",
    "Schulnummer",
    "Raum",
    "Kaufdatum",
    "Garantie bis",
    "Bemerkungen",
]


def write_csv(name: str, rows: list[list[object]], *, delimiter: str, encoding: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    (HERE / name).write_bytes(buffer.getvalue().encode(encoding))


def write_xlsx(name: str, rows: list[list[object]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(HERE / name)


def main() -> None:
    # LibreOffice, en-US locale: "Text CSV", comma, dates as M/D/YYYY.
    write_csv(
        "en-us-libreoffice.csv",
        [
            EN_HEADER,
            ["US-1", "Lenovo", "ThinkPad L14", "165432", "A101", "08/01/2021", "07/31/2025", ""],
            ["US-2", "Lenovo", "ThinkPad L14", "165432", "A101", "12/15/2020", "", ""],
        ],
        delimiter=",",
        encoding="utf-8",
    )
    # Every date could be read either way: read day first unless the importer says so.
    write_csv(
        "ambiguous-slashes.csv",
        [
            EN_HEADER,
            ["AMB-1", "Lenovo", "ThinkPad L14", "165432", "A101", "08/01/2021", "", ""],
            ["AMB-2", "Lenovo", "ThinkPad L14", "165432", "A101", "03/04/2020", "", ""],
        ],
        delimiter=",",
        encoding="utf-8",
    )
    # Both orders in one column: nothing is guessed.
    write_csv(
        "mixed-slashes.csv",
        [
            EN_HEADER,
            ["MIX-1", "Lenovo", "ThinkPad L14", "165432", "A101", "25/12/2020", "", ""],
            ["MIX-2", "Lenovo", "ThinkPad L14", "165432", "A101", "12/25/2020", "", ""],
        ],
        delimiter=",",
        encoding="utf-8",
    )
    # Typed on a Mac: every umlaut decomposed (u + combining diaeresis), saved as UTF-8.
    nfd = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731
    write_csv(
        "mac-decomposed.csv",
        [
            DE_HEADER,
            [
                "MAC-1",
                "Dell",
                nfd("Latitude Förderschule"),
                "165432",
                nfd("Bücherei"),
                "",
                "",
                nfd("Jürgen Müller"),
            ],
        ],
        delimiter=";",
        encoding="utf-8",
    )
    # Excel: a year, a number of years and a real serial date, all as numbers.
    write_xlsx(
        "numbers-in-date-columns.xlsx",
        [
            DE_HEADER,
            ["NUM-1", "Lenovo", "ThinkPad L14", 165432, "A101", 2019, None, None],
            ["NUM-2", "Lenovo", "ThinkPad L14", 165432, "A101", None, 3, None],
            ["NUM-3", "Lenovo", "ThinkPad L14", 165432, "A101", 44409, 46022, None],
        ],
    )
    # Excel dropped the zeros of 00555 (a number in a General cell).
    write_xlsx(
        "lost-leading-zeros.xlsx",
        [DE_HEADER, [555, "Lenovo", "ThinkPad L14", 165432, "A101", None, None, None]],
    )
    # A NUL in a note far beyond the first 64 KB of a CSV.
    rows = [DE_HEADER]
    rows += [
        [f"BIG-{n}", "Lenovo", "ThinkPad L14", "165432", "A101", "", "", "Notiz " * 10]
        for n in range(1200)
    ]
    rows.append(["BIG-NUL", "Lenovo", "ThinkPad L14", "165432", "A101", "", "", "Akku\x00 leer"])
    write_csv("nul-after-64k.csv", rows, delimiter=";", encoding="utf-8")


if __name__ == "__main__":
    main()
