"""Roster files made in the tests, the way school offices export them."""

import codecs
from collections.abc import Iterable, Sequence

from tests.inventory.files import csv_bytes, csv_text, xlsx

SCHILD_STUDENTS = ("Klasse", "Nachname", "Vorname", "Geburtsdatum", "Interne ID-Nummer")
SCHILD_TEACHERS = ("Nachname", "Vorname", "Geburtsdatum", "Kürzel")


def schild_students(rows: Iterable[Sequence[object]], *, encoding: str = "cp1252") -> bytes:
    """A SchILD-NRW student export: `;`-separated, Windows-1252 as Excel on Windows saves it."""
    return csv_bytes([SCHILD_STUDENTS, *rows], encoding=encoding)


def schild_teachers(rows: Iterable[Sequence[object]], *, encoding: str = "cp1252") -> bytes:
    return csv_bytes([SCHILD_TEACHERS, *rows], encoding=encoding)


def schild_cp1252(rows: Iterable[Sequence[object]]) -> bytes:
    """What SchILD-NRW writes when it exports as Windows-1252: a "?" for every letter that
    encoding has not ("Yılmaz" → "Y?lmaz"). The first row is the header."""
    return csv_text(rows).encode("cp1252", errors="replace")


def utf16_tabs(rows: Iterable[Sequence[object]]) -> bytes:
    """Excel's "Unicode text": UTF-16 little endian with a BOM, tab-separated."""
    return codecs.BOM_UTF16_LE + csv_text(rows, delimiter="\t").encode("utf-16-le")


__all__ = ["csv_bytes", "schild_cp1252", "schild_students", "schild_teachers", "utf16_tabs", "xlsx"]
