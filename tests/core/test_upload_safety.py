"""Uploads are judged by their content, not their name, and a crafted workbook can
neither exhaust memory nor make the server read its own files."""

import io
import zipfile

import pytest
from django.utils import translation

from core.errors import FileRejected
from core.sheets.read import read_table
from core.sheets.values import fold
from tests.inventory.files import xlsx, zip_bytes

SPELLINGS = {fold("Inventarnummer"): "tag", fold("Seriennummer"): "serial"}
HEADER = ["Inventarnummer", "Seriennummer"]

LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + b"".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b"]>\n"
)


def cells(data: bytes) -> list[list[str]]:
    table = read_table(data, "inventar.xlsx", spellings=SPELLINGS, expected=HEADER)
    return [[str(cell) for cell in row] for _number, row in table.rows()]


def entries_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def with_doctype(part: str, doctype: bytes, reference: bytes) -> bytes:
    """The workbook HEADER / [INV-1, S1] whose `part` starts with `doctype` and has the
    first shared or inline text INV-1 replaced by `reference`."""
    entries = entries_of(xlsx([HEADER, ["INV-1", "S1"]]))
    xml = entries[part]
    if xml.startswith(b"<?xml"):
        xml = xml.split(b"?>", 1)[1]
    assert b"INV-1" in xml
    entries[part] = doctype + xml.replace(b"INV-1", reference, 1)
    return zip_bytes(entries)


def text_part(data: bytes) -> str:
    names = entries_of(data)
    return "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in names else "xl/worksheets/sheet1.xml"


def test_a_program_renamed_xlsx_is_refused_as_not_a_spreadsheet():
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200) + b"PE\x00\x00"
    with translation.override("en"), pytest.raises(FileRejected) as caught:
        cells(exe)
    assert caught.value.code == "not_a_spreadsheet"


def test_a_zip_renamed_xlsx_without_a_workbook_is_refused():
    data = zip_bytes({"setup.exe": b"MZ" + bytes(100)})
    with pytest.raises(FileRejected) as caught:
        cells(data)
    assert caught.value.code == "not_a_spreadsheet"


def test_a_billion_laughs_workbook_is_refused_or_read_without_expanding_entities():
    data = xlsx([HEADER, ["INV-1", "S1"]])
    bomb = with_doctype(text_part(data), LAUGHS, b"&lol9;")
    try:
        rows = cells(bomb)
    except FileRejected as refused:
        assert refused.code == "file_damaged"
        return
    text = "".join("".join(row) for row in rows)
    assert "lollol" not in text  # 10^9 "lol"s were not built
    assert len(text) < 1000


def test_an_external_entity_does_not_read_a_file_of_the_server(tmp_path):
    secret = tmp_path / "geheim.txt"
    secret.write_text("GEHEIMES-PASSWORT")
    data = xlsx([HEADER, ["INV-1", "S1"]])
    doctype = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'.encode()
    crafted = with_doctype(text_part(data), doctype, b"&xxe;")
    try:
        rows = cells(crafted)
    except FileRejected as refused:
        assert refused.code == "file_damaged"
        return
    assert "GEHEIMES-PASSWORT" not in repr(rows)
