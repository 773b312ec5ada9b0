"""Property-based tests: whatever a school office uploads or types, the parsers give a value
or a clear domain error, never a crash; generated logins, DNs, filters and exported cells
keep their promises for any text."""

import csv
import datetime
import io
import re
import zipfile
from decimal import Decimal

import ldap3
import openpyxl
import pytest
from django.utils import translation
from hypothesis import HealthCheck, assume, example, given, reject, settings
from hypothesis import strategies as st
from ldap3.core.exceptions import LDAPEntryAlreadyExistsResult
from ldap3.utils.dn import parse_dn
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from accounts.directory.layout import eq_filter, rdn
from accounts.logins import login_allocate, login_candidates, transliterate
from core.errors import FileRejected
from core.sheets.read import read_table
from core.sheets.values import EXCEL_EPOCH, FORMULA_STARTS, clean_text, parse_date, parse_money
from core.sheets.write import SheetColumn, csv_cell, write_csv, write_xlsx

SPELLINGS = {"inventarnummer": "asset_tag", "seriennummer": "serial_number", "raum": "room"}
EXPECTED = ["Inventarnummer", "Seriennummer"]
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_all(data: bytes, filename: str) -> list:
    """Read a whole upload as an import does: the header, then every row."""
    table = read_table(data, filename, spellings=SPELLINGS, expected=EXPECTED)
    return list(table.rows())


def reads_or_rejects(data: bytes, filename: str) -> None:
    try:
        read_all(data, filename)
    except FileRejected as exc:
        assert exc.message.strip()
        assert exc.code


# -- readers --------------------------------------------------------------------------------

csv_text = st.lists(st.lists(st.text(max_size=12), max_size=5).map(";".join), max_size=8).map(
    "\r\n".join
)


@FAST
@given(data=st.binary(max_size=2000))
# Shaped like UTF-8 but not: an overlong form and a surrogate.
@example(data=b"\xe0\x80\x80")
@example(data=b"Inventarnummer;Seriennummer\r\nA\xed\xa0\x80;\xe4\r\n")
def test_the_reader_rejects_arbitrary_bytes_only_with_its_own_error(data):
    reads_or_rejects(data, "upload.csv")


@FAST
@given(body=st.binary(max_size=1500))
def test_the_reader_rejects_arbitrary_bytes_after_a_header_only_with_its_own_error(body):
    reads_or_rejects(b"Inventarnummer;Seriennummer\r\n" + body, "upload.csv")


@FAST
@given(text=csv_text, encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
def test_the_reader_reads_arbitrary_csv_text_or_rejects_it_clearly(text, encoding):
    data = ("Inventarnummer;Seriennummer;Raum\r\n" + text).encode(encoding, errors="replace")
    reads_or_rejects(data, "upload.csv")


@FAST
@given(body=st.binary(max_size=1500))
def test_the_reader_rejects_arbitrary_bytes_behind_a_zip_signature_with_its_own_error(body):
    reads_or_rejects(b"PK\x03\x04" + body, "upload.xlsx")


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Inventarnummer", "Seriennummer", "Raum"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


cell_value = st.one_of(
    st.none(),
    st.text(max_size=20).map(lambda text: ILLEGAL_CHARACTERS_RE.sub("", text)),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.booleans(),
)


@FEW
@given(rows=st.lists(st.lists(cell_value, max_size=4), max_size=6))
def test_the_reader_reads_an_xlsx_with_arbitrary_cells_or_rejects_it_clearly(rows):
    data = xlsx_bytes(rows)
    try:
        read = read_all(data, "upload.xlsx")
    except FileRejected as exc:
        # A workbook with a header has data, or is refused because it has none.
        assert exc.code == "no_data"
        assert all(cell in (None, "") or str(cell).strip() == "" for row in rows for cell in row)
        return
    assert all(number >= 2 for number, _cells in read)


@FEW
@given(
    rows=st.lists(st.lists(cell_value, max_size=3), min_size=1, max_size=3),
    position=st.integers(min_value=0),
    flipped=st.integers(min_value=1, max_value=255),
)
def test_the_reader_rejects_a_damaged_xlsx_only_with_its_own_error(rows, position, flipped):
    data = bytearray(xlsx_bytes(rows))
    position %= len(data)
    data[position] ^= flipped
    reads_or_rejects(bytes(data), "upload.xlsx")


@FEW
@given(rows=st.lists(st.lists(cell_value, max_size=3), min_size=1, max_size=3), cut=st.floats(0, 1))
def test_the_reader_rejects_a_cut_off_xlsx_only_with_its_own_error(rows, cut):
    data = xlsx_bytes(rows)
    reads_or_rejects(data[: int(len(data) * cut)], "upload.xlsx")


# -- dates ----------------------------------------------------------------------------------

# Before 1 March 1900 Excel's serial numbers count a 29 February that never was.
dates = st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(9999, 12, 31))


@FAST
@given(day=dates)
def test_a_date_in_every_accepted_spelling_parses_to_that_date(day):
    assert parse_date(f"{day.day:02d}.{day.month:02d}.{day.year:04d}") == day
    assert parse_date(f"{day.day}.{day.month}.{day.year:04d}") == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.isoformat()} 00:00:00") == day
    assert parse_date(datetime.datetime.combine(day, datetime.time(13, 5))) == day
    assert parse_date(day) == day


@FAST
@given(day=st.dates(min_value=datetime.date(1980, 1, 1), max_value=datetime.date(2100, 12, 31)))
def test_an_excel_serial_number_of_1980_to_2100_parses_to_its_date(day):
    serial = (day - EXCEL_EPOCH).days
    assert parse_date(serial) == day
    assert parse_date(float(serial) + 0.75) == day  # a time of day is dropped


@FAST
@given(value=st.one_of(st.text(max_size=30), st.integers(), st.floats()))
def test_any_cell_parses_to_a_date_or_a_clear_error(value):
    try:
        with translation.override("en"):
            parsed = parse_date(value)
    except ValueError as exc:
        assert "not a date" in str(exc)
        return
    if parsed is None:
        assert clean_text(value) == ""
    else:
        assert isinstance(parsed, datetime.date)


@FAST
@given(day=st.integers(1, 31), month=st.integers(1, 12), year=st.integers(1000, 9999))
def test_a_day_that_does_not_exist_is_refused_not_moved(day, month, year):
    text = f"{day:02d}.{month:02d}.{year}"
    try:
        real = datetime.date(year, month, day)
    except ValueError:
        with pytest.raises(ValueError, match=re.escape(text)):
            parse_date(text)
    else:
        assert parse_date(text) == real


# -- money ----------------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2)


def german(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


@FAST
@given(amount=amounts)
def test_an_amount_in_german_or_english_spelling_parses_to_that_amount(amount):
    assert parse_money(f"{german(amount)} €") == amount
    assert parse_money(f"EUR {german(amount)}") == amount
    assert parse_money(german(amount)) == amount
    assert parse_money(f"{amount:,.2f}") == amount
    assert parse_money(f"{amount:.2f}") == amount
    assert parse_money(float(amount)) == amount


@FAST
@given(euros=st.integers(0, 99_999_999))
def test_whole_euros_parse_as_written_and_as_numbers(euros):
    assert parse_money(str(euros)) == Decimal(euros)
    assert parse_money(euros) == Decimal(euros)
    assert parse_money(f"{euros} €") == Decimal(euros)


@FAST
@given(value=st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.decimals()))
def test_any_cell_parses_to_a_price_or_a_clear_error(value):
    try:
        with translation.override("en"):
            amount = parse_money(value)
    except ValueError as exc:
        assert "amount of money" in str(exc) or "price" in str(exc)
        return
    if amount is not None:
        assert amount.is_finite()
        assert Decimal(0) <= amount < Decimal(100_000_000)
        assert amount == amount.quantize(Decimal("0.01"))


# -- logins ---------------------------------------------------------------------------------

LOGIN = re.compile(r"[a-z0-9](?:[a-z0-9.]{0,18}[a-z0-9])?")
names = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="äöüÄÖÜßẞéèçñłø -'", max_size=30),
    st.sampled_from(["", " ", "A", "李", "محمد", "שרה", "👩‍👩‍👧", "\u200f", "Ｍüller", "Æsa"]),
)
patterns = st.sampled_from(["{first}.{last}", "{f}.{last}", "{last}.{f}", "{first}{last}"])


@FAST
@given(first=names, last=names, pattern=patterns)
def test_every_login_is_lowercase_a_to_z_digits_and_dots_at_most_20_long(first, last, pattern):
    candidates = login_candidates(first_name=first, last_name=last, role="student", pattern=pattern)
    assert candidates
    for login in candidates:
        assert LOGIN.fullmatch(login), login
        assert ".." not in login


@FAST
@given(
    first=names,
    last=names,
    taken=st.sets(st.text(alphabet="abcdefghij.0123456789", min_size=1, max_size=20)),
)
def test_a_numbered_login_stays_within_20_characters_and_is_free(first, last, taken):
    base = login_candidates(first_name=first, last_name=last, role="student")[0]
    taken = {*taken, base, base[:18] + "2"}
    login = login_allocate(base=base, taken=taken)
    assert LOGIN.fullmatch(login)
    assert login not in taken


GERMAN = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "ae", "Ö": "oe", "Ü": "ue", "ß": "ss", "ẞ": "ss"}


@FAST
@given(name=st.text(alphabet="aAbBzZäöüÄÖÜßẞ09", max_size=30))
def test_german_letters_are_spelled_out(name):
    expected = "".join(GERMAN.get(ch, ch.lower()) for ch in name)
    assert transliterate(name) == expected


@FAST
@given(name=st.text())
def test_transliteration_gives_a_to_z_and_digits_and_is_stable(name):
    spelled = transliterate(name)
    assert re.fullmatch(r"[a-z0-9]*", spelled)
    assert transliterate(spelled) == spelled


# -- DNs and filters ------------------------------------------------------------------------


def unescape(value: str) -> str:
    """An RDN value as RFC 4514 reads it: \\XX is a byte, \\c the character c."""
    raw = bytearray()
    i = 0
    while i < len(value):
        if value[i] == "\\":
            pair = value[i + 1 : i + 3]
            if len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair):
                raw.append(int(pair, 16))
                i += 3
                continue
            raw.extend(value[i + 1].encode())
            i += 2
            continue
        raw.extend(value[i].encode())
        i += 1
    return raw.decode("utf-8")


@FAST
@given(value=st.text(min_size=1, max_size=40))
def test_an_escaped_rdn_parses_back_to_one_rdn_with_the_original_value(value):
    parsed = parse_dn(f"{rdn('cn', value)},ou=schools,dc=example,dc=org")
    assert len(parsed) == 4
    attribute, escaped, _separator = parsed[0]
    assert attribute == "cn"
    assert unescape(escaped) == value


# The values a directory can hold in a cn: a non-blank UTF-8 text without NUL.
cn_values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("*()\\ ,=+#"),
    min_size=1,
    max_size=20,
).filter(lambda text: text.strip())
DECOYS = ["*", "a", "x)(cn=*", "\\2a", "("]


def _normal(text: str) -> str:
    # How slapd compares a cn (caseIgnoreMatch): case and runs of spaces do not count.
    return " ".join(text.casefold().split())


@pytest.mark.integration
def test_an_escaped_filter_value_matches_only_itself_in_the_directory(slapd_server):
    conn = slapd_server.connect()
    container = slapd_server.subtree().base_dn
    counter = iter(range(10**6))

    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
    @given(value=cn_values)
    def check(value):
        assume(all(_normal(value) != _normal(decoy) for decoy in DECOYS))
        base = f"ou=case{next(counter)},{container}"
        conn.add(base, ["organizationalUnit"], {"ou": base.split(",")[0][3:]})
        for cn in [value, *DECOYS]:
            try:
                conn.add(f"{rdn('cn', cn)},{base}", ["device"], {"cn": cn})
            except LDAPEntryAlreadyExistsResult:
                # The directory's own matching (LDAPprep, RFC 4518) holds the value equal
                # to a decoy, e.g. a soft hyphen is mapped to nothing: no case for this test.
                reject()
        conn.search(base, eq_filter("cn", value), search_scope=ldap3.LEVEL, attributes=["cn"])
        found = [entry.entry_attributes_as_dict["cn"] for entry in conn.entries]
        assert len(found) == 1, found
        assert value in found[0]

    try:
        check()
    finally:
        conn.unbind()


# -- formula guard --------------------------------------------------------------------------

texts = st.one_of(
    st.text(max_size=30),
    st.builds(
        lambda start, rest: start + rest, st.sampled_from(FORMULA_STARTS), st.text(max_size=20)
    ),
)


def runs_as_formula(text: str) -> bool:
    return text[:1] in FORMULA_STARTS


@FAST
@given(cells=st.lists(texts, min_size=1, max_size=4))
def test_no_csv_cell_written_starts_like_a_formula(cells):
    columns = [SheetColumn(f"Spalte {n}") for n in range(len(cells))]
    buffer = io.BytesIO()
    write_csv(buffer, columns=columns, rows=[cells])
    text = buffer.getvalue().decode("utf-8-sig")
    _header, row = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert not any(runs_as_formula(cell) for cell in row)
    assert [clean_text(cell) for cell in row] == [clean_text(cell) for cell in cells]
    assert [csv_cell(cell) for cell in cells] == row


@FEW
@given(cells=st.lists(texts, min_size=1, max_size=4), header=texts)
def test_no_xlsx_cell_written_is_a_formula_and_every_text_reads_back_unchanged(cells, header):
    columns = [SheetColumn(header), *(SheetColumn(f"Spalte {n}") for n in range(len(cells) - 1))]
    buffer = io.BytesIO()
    write_xlsx(buffer, sheet_name="Liste", columns=columns, rows=[cells])
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
    written = [sheet.cell(1, 1).value, *(sheet.cell(2, n + 1).value for n in range(len(cells)))]
    for original, value in zip([header, *cells], written, strict=True):
        # Characters XML cannot hold are written as Excel writes them (_xHHHH_), which
        # openpyxl does not decode; every other text reads back exactly.
        if ILLEGAL_CHARACTERS_RE.sub("", original) == original and not {"_x", "\r"} & {
            original[i : i + 2] for i in range(len(original))
        } | set(original):
            assert (value or "") == original
