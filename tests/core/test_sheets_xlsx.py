"""The .xlsx writer's edge cases, read back with both readers Lernstatt and its users meet:
openpyxl (what Python tools use) and python-calamine (what the import uses)."""

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from core.sheets.xlsx import (
    MAX_TEXT,
    STYLE_MONEY,
    Sheet,
    column_letter,
    sheet_names,
    write_sheet,
    write_workbook,
)


def write(rows, *, headers=("A", "B"), sheet_name="Geräte") -> bytes:
    buffer = io.BytesIO()
    write_sheet(
        buffer,
        sheet_name=sheet_name,
        headers=headers,
        number_styles=[0] * len(headers),
        widths=[None] * len(headers),
        rows=rows,
    )
    return buffer.getvalue()


def calamine_rows(data: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


@pytest.mark.parametrize(
    "text",
    [
        "Zeile 1\nZeile 2",
        "Windows\r\nZeilenumbruch",
        "Tab\tgetrennt",
        "Steuerzeichen \x01\x1f weg?",
        "literal _x000D_ text",
        "  führende und folgende Leerzeichen  ",
        "<r>kein Rich Text</r>",
        "a & b < c > d \" ' ",
        "O'Brien; Müller-Lüdenscheidt, Nguyễn",
        '=HYPERLINK("http://example.org")',
    ],
)
def test_text_reads_back_exactly_in_calamine(text):
    assert calamine_rows(write([[text, "x"]]))[1][0] == text


def test_text_with_line_breaks_and_spaces_reads_back_in_openpyxl():
    data = write([["Zeile 1\nZeile 2", "  eingerückt"]])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].value == "Zeile 1\nZeile 2"
    assert sheet["B2"].value == "  eingerückt"
    assert sheet["A2"].data_type == "s"


def test_text_longer_than_excel_allows_is_cut_at_its_limit():
    rows = calamine_rows(write([["x" * (MAX_TEXT + 10), "ok"]]))
    assert len(rows[1][0]) == MAX_TEXT


def test_numbers_dates_and_empty_cells_keep_their_type():
    data = write(
        [[Decimal("1234.50"), datetime.date(2021, 8, 1)], [None, ""], [7, 2.5]],
    )
    rows = calamine_rows(data)
    assert rows[1] == [1234.5, datetime.date(2021, 8, 1)]
    assert rows[2] == ["", ""]
    assert rows[3] == [7, 2.5]


def test_a_date_before_march_1900_is_written_as_text_not_a_wrong_serial():
    assert calamine_rows(write([[datetime.date(1900, 1, 1), "x"]]))[1][0] == "01.01.1900"


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), Decimal("NaN")])
def test_values_a_spreadsheet_cannot_hold_are_refused(bad):
    with pytest.raises(ValueError):
        write([[bad, "x"]])


def test_booleans_are_refused_so_they_do_not_become_1_and_0():
    with pytest.raises(TypeError):
        write([[True, "x"]])


@pytest.mark.parametrize("name", ["Schüler's Geräte", "a/b:c*d?[e]", ""])
def test_any_sheet_name_gives_a_file_that_opens_with_the_filter(name):
    data = write([["1", "2"]], sheet_name=name)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.active.auto_filter.ref == "A1:B2"
    assert workbook.active.freeze_panes == "A2"


def test_money_columns_get_the_euro_format_only_for_numbers():
    buffer = io.BytesIO()
    write_sheet(
        buffer,
        sheet_name="S",
        headers=["Preis"],
        number_styles=[STYLE_MONEY],
        widths=[12],
        rows=[[Decimal("649.00")], ["unbekannt"]],
    )
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    assert sheet["A2"].value == 649
    assert "€" in sheet["A2"].number_format
    assert sheet["A3"].value == "unbekannt"


def test_the_file_is_a_complete_package():
    names = set(zipfile.ZipFile(io.BytesIO(write([["1", "2"]]))).namelist())
    assert names == {
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/worksheets/sheet1.xml",
    }


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ")])
def test_column_letters(index, letters):
    assert column_letter(index) == letters


# -- several sheets -------------------------------------------------------------------------


def workbook(*sheets: Sheet) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, list(sheets))
    return buffer.getvalue()


def test_several_sheets_read_back_in_order_in_both_readers():
    buffer = io.BytesIO()
    counts = write_workbook(
        buffer,
        [
            Sheet(name="5a", headers=["Name"], rows=iter([["Müller"], ["O'Brien"]])),
            Sheet(name="10b", headers=["Name", "Preis"], rows=[["Zander", Decimal("9.5")]],
                  number_styles=[0, STYLE_MONEY]),
            Sheet(name="leer", headers=["Name"], rows=[]),
        ],
    )  # fmt: skip
    data = buffer.getvalue()

    assert counts == [2, 1, 0]
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["5a", "10b", "leer"]
    assert [c.value for c in book["5a"]["A"]] == ["Name", "Müller", "O'Brien"]
    assert book["10b"]["B2"].value == 9.5 and "€" in book["10b"]["B2"].number_format
    assert book["leer"].auto_filter.ref == "A1:A2"
    assert [ws.sheet_view.tabSelected for ws in book] == [True, None, None]
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert calamine.sheet_names == ["5a", "10b", "leer"]
    assert calamine.get_sheet_by_name("10b").to_python() == [["Name", "Preis"], ["Zander", 9.5]]


def test_title_lines_stand_above_a_frozen_header_and_the_filter_starts_at_the_header():
    data = workbook(
        Sheet(
            name="5a",
            headers=["Nachname", "Login"],
            rows=[["=1+1", "eve"]],
            title_lines=["Gymnasium am Park · Klasse 5a", "Hinweis"],
        )
    )
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [sheet["A1"].value, sheet["A2"].value, sheet["A3"].value] == [
        "Gymnasium am Park · Klasse 5a",
        "Hinweis",
        "Nachname",
    ]
    assert sheet["A1"].font.b and sheet["A3"].font.b and not sheet["A4"].font.b
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == "A3:B4"
    assert (sheet["A4"].value, sheet["A4"].data_type) == ("=1+1", "s")


def test_a_printable_sheet_fits_a4_width_and_repeats_its_top_rows():
    data = workbook(
        Sheet(name="Liste", headers=["A"], rows=[["x"]], title_lines=["Titel"], printable=True),
        Sheet(name="Quer", headers=["A"], rows=[], printable=True, landscape=True,
              auto_filter=False),
        Sheet(name="Export", headers=["A"], rows=[], printable=False),
        Sheet(name="Breit", headers=list("ABCDEFGHIJKL"), rows=[], widths=[12] * 12),
        Sheet(name="Schmal", headers=list("ABCDEF"), rows=[], widths=[12] * 6,
              stamp="Stand: 03.12.2026 & mehr"),
    )  # fmt: skip
    book = openpyxl.load_workbook(io.BytesIO(data))
    printed = book["Liste"]
    assert int(printed.page_setup.paperSize) == 9  # A4
    assert printed.page_setup.orientation == "portrait"
    assert (printed.page_setup.fitToWidth, printed.page_setup.fitToHeight) == (1, 0)
    assert printed.sheet_properties.pageSetUpPr.fitToPage
    assert printed.print_title_rows == "$1:$2"
    assert "&P" in printed.oddFooter.right.text
    assert book["Quer"].page_setup.orientation == "landscape"
    assert book["Quer"].auto_filter.ref is None
    assert book["Export"].print_title_rows is None
    # Every other sheet prints: wider than a portrait page is landscape, by itself.
    assert book["Breit"].page_setup.orientation == "landscape"
    assert book["Breit"].print_title_rows == "$1:$1"
    narrow = book["Schmal"]
    assert narrow.page_setup.orientation == "portrait"
    assert narrow.oddHeader.left.text == "&A"
    assert narrow.oddHeader.right.text == "Stand: 03.12.2026 && mehr"


def test_a_workbook_needs_a_sheet():
    with pytest.raises(ValueError):
        workbook()


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["5a", "Q1/2", "a[b]:c*d?e\\f"], ["5a", "Q1_2", "a_b__c_d_e_f"]),
        (["x" * 40], ["x" * 31]),
        (["'Zitat'", "Schüler's"], ["Zitat", "Schüler's"]),
        (["", "  "], ["Sheet1", "Sheet2"]),
        (["History"], ["History_"]),
        (["5a", "5A", "5a"], ["5a", "5A (2)", "5a (3)"]),
        (["y" * 31, "y" * 31], ["y" * 31, "y" * 27 + " (2)"]),
    ],
)
def test_sheet_names_are_made_valid_and_unique(names, expected):
    assert sheet_names(names) == expected


def test_names_made_alike_still_give_a_file_that_opens():
    data = workbook(*(Sheet(name=name, headers=["A"], rows=[]) for name in ["Q1/2", "Q1:2"]))
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == ["Q1_2", "Q1_2 (2)"]
