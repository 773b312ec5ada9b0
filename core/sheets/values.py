"""Cell values as school offices type them, turned into Python values.

Each parser takes what a spreadsheet cell holds (str, int, float, bool, date, datetime or
None) and returns a value or raises ValueError with a message a secretary understands.
"""

import datetime
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.formats import decimal_text

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
EXCEL_EPOCH = datetime.date(1899, 12, 30)
# A cell starting with one of these could be run as a formula by a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def fold(text: str) -> str:
    """Lowercase, German umlauts spelled out, accents dropped, only letters and digits kept:
    'Garantie bis', 'garantie_bis' and ' GARANTIE-BIS ' all fold to 'garantiebis'."""
    text = str(text).casefold().translate(_UMLAUTS)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if ch.isalnum() and ch.isascii())


def lower_key(text: str) -> str:
    """Lower case as the databases' LOWER() (and so their unique indexes) make it: one
    character at a time. Python's own lower() writes "İ" as two characters and a final
    "Σ" as "ς", where PostgreSQL writes "i" and "σ": keys that Python keeps apart but the
    database holds equal would pass the preview and fail the apply."""
    if text.isascii():
        return text.lower()
    return "".join(ch.lower()[:1] for ch in text)


def clean_text(value: object) -> str:
    """A cell as text: trimmed, in Unicode normal form NFC, inner whitespace runs kept,
    numbers without a spurious '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d.%m.%Y")
    # NFC: a name typed on a Mac (decomposed, "u" + combining diaeresis) is the same text
    # as one typed on Windows, so it matches what is stored.
    text = unicodedata.normalize("NFC", str(value).replace("\u00a0", " "))
    # An export's guard against formula injection (see core.sheets.write): read it back,
    # before trimming, since the guarded character may itself be a tab or a CR.
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        return text[1:].strip()
    text = text.strip()
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d-%m-%Y", "%Y/%m/%d")
# Excel serial day numbers taken as dates: 01.01.1980 to 31.12.2100. Any other number in a
# date column is a year, a count of years or a mistake, never a date.
SERIAL_MIN = (datetime.date(1980, 1, 1) - EXCEL_EPOCH).days  # 29221
SERIAL_MAX = (datetime.date(2100, 12, 31) - EXCEL_EPOCH).days  # 73415
# The orders in which a date with slashes may be written: 08/01/2021 is 8 January (dmy,
# the German way) or 1 August (mdy, the American way and LibreOffice's in en-US).
DATE_ORDERS = ("dmy", "mdy")
_SLASH = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")
_MIDNIGHT = re.compile(r"^(\S+) 00:00(:00)?$")


def slash_parts(value: object) -> tuple[int, int] | None:
    """The first two numbers of a date written with slashes (08/01/2021 → (8, 1)), whose
    order is not known from the date alone; None for any other cell."""
    if value.__class__ is not str:
        return None
    text = value.strip()
    match = _MIDNIGHT.match(text)
    match = _SLASH.fullmatch(match.group(1) if match else text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _number_is_no_date(number: float) -> ValueError:
    shown = int(number) if float(number).is_integer() else decimal_text(number)
    if float(number).is_integer() and 1900 <= number <= 2100:
        return ValueError(_("%(value)s is a year, not a date.") % {"value": shown})
    if 0 <= number < 100:
        return ValueError(
            _("%(value)s is a number, not a date – are years meant?") % {"value": shown}
        )
    return ValueError(
        _("%(value)s is a number, not a date. Please write it as DD.MM.YYYY, e.g. 01.08.2020.")
        % {"value": shown}
    )


def parse_date(value: object, order: str = "dmy") -> datetime.date | None:
    """A date cell: a date, an Excel serial day number of 1980 to 2100, or text written
    DD.MM.YYYY, YYYY-MM-DD or with slashes in `order` (dmy or mdy). A bare number outside
    that range, or a year written alone, is an error that says what it looks like."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        # An Excel serial day number in a cell not formatted as a date.
        if value == value and SERIAL_MIN <= value < SERIAL_MAX + 1:
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(_("“%(value)s” is not a date.") % {"value": value})
        raise _number_is_no_date(value)
    text = clean_text(value)
    if not text:
        return None
    match = _MIDNIGHT.match(text)
    text = match.group(1) if match else text
    if re.fullmatch(r"\d{1,4}", text):
        raise _number_is_no_date(int(text))
    parts = slash_parts(text)
    if parts is not None:
        day, month = parts if order != "mdy" else parts[::-1]
        year = _SLASH.fullmatch(text).group(3)
        try:
            return datetime.datetime.strptime(
                f"{day}.{month}.{year}", "%d.%m.%" + ("Y" if len(year) == 4 else "y")
            ).date()
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(
        _("“%(value)s” is not a date. Please write it as DD.MM.YYYY, e.g. 01.08.2020.")
        % {"value": text}
    )


@dataclass(frozen=True)
class DateOrder:
    """How a column's dates with slashes are read: `order` (dmy or mdy); `assumed` when
    every one of them could be read either way, so the order is the importer's choice;
    `conflict` when some can only be day first and others only month first, with the
    rows of each (then none of them is read)."""

    order: str
    assumed: bool = False
    conflict: bool = False
    day_first_rows: tuple[int, ...] = ()
    month_first_rows: tuple[int, ...] = ()


def date_order_of(cells: Iterable[tuple[int, object]], default: str = "dmy") -> DateOrder:
    """The order of day and month of a column's dates with slashes, from its (row, cell)
    pairs: a first number above 12 means day first, a second one above 12 month first;
    both in one column is a conflict. When the values do not tell, `default` is assumed."""
    day_first: list[int] = []
    month_first: list[int] = []
    for row, cell in cells:
        parts = slash_parts(cell)
        if parts is None:
            continue
        if parts[0] > 12:
            day_first.append(row)
        elif parts[1] > 12:
            month_first.append(row)
    if day_first and month_first:
        return DateOrder(
            default,
            conflict=True,
            day_first_rows=tuple(day_first),
            month_first_rows=tuple(month_first),
        )
    if day_first:
        return DateOrder("dmy", day_first_rows=tuple(day_first))
    if month_first:
        return DateOrder("mdy", month_first_rows=tuple(month_first))
    return DateOrder(default if default in DATE_ORDERS else "dmy", assumed=True)


def _rows_text(rows: tuple[int, ...]) -> str:
    shown = ", ".join(str(row) for row in rows[:5])
    return shown + (" …" if len(rows) > 5 else "")


def read_slash_dates(
    cells: list[tuple[int, object]], default: str = "dmy"
) -> tuple[DateOrder, list[tuple[datetime.date | None, str | None]]]:
    """A column's dates with slashes, as (row, cell) pairs, read in the order their values
    tell (date_order_of): each cell's (date, None), or (None, message) when it is not a
    date in that order, or the column mixes both orders."""
    decided = date_order_of(cells, default)
    if decided.conflict:
        message = _(
            "The dates of this column are written day first in some rows (%(day_first)s) "
            "and month first in others (%(month_first)s). Please write them as DD.MM.YYYY, "
            "e.g. 01.08.2020."
        ) % {
            "day_first": _rows_text(decided.day_first_rows),
            "month_first": _rows_text(decided.month_first_rows),
        }
        return decided, [(None, message) for _cell in cells]
    results: list[tuple[datetime.date | None, str | None]] = []
    for _row, cell in cells:
        try:
            results.append((parse_date(cell, decided.order), None))
        except ValueError as exc:
            results.append((None, str(exc)))
    return decided, results


def unpadded(key: str) -> str | None:
    """A key made of digits without its leading zeros ('00555' → '555'); None for a key
    with anything but digits."""
    if not (key.isascii() and key.isdigit()):
        return None
    return key.lstrip("0") or "0"


def padding_twins(keys: Iterable[str], stored: Iterable[str]) -> dict[str, str]:
    """For each key of digits in `keys` that is not stored as it is, the stored key that
    differs from it only in leading zeros (a file's 555 and a stored 00555: Excel dropped
    the zeros). Keys are compared in lower case; for a key with several such twins, one."""
    stored_keys = {key.lower(): key for key in stored}
    by_number: dict[str, str] = {}
    for key in stored_keys.values():
        number = unpadded(key)
        if number is not None:
            by_number.setdefault(number, key)
    twins = {}
    for key in keys:
        number = unpadded(key)
        if number is None or key.lower() in stored_keys:
            continue
        twin = by_number.get(number)
        if twin is not None and twin != key:
            twins[key] = twin
    return twins


def padding_message(key: str, twin: str) -> str:
    """What the preview says about a key that is a stored key without its leading zeros."""
    return _(
        "%(key)s – do you mean %(twin)s? %(twin)s exists already, %(key)s does not; Excel "
        "may have dropped the leading zeros. Format the column as text and type %(twin)s."
    ) % {"key": key, "twin": twin}


def parse_money(value: object) -> Decimal | None:
    """Euro amounts: 1234.5, '1.234,50 €', '1234,50', 'EUR 649', '649.00'."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s” is not an amount of money.") % {"value": value})
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value))
    else:
        text = clean_text(value)
        text = re.sub(r"(?i)\s*(€|eur|euro)\s*", "", text).replace(" ", "").replace("'", "")
        if not text:
            return None
        if "," in text and "." in text:
            # The separator that comes last is the decimal one: 1.234,50 or 1,234.50
            thousands = "." if text.rfind(",") > text.rfind(".") else ","
            text = text.replace(thousands, "").replace(",", ".")
        elif "," in text:
            text = text.replace(",", ".") if re.fullmatch(r"-?\d+,\d{1,2}", text) else text
            if re.fullmatch(r"-?\d{1,3}(,\d{3})+", text):
                text = text.replace(",", "")
        elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
            text = text.replace(".", "")  # German thousands: 1.234 = 1234
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(
                _("“%(value)s” is not an amount of money. Write it like 1234,50.")
                % {"value": clean_text(value)}
            ) from None
    if not amount.is_finite():
        raise ValueError(_("“%(value)s” is not an amount of money.") % {"value": value})
    if amount < 0:
        raise ValueError(_("A price cannot be negative."))
    if amount >= Decimal("100000000"):
        raise ValueError(_("“%(value)s” is too large for a price.") % {"value": value})
    return amount.quantize(Decimal("0.01"))


_TRUE = {"ja", "j", "yes", "y", "true", "wahr", "1", "x"}
_FALSE = {"nein", "n", "no", "false", "falsch", "0", "-"}


def parse_bool(value: object) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = fold(clean_text(value)) or clean_text(value)
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(_("“%(value)s” is neither yes nor no (ja/nein).") % {"value": value})


def parse_choice(value: object, choices: dict[str, str]) -> str | None:
    """Map a cell to a choice code; `choices` maps folded spellings to codes."""
    text = clean_text(value)
    if not text:
        return None
    code = choices.get(fold(text))
    if code is None:
        raise ValueError(_("“%(value)s” is not one of the allowed values.") % {"value": text})
    return code


_MAC = re.compile(
    r"^([0-9a-f]{2})[:\-.]?([0-9a-f]{2})[:\-.]?([0-9a-f]{2})[:\-.]?"
    r"([0-9a-f]{2})[:\-.]?([0-9a-f]{2})[:\-.]?([0-9a-f]{2})$"
)


_CANONICAL_MAC = re.compile(r"[0-9A-F]{2}(?::[0-9A-F]{2}){5}")


def parse_macs(value: object) -> list[str]:
    """One or more MAC addresses separated by comma, semicolon, space or line break;
    normalised to AA:BB:CC:DD:EE:FF."""
    text = clean_text(value)
    if _CANONICAL_MAC.fullmatch(text):
        return [text]  # the common case, as Lernstatt itself exports it
    macs = []
    for part in re.split(r"[,;\s]+", text):
        if not part:
            continue
        match = _MAC.match(part.lower().replace("-", ":") if len(part) == 17 else part.lower())
        if not match:
            raise ValueError(_("“%(value)s” is not a MAC address.") % {"value": part})
        mac = ":".join(match.groups()).upper()
        if mac not in macs:
            macs.append(mac)
    return macs
