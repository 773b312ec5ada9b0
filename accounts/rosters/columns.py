"""The columns of a roster: the school office's export of its students or teachers.

SchILD-NRW writes `Klasse;Nachname;Vorname;Geburtsdatum;Interne ID-Nummer` for students and
`Nachname;Vorname;Geburtsdatum;Kürzel` for teachers; other programs and hand-made lists
use the other spellings below. Headers are matched after `fold` (case, spaces, dashes and
umlaut spelling ignored).
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from accounts.models import Person, SchoolClass
from core.sheets.values import fold

STUDENTS = "students"
TEACHERS = "teachers"
KINDS = (STUDENTS, TEACHERS)


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # lazy translated header, for messages
    aliases: tuple[str, ...] = ()

    def spellings(self) -> set[str]:
        names = {self.key, *self.aliases}
        for language in ("de", "en"):
            with override(language):
                names.add(str(self.header))
        return {fold(name) for name in names}


ROSTER_COLUMNS: tuple[Column, ...] = (
    Column("class_name", _("Class"), ("Klasse", "Klassenbezeichnung", "Lerngruppe")),
    Column("last_name", _("Last name"), ("Nachname", "Familienname", "Surname", "Family name")),
    Column(
        "first_name",
        _("First name"),
        ("Vorname", "Vornamen", "Rufname", "Given name", "First names"),
    ),
    Column(
        "birth_date",
        _("Date of birth"),
        ("Geburtsdatum", "Geb.-Datum", "Geb. Datum", "Geburtstag", "Birth date", "Birthday"),
    ),
    Column(
        "external_id",
        _("ID"),
        (
            "Interne ID-Nummer",
            "Interne ID",
            "Schüler-ID",
            "Schueler-ID",
            "Schülernummer",
            "Lehrer-ID",
            "Student ID",
            "External ID",
        ),
    ),
    Column("short_code", _("Short code"), ("Kürzel", "Kuerzel", "Lehrerkürzel", "Code")),
    Column("status", _("Status"), ("Status", "Schülerstatus", "Schuelerstatus")),
    # The Kürzel of the class teacher(s), as SchILD-NRW's student export names them;
    # several are separated by commas, slashes or spaces.
    Column(
        "class_teacher",
        _("Class teacher"),
        (
            "Klassenlehrer",
            "Klassenlehrerin",
            "Klassenlehrer/in",
            "Klassenlehrkraft",
            "Klassenleitung",
            "Klassenlehrer Kürzel",
            "Klassenlehrerkürzel",
            "KL",
        ),
    ),
)

# The columns a file of each kind cannot do without.
REQUIRED = {
    STUDENTS: ("class_name", "last_name", "first_name", "birth_date"),
    TEACHERS: ("last_name", "first_name", "birth_date"),
}
# The columns read for each kind; the others are ignored.
USED = {
    STUDENTS: (
        "class_name",
        "last_name",
        "first_name",
        "birth_date",
        "external_id",
        "status",
        "class_teacher",
    ),
    TEACHERS: ("last_name", "first_name", "birth_date", "external_id", "short_code"),
}
# Text cells longer than the database column are row errors, not database errors.
TEXT_LIMITS = {
    "class_name": SchoolClass._meta.get_field("name").max_length,
    "last_name": Person._meta.get_field("last_name").max_length,
    "first_name": Person._meta.get_field("first_name").max_length,
    "external_id": Person._meta.get_field("external_id").max_length,
    "short_code": Person._meta.get_field("short_code").max_length,
    "class_teacher": 100,
}
COLUMNS_BY_KEY = {column.key: column for column in ROSTER_COLUMNS}


@cache
def roster_spellings() -> dict[str, str]:
    """Folded header spelling -> column key, German and English."""
    return {spelling: column.key for column in ROSTER_COLUMNS for spelling in column.spellings()}


def expected_headers(kind: str) -> list[str]:
    """The headers a file of this kind needs, in the current language, for messages."""
    return [str(COLUMNS_BY_KEY[key].header) for key in REQUIRED[kind]]


# SchILD-NRW's student status ("Status", "Schülerstatus"), exported as its number or its
# name: the values of SchILD's (and its successor SVWS's) status table, SVWS-Server
# `de.svws_nrw.core.types.SchuelerStatus`. Who is at the school now gets or keeps an
# account: active pupils, those on leave (a year abroad) and external pupils who attend
# lessons here. Pupils admitted for a coming school year or on the waiting list are not
# there yet, leavers (with or without a qualification, and former pupils) no longer: none
# of them gets an account, and an account they have takes the lifecycle's steps as if they
# were missing from the file. Any other value is a row error, never a guess.
ACTIVE = "active"
NOT_YET = "not_yet"
LEFT = "left"
SCHILD_STATUSES: dict[int, tuple[str, str]] = {
    0: ("Neuaufnahme", NOT_YET),
    1: ("Warteliste", NOT_YET),
    2: ("Aktiv", ACTIVE),
    3: ("Beurlaubt", ACTIVE),
    6: ("Extern", ACTIVE),
    8: ("Abschluss", LEFT),
    9: ("Abgang", LEFT),
    10: ("Ehemalige", LEFT),
}
# Other spellings of the names, folded: SchILD's lists and older versions write these.
_STATUS_ALIASES = {"externe": 6, "abgaenger": 9, "abgaenge": 9, "ehemaliger": 10}


@cache
def _status_names() -> dict[str, int]:
    names = {fold(name): code for code, (name, _kind) in SCHILD_STATUSES.items()}
    return {**names, **_STATUS_ALIASES}


def schild_status(value: str) -> int | None:
    """The SchILD status code a cell means ("2", "2.0", "Aktiv", "aktiv"), or None when the
    value is not one of SchILD's statuses."""
    text = value.strip()
    number = text[:-2] if text.endswith(".0") else text
    if number.isdigit():
        code = int(number)
        return code if code in SCHILD_STATUSES else None
    return _status_names().get(fold(text))
