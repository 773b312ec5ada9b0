"""How numbers are written for a person, in the active language: `3.044`, `1.234,50 €` in
German. Pages, files, PDFs and the commands' output all write them through here."""

from decimal import Decimal

from django.utils.formats import number_format


def count_text(value: int) -> str:
    """A count with the language's thousands separator: `3.044` in German."""
    return number_format(value, use_l10n=True, force_grouping=True)


def money_text(value: Decimal) -> str:
    """An amount in euros: `1.234,50 €` in German."""
    return f"{number_format(value, 2, use_l10n=True, force_grouping=True)} €"


def decimal_text(value: float | Decimal, places: int | None = None) -> str:
    """A number with the language's decimal separator, trailing zeros dropped: `12,5`."""
    text = number_format(value, places, use_l10n=True, force_grouping=True)
    if "," in text or "." in text:
        separator = number_format(0.5, 1, use_l10n=True)[1]
        whole, _sep, fraction = text.rpartition(separator)
        if whole and fraction.isdigit():
            fraction = fraction.rstrip("0")
            text = f"{whole}{separator}{fraction}" if fraction else whole
    return text
