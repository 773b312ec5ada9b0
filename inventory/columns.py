"""The columns of a device spreadsheet: one list that both the import and the export use,
so an exported file re-imports unchanged. Headers are matched after `fold` (case, spaces,
dashes and umlaut spelling ignored) against the German and English header and the aliases.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from core.sheets import values
from inventory.models import Category, Status


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # lazy translated header; German in German exports, English in English ones
    aliases: tuple[str, ...] = ()
    kind: str = "text"  # text | date | money | bool | status | category | macs
    width: int = 16

    def spellings(self) -> set[str]:
        """Every folded header that names this column."""
        names = {self.key, *self.aliases}
        for language in ("de", "en"):
            with override(language):
                names.add(str(self.header))
        return {values.fold(name) for name in names}


DEVICE_COLUMNS: tuple[Column, ...] = (
    Column(
        "asset_tag",
        _("Asset tag"),
        (
            "Inventarnummer",
            "Inventar-Nr",
            "Inv.-Nr.",
            "Inventar Nr",
            "Inventarnr",
            "Asset",
            "Inventory number",
        ),
        width=16,
    ),
    Column(
        "serial_number",
        _("Serial number"),
        ("Seriennummer", "Serien-Nr", "Seriennr", "S/N", "SN", "Serial", "Serial no"),
        width=20,
    ),
    Column("manufacturer", _("Manufacturer"), ("Hersteller", "Marke", "Brand", "Make"), width=14),
    Column(
        "model",
        _("Model"),
        ("Modell", "Gerätemodell", "Modellbezeichnung", "Device model"),
        width=24,
    ),
    Column(
        "category",
        _("Category"),
        ("Kategorie", "Geräteart", "Geräteklasse", "Device type"),
        "category",
    ),
    Column(
        "school",
        _("School number"),
        ("Schule", "School", "Schul-Nr", "Schulnr", "Schulnummer", "School no"),
        width=14,
    ),
    Column("room", _("Room"), ("Raum", "Raumnummer", "Raum-Nr", "Room number"), width=10),
    Column("status", _("Status"), ("Zustand", "State"), "status", width=14),
    Column(
        "purchase_date",
        _("Purchase date"),
        ("Anschaffungsdatum", "Gekauft am", "Beschaffungsdatum", "Kaufdatum"),
        "date",
        width=13,
    ),
    Column(
        "purchase_price",
        _("Purchase price"),
        ("Preis", "Anschaffungspreis", "Price", "Kaufpreis (EUR)", "Kaufpreis €", "Kaufpreis"),
        "money",
        width=13,
    ),
    Column(
        "funding_programme",
        _("Funding programme"),
        ("Förderung", "Funding", "Funding program", "Finanzierung", "Förderprogramm"),
        width=22,
    ),
    Column(
        "warranty_end",
        _("Warranty until"),
        ("Garantieende", "Garantie", "Warranty end", "Warranty", "Garantie bis"),
        "date",
        width=13,
    ),
    Column(
        "lendable",
        _("Lendable"),
        ("Verleihbar", "Leihgerät", "Loanable", "Ausleihbar"),
        "bool",
        width=11,
    ),
    Column(
        "mac_addresses",
        _("MAC addresses"),
        ("MAC", "MAC-Adresse", "MAC address", "MAC-Adressen"),
        "macs",
        width=20,
    ),
    Column(
        "notes",
        _("Notes"),
        ("Bemerkungen", "Notiz", "Notizen", "Kommentar", "Comment", "Note", "Bemerkung"),
        width=30,
    ),
)

COLUMNS_BY_KEY = {column.key: column for column in DEVICE_COLUMNS}


def _choice_spellings(choices, extra: dict[str, str]) -> dict[str, str]:
    spellings: dict[str, str] = {}
    for code, label in choices.choices:
        spellings[values.fold(code)] = code
        for language in ("de", "en"):
            with override(language):
                spellings[values.fold(str(label))] = code
    spellings.update({values.fold(k): v for k, v in extra.items()})
    return spellings


STATUS_SPELLINGS = _choice_spellings(
    Status,
    {
        "Lager": Status.IN_STOCK,
        "auf Lager": Status.IN_STOCK,
        "vorrätig": Status.IN_STOCK,
        "im Einsatz": Status.IN_USE,
        "in Benutzung": Status.IN_USE,
        "aktiv": Status.IN_USE,
        "verliehen": Status.ON_LOAN,
        "ausgeliehen": Status.ON_LOAN,
        "Reparatur": Status.IN_REPAIR,
        "defekt": Status.IN_REPAIR,
        "verloren": Status.LOST,
        "gestohlen": Status.LOST,
        "ausgemustert": Status.RETIRED,
        "verschrottet": Status.RETIRED,
        "entsorgt": Status.RETIRED,
    },
)

CATEGORY_SPELLINGS = _choice_spellings(
    Category,
    {
        "Notebook": Category.LAPTOP,
        "Tablet-PC": Category.TABLET,
        "PC": Category.DESKTOP,
        "Desktop": Category.DESKTOP,
        "Rechner": Category.DESKTOP,
        "Beamer": Category.DISPLAY,
        "Projektor": Category.DISPLAY,
        "Monitor": Category.DISPLAY,
        "Bildschirm": Category.DISPLAY,
        "Display": Category.DISPLAY,
        "Whiteboard": Category.DISPLAY,
        "Drucker": Category.PRINTER,
        "Netzwerk": Category.NETWORK,
        "Switch": Category.NETWORK,
        "Router": Category.NETWORK,
        "Access Point": Category.NETWORK,
        "Sonstiges": Category.OTHER,
    },
)

# How the import turns a cell of each kind into a value.
PARSERS: dict[str, Callable[[object], Any]] = {
    "text": values.clean_text,
    "date": values.parse_date,
    "money": values.parse_money,
    "bool": values.parse_bool,
    "status": lambda v: values.parse_choice(v, STATUS_SPELLINGS),
    "category": lambda v: values.parse_choice(v, CATEGORY_SPELLINGS),
    "macs": values.parse_macs,
}
