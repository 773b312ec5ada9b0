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
