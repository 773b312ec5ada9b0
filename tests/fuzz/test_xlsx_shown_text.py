"""Property-based: a number in a text-like column of a workbook is read as the text the
spreadsheet program shows for it, for the number formats school offices use there."""

import io
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.sheets.read import read_table

SPELLINGS = {"inventarnummer": "asset_tag", "seriennummer": "serial_number", "raum": "room"}
FORMATS = ("0", "00000", "0.00", "@", "General")

numbers = st.one_of(
    st.integers(0, 10**12).map(Decimal),
    st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False),
)


def shown(value: Decimal, number_format: str) -> str:
    """What Excel and LibreOffice show (decimal point as the format code writes it)."""
    if number_format in ("@", "General"):
        text = f"{value.normalize():f}"
        return text
    places = number_format.partition(".")[2]
    rounded = value.quantize(Decimal(1).scaleb(-len(places)), rounding=ROUND_HALF_UP)
    whole, _dot, decimals = f"{rounded:f}".partition(".")
    whole = whole.zfill(number_format.partition(".")[0].count("0"))
    return whole + ("." + decimals if decimals else "")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(st.tuples(numbers, st.sampled_from(FORMATS)), min_size=1, max_size=8))
def test_a_formatted_number_in_a_text_column_reads_as_the_spreadsheet_shows_it(cells):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Inventarnummer", "Seriennummer", "Raum"])
    for number, (value, number_format) in enumerate(cells, start=2):
        cell = sheet.cell(row=number, column=1, value=float(value))
        cell.number_format = number_format
        sheet.cell(row=number, column=2, value="S")
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(
        buffer.getvalue(),
        "inventar.xlsx",
        spellings=SPELLINGS,
        expected=["Inventarnummer"],
        text_columns=frozenset({"asset_tag"}),
    )
    read = [cells[0] for _number, cells in table.rows()]
    assert read == [shown(value, number_format) for value, number_format in cells]
