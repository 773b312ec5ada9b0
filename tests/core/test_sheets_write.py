import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from core.sheets.values import clean_text
from core.sheets.write import (
    SheetColumn,
    XlsxSheet,
    csv_cell,
    guard_formula,
    write_csv,
    write_xlsx,
    write_xlsx_sheets,
)
from core.sheets.xlsx import MONEY_FORMAT

COLUMNS = [
    SheetColumn("Inventarnummer", width=16),
    SheetColumn("Kaufdatum", "date", width=13),
    SheetColumn("Preis", "money", width=13),
    SheetColumn("Bemerkungen", width=30),
]
ROWS = [
    ["INV-1", datetime.date(2021, 8, 1), Decimal("1234.50"), "Raum für Übungen"],
    ["INV-2", None, None, ""],
]
FORMULA_LIKE = [
    '=HYPERLINK("http://evil.example","klick")',
    "+49 221 123",
    "-5",
    "@SUM(A1)",
    "\tTab",
    "\rCR",
]


def xlsx(columns=COLUMNS, rows=ROWS):
    buffer = io.BytesIO()
    count = write_xlsx(buffer, sheet_name="Geräte", columns=columns, rows=rows)
    buffer.seek(0)
    return count, openpyxl.load_workbook(buffer)


def csv_text(columns=COLUMNS, rows=ROWS) -> tuple[int, bytes]:
    buffer = io.BytesIO()
    count = write_csv(buffer, columns=columns, rows=rows)
    return count, buffer.getvalue()


def test_xlsx_header_is_bold_frozen_and_filtered_over_the_data():
    count, book = xlsx()
    sheet = book.active
    assert count == 2
    assert sheet.title == "Geräte"
    assert [cell.value for cell in sheet[1]] == [
        "Inventarnummer",
        "Kaufdatum",
        "Preis",
        "Bemerkungen",
    ]
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D3"


def test_xlsx_dates_are_date_cells_and_prices_numbers_in_euro_format():
    _count, book = xlsx()
    date_cell, price_cell = book.active["B2"], book.active["C2"]
    assert date_cell.is_date
    assert date_cell.value.date() == datetime.date(2021, 8, 1)
    assert date_cell.number_format.lower() == "dd.mm.yyyy"
    assert price_cell.data_type == "n"
    assert price_cell.value == pytest.approx(1234.5)
    assert price_cell.number_format == MONEY_FORMAT


def test_xlsx_column_widths_follow_the_columns():
    _count, book = xlsx()
    widths = book.active.column_dimensions
    # Excel stores a little padding on top of the width in characters.
    assert widths["A"].width == pytest.approx(16, abs=1)
    assert widths["D"].width == pytest.approx(30, abs=1)


def test_xlsx_empty_values_are_empty_cells():
    _count, book = xlsx()
    assert [cell.value for cell in book.active[3]] == ["INV-2", None, None, None]


def test_xlsx_writes_formula_like_text_as_plain_strings():
    rows = [[text, None, None, text] for text in FORMULA_LIKE]
    buffer = io.BytesIO()
    write_xlsx(buffer, sheet_name="S", columns=COLUMNS, rows=rows)
    cells = [row[0] for row in openpyxl.load_workbook(buffer).active.iter_rows(min_row=2)]
    assert {cell.data_type for cell in cells} == {"s"}
    # openpyxl does not decode the _x000D_ escape that stands for CR; Excel and calamine do.
    read = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue())).get_sheet_by_index(0)
    assert [row[0] for row in read.to_python()[1:]] == FORMULA_LIKE


def test_xlsx_keeps_text_that_looks_like_rich_string_markup_as_text():
    # XlsxWriter would copy "<r>…</r>" into the sheet XML as it is: a broken file.
    text = '<r><t>x</t></r><c t="str"><f>1+1</f></c><r>&</r>'
    buffer = io.BytesIO()
    write_xlsx(buffer, sheet_name="S", columns=COLUMNS, rows=[[text, None, None, "ok"]])
    assert openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active["A2"].value == text
    rows = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue())).get_sheet_by_index(0)
    assert rows.to_python()[1][0] == text


def test_xlsx_without_rows_still_has_header_and_filter():
    count, book = xlsx(rows=[])
    assert count == 0
    assert book.active["A1"].value == "Inventarnummer"
    assert book.active.auto_filter.ref == "A1:D2"


def test_booleans_must_be_written_as_words():
    with pytest.raises(TypeError):
        xlsx(rows=[["INV-1", None, True, ""]])
    with pytest.raises(TypeError):
        csv_cell(True)


def test_csv_has_bom_semicolons_german_dates_and_decimal_comma():
    count, data = csv_text()
    assert count == 2
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "Inventarnummer;Kaufdatum;Preis;Bemerkungen"
    assert lines[1] == "INV-1;01.08.2021;1234,50;Raum für Übungen"
    assert lines[2] == "INV-2;;;"


def test_csv_quotes_values_with_separators_quotes_and_line_breaks():
    names = ["O'Brien", "Müller, Hans", "A;B", 'Sagt "Hallo"', "Zeile 1\nZeile 2", "ß äöü ÄÖÜ"]
    rows = [[name, None, None, name] for name in names]
    _count, data = csv_text(rows=rows)
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [row[0] for row in read[1:]] == names
    assert [row[3] for row in read[1:]] == names


def test_csv_prefixes_formula_like_text_with_a_quote_that_the_import_takes_off():
    rows = [[text, None, None, ""] for text in FORMULA_LIKE]
    _count, data = csv_text(rows=rows)
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    cells = [row[0] for row in read[1:]]
    assert cells == ["'" + text for text in FORMULA_LIKE]
    assert [clean_text(cell) for cell in cells[:4]] == FORMULA_LIKE[:4]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-", "@x", "'plain", "Normal text", "1-2", "a=b"])
def test_guarded_text_reads_back_unchanged(text):
    assert clean_text(guard_formula(text)) == text


def test_guard_leaves_harmless_text_alone():
    assert guard_formula("INV-0001") == "INV-0001"
    assert guard_formula("O'Brien") == "O'Brien"


def test_csv_money_has_two_decimals_and_no_thousands_separator():
    assert csv_cell(Decimal("1234567.5"), "money") == "1234567,50"
    assert csv_cell(649, "money") == "649,00"
    assert csv_cell(Decimal("0.10"), "money") == "0,10"


def test_xlsx_several_sheets_each_with_its_columns_and_title():
    buffer = io.BytesIO()
    counts = write_xlsx_sheets(
        buffer,
        [
            XlsxSheet("Geräte", COLUMNS, ROWS),
            XlsxSheet(
                "Liste",
                [SheetColumn("Name", width=25)],
                [["Müller"]],
                title_lines=["Klasse 5a"],
                printable=True,
            ),
        ],
    )
    buffer.seek(0)
    book = openpyxl.load_workbook(buffer)

    assert counts == [2, 1]
    assert book["Geräte"]["C2"].number_format == MONEY_FORMAT
    assert book["Geräte"].column_dimensions["D"].width == pytest.approx(30.7)
    listing = book["Liste"]
    assert [listing["A1"].value, listing["A2"].value, listing["A3"].value] == [
        "Klasse 5a",
        "Name",
        "Müller",
    ]
    assert listing.column_dimensions["A"].width == pytest.approx(25.7)
    assert listing.print_title_rows == "$1:$2"
