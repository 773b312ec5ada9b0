"""How the cells of an .xlsx are read (core.sheets.xlsx_read): the text a spreadsheet shows
for numbers in text-like columns, hidden rows, formulas without a saved result, and rows
streamed so that the row limit refuses a large sheet before it is read whole."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from django.test import override_settings
from django.utils import translation

from core.errors import FileRejected
from core.sheets.read import read_table
from core.sheets.values import fold
from core.sheets.xlsx_read import CellProblem, shown_text

NAMES = {"tag": "Inventarnummer", "serial": "Seriennummer", "price": "Kaufpreis"}
SPELLINGS = {fold(name): key for key, name in NAMES.items()}
HEADER = list(NAMES.values())
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def read(data: bytes, text_columns=frozenset({"tag", "serial"})):
    table = read_table(
        data, "inventar.xlsx", spellings=SPELLINGS, expected=HEADER, text_columns=text_columns
    )
    return table, [(number, list(cells)) for number, cells in table.rows()]


def formatted(rows: list[list[tuple]], *, hidden=()) -> bytes:
    """A workbook as openpyxl (and so Excel) writes it: cells as (value, number format)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for number, row in enumerate(rows, start=1):
        for column, (value, number_format) in enumerate(row, start=1):
            cell = sheet.cell(row=number, column=column, value=value)
            if number_format:
                cell.number_format = number_format
    for number in hidden:
        sheet.row_dimensions[number].hidden = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def header() -> list[tuple]:
    return [(name, None) for name in HEADER]


def raw(sheet_data: str, *, formats: dict[int, str] | None = None, workbook_pr: str = "") -> bytes:
    """A workbook of one sheet whose <sheetData> is `sheet_data`; style n has format n
    of `formats` (style 0 is General)."""
    formats = formats or {}
    num_fmts = "".join(
        f'<numFmt numFmtId="{164 + n}" formatCode="{code}"/>' for n, code in formats.items()
    )
    xfs = '<xf numFmtId="0"/>' + "".join(
        f'<xf numFmtId="{164 + n}" applyNumberFormat="1"/>' for n in sorted(formats)
    )
    parts = {
        "[Content_Types].xml": "<Types/>",
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}">{workbook_pr}'
        '<sheets><sheet name="Inventar" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELS}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN}"><numFmts>{num_fmts}</numFmts>'
        f"<cellXfs>{xfs}</cellXfs></styleSheet>",
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><sheetData>{sheet_data}'
        "</sheetData></worksheet>",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Inventarnummer</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>Seriennummer</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>Kaufpreis</t></is></c></row>'
)


@pytest.mark.parametrize(
    ("value", "code", "text"),
    [
        (555, "00000", "00555"),
        (555, "0", "555"),
        (1.1, "0.00", "1.10"),
        (2.675, "0.00", "2.68"),
        (1234, "#,##0", "1,234"),
        (1234.5, "#,##0.00", "1,234.50"),
        (42, "@", "42"),
        (42, "General", "42"),
        (0.30000000000000004, "General", "0.3"),
        (1234, '"INV-"00000', "INV-01234"),
        (555, "[$-407]00000", "00555"),
        (7, "00000;[Red]-00000", "00007"),
        (1.5, "0.0#", "1.5"),
        (1.25, "0.0#", "1.25"),
    ],
)
def test_a_number_is_shown_as_its_format_says(value, code, text):
    assert shown_text(float(value), code) == text


@pytest.mark.parametrize("code", ["0.00E+00", "0%", "# ?/?", "#,##0,", "[>100]0;0"])
def test_a_format_that_is_not_rendered_for_sure_gives_no_text(code):
    assert shown_text(555.0, code) is None


def test_numbers_in_text_columns_are_read_as_excel_shows_them():
    data = formatted([header(), [(555, "00000"), (4711, "000000"), (649.5, '#,##0.00 "€"')]])
    _table, rows = read(data)
    assert rows == [(2, ["00555", "004711", 649.5])]


def test_a_number_in_a_format_that_cannot_be_read_as_text_is_a_problem_naming_the_cell():
    data = formatted([header(), [("S1", None), (1.5e9, "0.00E+00"), (None, None)]])
    _table, [(_number, cells)] = read(data)
    assert isinstance(cells[1], CellProblem)
    assert "B2" in cells[1].message
    assert "0.00E+00" in cells[1].message


def test_a_date_in_a_text_column_is_a_problem_not_a_guess():
    # Excel made the room "1.10" and the tag "3-12" typed into General cells into dates.
    data = formatted(
        [
            header(),
            [(datetime.datetime(2026, 10, 1), "d.m."), ("S1", None), (None, None)],
            [("NB-1", None), (datetime.date(2026, 3, 12), "dd.mm.yyyy"), (None, None)],
        ]
    )
    _table, [(_two, first), (_three, second)] = read(data)

    assert isinstance(first[0], CellProblem) and "A2" in first[0].message
    assert "01.10.2026" in first[0].message
    assert isinstance(second[1], CellProblem) and "B3" in second[1].message


def test_a_date_in_a_column_that_is_not_text_like_stays_a_date():
    data = formatted(
        [header(), [("NB-1", None), ("S1", None), (datetime.date(2026, 3, 12), "dd.mm.yyyy")]]
    )
    _table, [(_number, cells)] = read(data, text_columns=frozenset({"tag"}))
    assert cells[2] == datetime.date(2026, 3, 12)


def test_hidden_rows_are_read_and_counted_below_the_header_only():
    rows = [[("Inventar", None)], header(), *([(f"T{n}", None)] for n in range(4))]
    table, read_rows = read(formatted(rows, hidden=(1, 4, 6)))
    assert [number for number, _cells in read_rows] == [3, 4, 5, 6]
    assert table.hidden_rows == 2


def test_a_formula_without_a_saved_result_is_a_problem_saying_what_to_do():
    data = formatted([header(), [("T1", None), ('=A2&"-S"', None)]])
    _table, [(_number, cells)] = read(data)
    assert isinstance(cells[1], CellProblem)
    assert cells[1].ref == "B2"
    assert "open the file in excel or libreoffice, save it" in cells[1].message.lower()


def test_a_formula_with_a_saved_result_reads_as_that_result():
    sheet = HEADER_ROW + (
        '<row r="2"><c r="A2" t="str"><f>"T"&amp;"1"</f><v>T1</v></c>'
        '<c r="B2"><f>1+1</f><v>2</v></c><c r="C2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
    )
    _table, [(_number, cells)] = read(raw(sheet), text_columns=frozenset({"tag", "serial"}))
    assert cells[:2] == ["T1", "2"]
    assert isinstance(cells[2], CellProblem)
    assert "#DIV/0!" in cells[2].message


def test_rows_and_cells_without_references_follow_the_ones_before():
    sheet = HEADER_ROW + (
        '<row><c t="inlineStr"><is><t>T1</t></is></c><c t="inlineStr"><is><t>S1</t></is></c></row>'
        '<row r="5"><c r="B5" t="inlineStr"><is><r><t>S</t></r><r><t>5</t></r>'
        "<rPh><t>x</t></rPh></is></c></row>"
    )
    _table, rows = read(raw(sheet))
    assert rows == [(2, ["T1", "S1"]), (5, ["", "S5"])]


def test_dates_are_dates_in_both_date_systems():
    sheet = HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>T1</t></is></c>'
    sheet += '<c r="B2" t="inlineStr"><is><t>S1</t></is></c><c r="C2" s="1"><v>{}</v></c></row>'
    _table, [(_n, cells)] = read(raw(sheet.format(44044), formats={1: "dd.mm.yyyy"}))
    assert cells[2] == datetime.date(2020, 8, 1)
    book1904 = raw(
        sheet.format(42582), formats={1: "dd.mm.yyyy"}, workbook_pr='<workbookPr date1904="1"/>'
    )
    _table, [(_n, cells)] = read(book1904)
    assert cells[2] == datetime.date(2020, 8, 1)


@override_settings(LERNSTATT_IMPORT_MAX_ROWS=3)
def test_the_row_limit_refuses_a_sheet_while_it_is_streamed_not_after_reading_it():
    # Behind the 40th data row the sheet is broken: a reader that loads the whole sheet
    # first calls the file damaged; the streaming one stops at the row limit before.
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>T{n}</t></is></c></row>'
        for n in range(2, 42)
    )
    data = raw(HEADER_ROW + rows + '<row r="42"><c r="A42"><v>1</v></c></broken>')
    with pytest.raises(FileRejected) as caught:
        read(data)
    assert caught.value.code == "too_many_rows"
