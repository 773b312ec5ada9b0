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


# Encodings: decoded strictly, never stored as mojibake


def test_utf8_bom_in_front_of_windows_1252_text_is_refused_naming_the_line():
    text = "Inventarnummer;Bemerkung\r\nINV-1;Gerät\r\n"
    error = refusal(b"\xef\xbb\xbf" + text.encode("cp1252"), "inventar.csv")
    assert error.code == "encoding_mismatch"
    assert "line 2" in error.message.lower() and "CSV UTF-8" in error.message


def test_utf8_file_with_one_windows_1252_line_is_refused_as_mixed():
    data = (
        "Inventarnummer;Förderprogramm\r\nINV-1;Gerät\r\n".encode()
        + "INV-2;Gerät\r\n".encode("cp1252")
        + "INV-3;Schüler\r\n".encode()
    )
    error = refusal(data, "inventar.csv")
    assert error.code == "encoding_mixed"
    assert "line 3" in error.message.lower()


def test_double_encoded_utf8_is_refused_naming_the_line():
    text = "Inventarnummer;Bemerkung\r\nINV-1;Tasche\r\nINV-2;GerÃ¤t\r\n"
    error = refusal(text.encode("utf-8-sig"), "inventar.csv")
    assert error.code == "text_damaged"
    assert "line 3" in error.message.lower() and "Ã¤" in error.message


def test_replacement_character_in_a_csv_is_refused():
    error = refusal("Inventarnummer;Bemerkung\nINV-1;Ger\ufffdt\n".encode(), "inventar.csv")
    assert error.code == "text_damaged"
    assert "line 2" in error.message.lower()


def test_mac_roman_csv_from_an_old_excel_for_mac_is_refused():
    text = "Inventarnummer;Bemerkung\rINV-1;Gerät für Schüler\r"
    error = refusal(text.encode("mac_roman"), "inventar.csv")
    assert error.code == "encoding_unknown"
    assert "line 2" in error.message.lower() and "Mac" in error.message


def test_windows_1252_text_with_a_quote_after_sharp_s_is_read_as_windows_1252():
    # ß followed by “ is also a valid UTF-8 byte pair; it must not count as mixed encodings.
    rows = [["Inventarnummer", "Bemerkung"], ["INV-1", "„Fuß“ – Gerät"]]
    table = read(csv_bytes(rows, encoding="cp1252"), "inventar.csv")
    assert rows_of(table) == [(2, ["INV-1", "„Fuß“ – Gerät"])]


def test_ctrl_z_at_the_end_of_a_csv_is_ignored():
    data = "Inventarnummer;Seriennummer\r\nINV-1;S1\r\n\x1a".encode("cp1252")
    assert rows_of(read(data, "inventar.csv")) == [(2, ["INV-1", "S1"])]
    assert rows_of(read(data[:-3] + b"\x1a", "inventar.csv")) == [(2, ["INV-1", "S1"])]


def test_a_large_csv_is_read_without_holding_its_text():
    import tracemalloc

    line = "INV-{};S{};01.08.2020;649,00;Gerät für die Klasse 5a\r\n"
    data = (
        "Inventarnummer;Seriennummer;Kaufdatum;Kaufpreis;Bemerkung\r\n"
        + "".join(line.format(index, index) for index in range(100_000))
    ).encode()
    assert len(data) > 5_000_000
    tracemalloc.start()
    try:
        count = sum(1 for _row in read(data, "inventar.csv").rows())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 100_000
    assert peak < 3 * 1024 * 1024  # a few chunks, not the text of the file


# Choosing the sheet and the header row


def test_cover_sheet_with_a_small_summary_table_loses_to_the_data_sheet():
    cover = [["Inventarnummer", "Kaufpreis"], ["Summe", 1298]]
    data = xlsx(
        [["Deckblatt"]],
        # The helper puts each sheet in front: Übersicht, Geräte, then the first sheet.
        sheets={
            "Geräte": [HEADER, ["INV-1", "S1", "", 649]],
            "Übersicht": cover,
        },
    )
    table = read(data)
    assert rows_of(table) == [(2, ["INV-1", "S1", "", 649])]
    assert set(table.columns) == {"tag", "serial", "bought", "price", "notes"}


def test_title_block_with_labelled_values_is_not_the_header():
    spellings = {**SPELLINGS, "schule": "school", "raum": "room"}
    rows = [
        ["Schule:", "193001", "Raum:", "A101"],
        [],
        ["Inventarnummer", "Seriennummer", "Raum"],
        ["INV-1", "S1", "A101"],
    ]
    table = read_table(xlsx(rows), "inventar.xlsx", spellings=spellings, expected=["x"])
    assert table.header_row == 3
    assert table.columns == {"tag": 0, "serial": 1, "room": 2}


def test_two_row_header_with_a_merged_group_header_is_read_as_one():
    # A1:A2 "Inventarnummer" merged down; "Kauf" merged over C1:D1 above "datum", "preis";
    # "Gerät" merged over B1 alone above "Seriennummer".
    rows = [
        ["Inventarnummer", "Gerät", "Kauf", None, "Bemerkung"],
        [None, "Seriennummer", "datum", "preis", None],
        ["INV-1", "S1", "01.08.2020", "649,00", "neu"],
    ]
    table = read(xlsx(rows))
    assert table.header_row == 2
    assert table.columns == {"tag": 0, "serial": 1, "bought": 2, "price": 3, "notes": 4}
    assert table.headers["bought"] == "Kauf datum"
    assert rows_of(table) == [(3, ["INV-1", "S1", "01.08.2020", "649,00", "neu"])]


def test_a_known_column_named_twice_is_reported_not_dropped_silently():
    rows = [["Inventarnummer", "Bemerkung", "Seriennummer", "Bemerkung"], ["INV-1", "a", "S", "b"]]
    with translation.override("en"):
        table = read(xlsx(rows))
    assert table.columns["notes"] == 1
    assert table.unknown_columns == []
    assert table.skipped == [
        {
            "row": 1,
            "column": "Bemerkung",
            "message": "The column “Bemerkung” appears twice (columns B and D); only column B "
            "is read.",
        }
    ]


def test_a_known_group_header_above_an_unknown_one_is_reported():
    rows = [
        ["Inventarnummer", "Seriennummer", None, None],
        [None, "Gerät", "Notiz", "Kaufdatum"],
        ["INV-1", "S1", "x", "01.08.2020"],
    ]
    spellings = {**SPELLINGS, "notiz": "notes"}
    table = read_table(xlsx(rows), "inventar.xlsx", spellings=spellings, expected=["x"])
    # Row 2 with row 1 names three columns, row 1 alone two; "Seriennummer" in row 1 has "Gerät"
    # under it, so it is not read, and the preview says so.
    assert table.header_row == 2
    assert table.columns == {"tag": 0, "notes": 2, "bought": 3}
    assert [(item["row"], item["column"]) for item in table.skipped] == [(1, "Seriennummer")]


# Totals rows


@pytest.mark.parametrize("label", ["Summe", "Gesamt:", "Total", "Summe: 2"])
def test_totals_row_at_the_end_is_skipped_and_said(label):
    rows = [HEADER, ["INV-1", "S1", "", 649], ["INV-2", "S2", "", 649], [], [label, "", "", 1298]]
    with translation.override("en"):
        table = read(xlsx(rows))
        assert [number for number, _cells in table.rows()] == [2, 3]
    assert table.skipped == [
        {
            "row": 5,
            "column": "",
            "message": f"A totals row (“{label}”) at the end of the table; it is not imported.",
        }
    ]


def test_totals_row_with_a_sum_formula_in_a_csv_is_skipped():
    data = "Inventarnummer;Kaufpreis\nINV-1;649,00\nINV-2;649,00\nGesamt;=SUMME(B2:B3)\n"
    table = read(data.encode(), "inventar.csv")
    assert [number for number, _cells in table.rows()] == [2, 3]
    assert [item["row"] for item in table.skipped] == [4]


def test_a_totals_row_between_data_rows_stays_a_data_row():
    rows = [HEADER, ["INV-1"], ["Summe", "", "", 649], ["INV-2"]]
    table = read(xlsx(rows))
    assert [number for number, _cells in table.rows()] == [2, 3, 4]
    assert table.skipped == []
