import datetime
import io
import random

import pytest
from django.test import override_settings
from django.utils import translation

from core.errors import FileRejected
from core.sheets.read import HEADER_SEARCH_ROWS, read_table
from core.sheets.values import fold
from tests.inventory.files import csv_bytes, xlsx, zip_bytes

NAMES = {
    "tag": ("Inventarnummer", "Asset tag"),
    "serial": ("Seriennummer", "Serial number"),
    "bought": ("Kaufdatum", "Purchase date"),
    "price": ("Kaufpreis", "Price"),
    "notes": ("Bemerkung", "Notes"),
}
SPELLINGS = {fold(name): key for key, names in NAMES.items() for name in names}
HEADER = ["Inventarnummer", "Seriennummer", "Kaufdatum", "Kaufpreis", "Bemerkung"]


def read(data: bytes, filename: str = "inventar.xlsx", **kwargs):
    return read_table(
        data, filename, spellings=SPELLINGS, expected=["Inventarnummer", "Seriennummer"], **kwargs
    )


def rows_of(table) -> list[tuple[int, list]]:
    """(row number, cells without the empty ones at the end) of each data row."""
    result = []
    for number, cells in table.rows():
        cells = list(cells)
        while cells and cells[-1] in ("", None):
            cells.pop()
        result.append((number, cells))
    return result


def refusal(data: bytes, filename: str = "inventar.xlsx", **kwargs) -> FileRejected:
    with translation.override("en"), pytest.raises(FileRejected) as caught:
        rows_of(read(data, filename, **kwargs))
    return caught.value


# Finding the header


def test_header_below_a_title_and_blank_rows_is_found_and_rows_keep_excel_numbers():
    data = xlsx(
        [
            ["Inventarliste Gymnasium am Park, Stand 08/2024"],
            [],
            ["Inventarnummer", "Seriennummer"],
            ["INV-1", "S1"],
            [],
            [None, None],
            ["INV-2", "S2"],
        ]
    )
    table = read(data)
    assert table.header_row == 3
    assert rows_of(table) == [(4, ["INV-1", "S1"]), (7, ["INV-2", "S2"])]


def test_headers_match_in_any_order_case_spacing_and_language():
    data = xlsx([[" SERIAL NUMBER ", "bemerkung", "inventar-nummer  "], ["S1", "x", "INV-1"]])
    table = read(data)
    assert table.columns == {"serial": 0, "notes": 1, "tag": 2}
    assert table.headers == {
        "serial": "SERIAL NUMBER",
        "notes": "bemerkung",
        "tag": "inventar-nummer",
    }


def test_unknown_columns_are_reported_and_their_cells_left_aside():
    data = xlsx([["Inventarnummer", "Farbe", "Seriennummer", "Zuständig"], ["INV-1", "rot", "S1"]])
    table = read(data)
    assert table.unknown_columns == ["Farbe", "Zuständig"]
    assert table.columns == {"tag": 0, "serial": 2}


def test_a_header_further_down_than_the_search_is_not_taken():
    data = xlsx([[f"Zeile {n}"] for n in range(HEADER_SEARCH_ROWS)] + [HEADER, ["INV-1"]])
    assert refusal(data).code == "no_header"


def test_xlsx_cells_keep_dates_numbers_and_text_as_typed():
    data = xlsx([HEADER, ["007", 12345, datetime.date(2020, 8, 1), 649.5, "01.08.2020"]])
    [(number, cells)] = rows_of(read(data))
    assert number == 2
    assert cells[0] == "007"
    assert cells[1] == 12345
    assert cells[2] in (datetime.date(2020, 8, 1), datetime.datetime(2020, 8, 1))
    assert cells[3] == 649.5
    assert cells[4] == "01.08.2020"


def test_the_first_sheet_with_a_header_is_read():
    data = xlsx(
        [HEADER, ["INV-1", "S1"]],
        sheets={"Deckblatt": [["Inventar der Schule"], ["Stand: 2024"]]},
    )
    assert rows_of(read(data)) == [(2, ["INV-1", "S1"])]


# CSV


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_in_each_encoding_and_delimiter_reads_umlauts_and_commas(encoding, delimiter):
    rows = [HEADER, ["INV-1", "S1", "01.08.2020", "1.234,50 €", "Gerät für Schüler, Raum 1"]]
    table = read(csv_bytes(rows, delimiter=delimiter, encoding=encoding), "inventar.csv")
    assert rows_of(table) == [(2, rows[1])]


def test_unicode_text_from_excel_is_read_with_tabs():
    data = csv_bytes(
        [HEADER, ["INV-1", "S1", "", "", "Schüler"]], delimiter="\t", encoding="utf-16"
    )
    assert rows_of(read(data, "inventar.txt")) == [(2, ["INV-1", "S1", "", "", "Schüler"])]


def test_csv_cell_with_a_line_break_stays_one_row():
    rows = [["Titel"], HEADER, ["INV-1", "S1", "", "", "erste Zeile\nzweite Zeile"], ["INV-2"]]
    table = read(csv_bytes(rows), "inventar.csv")
    assert [number for number, _cells in table.rows()] == [3, 4]
    assert table.header_row == 2


def test_csv_delimiter_is_the_one_under_which_the_header_is_found():
    # Semicolons in the title and commas in the notes must not mislead the choice.
    text = 'Liste; Stand 2024\r\nInventarnummer,Bemerkung\r\nINV-1,"a; b, c"\r\n'
    table = read(text.encode(), "liste.csv")
    assert rows_of(table) == [(3, ["INV-1", "a; b, c"])]


# Refusals: one clear error, nothing read


def test_pdf_is_not_a_spreadsheet():
    error = refusal(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "inventar.pdf")
    assert error.code == "not_a_spreadsheet"
    assert "is not an Excel workbook (.xlsx) or a CSV file" in error.message


def test_word_document_renamed_xlsx_is_not_a_spreadsheet():
    data = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    assert refusal(data).code == "not_a_spreadsheet"


def test_random_bytes_renamed_xlsx_are_not_a_spreadsheet():
    data = random.Random(1).randbytes(4096)
    assert refusal(data).code == "not_a_spreadsheet"


def test_truncated_xlsx_is_damaged():
    data = xlsx([HEADER, ["INV-1", "S1"]])
    error = refusal(data[: len(data) // 2])
    assert error.code == "file_damaged"
    assert "save it again as Excel workbook (.xlsx)" in error.message


def test_xlsx_with_broken_sheet_xml_is_damaged():
    source = zipfile_entries(xlsx([HEADER, ["INV-1", "S1"]]))
    source["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row><c r='A1' t='s'><v>"
    assert refusal(zip_bytes(source)).code == "file_damaged"


def zipfile_entries(data: bytes) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def test_password_protected_workbook_says_to_save_it_without_password():
    data = OLE + "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le")
    error = refusal(data)
    assert error.code == "file_encrypted"
    assert "protected by a password" in error.message
    assert "save it without a password" in error.message


def test_old_xls_says_to_save_as_xlsx():
    error = refusal(OLE + "Workbook".encode("utf-16-le"), "inventar.xls")
    assert error.code == "old_excel_format"
    assert "save it as Excel workbook (.xlsx)" in error.message


def test_empty_file_is_refused():
    assert refusal(b"", "leer.csv").code == "file_empty"


@override_settings(LERNSTATT_IMPORT_MAX_BYTES=2000)
def test_file_larger_than_the_limit_is_refused_before_reading():
    error = refusal(csv_bytes([HEADER] + [["INV-1", "S1"]] * 200), "gross.csv")
    assert error.code == "file_too_large"
    assert "at most 0" in error.message  # 2000 bytes, shown in MB


@override_settings(LERNSTATT_IMPORT_MAX_ROWS=3)
def test_more_rows_than_the_limit_are_refused_and_reading_stops():
    assert len(rows_of(read(xlsx([HEADER] + [["INV-1"]] * 3)))) == 3
    error = refusal(xlsx([HEADER] + [["INV-1"]] * 4))
    assert error.code == "too_many_rows"
    assert "more than 3 rows" in error.message


@override_settings(LERNSTATT_IMPORT_MAX_BYTES=50_000)
def test_zip_bomb_is_refused_before_it_is_unpacked():
    entries = zipfile_entries(xlsx([HEADER, ["INV-1", "S1"]]))
    entries["xl/worksheets/sheet1.xml"] = b"<worksheet>" + b" " * 5_000_000 + b"</worksheet>"
    error = refusal(zip_bytes(entries))
    assert error.code == "file_suspicious"


def test_table_without_known_headers_names_the_expected_columns():
    error = refusal(xlsx([["Name", "Vorname"], ["Muster", "Erika"]]))
    assert error.code == "no_header"
    assert "Inventarnummer, Seriennummer" in error.message


def test_header_without_data_rows_is_refused():
    error = refusal(xlsx([["Titel"], HEADER, [], [None]]))
    assert error.code == "no_data"
    assert "no rows with data" in error.message
