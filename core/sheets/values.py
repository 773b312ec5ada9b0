"""Cell values as school offices type them, turned into Python values.

Each parser takes what a spreadsheet cell holds (str, int, float, bool, date, datetime or
None) and returns a value or raises ValueError with a message a secretary understands.
"""

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

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


def clean_text(value: object) -> str:
    """A cell as text: trimmed, inner whitespace runs kept, numbers without a spurious '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d.%m.%Y")
    text = str(value).replace("\u00a0", " ")
    # An export's guard against formula injection (see core.sheets.write): read it back,
    # before trimming, since the guarded character may itself be a tab or a CR.
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        return text[1:].strip()
    text = text.strip()
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d")


def parse_date(value: object) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # An Excel serial day number in a cell not formatted as a date.
        if 1 <= value < 2958466:
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise ValueError(_("“%(value)s” is not a date.") % {"value": value})
    text = clean_text(value)
    if not text:
        return None
    text = text.split(" ")[0] if re.match(r"^\S+ 00:00(:00)?$", text) else text
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(
        _("“%(value)s” is not a date. Please write it as DD.MM.YYYY, e.g. 01.08.2020.")
        % {"value": text}
    )


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
