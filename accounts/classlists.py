"""Class lists for printing: one sheet per class of a school's current school year, and
one for the teachers, with each person's login and, for those who hand them out, the
initial password of new accounts.

Initial passwords are handed out once: the list takes them from their encrypted keeping
(initial_passwords_take) in the transaction that builds the file, so a second list shows the
logins with an empty password cell and a note that a password reset gives a new one.
"""

import io
import logging
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.access_log import access_log_record
from accounts.handout import initial_passwords_take
from accounts.models import AccessAction, AccessVia, Person, PersonRole, PersonStatus, SchoolClass
from accounts.people.selectors import classes_scope
from accounts.rosters.plan import school_year_of
from core.errors import NotFound, PermissionDenied
from core.models import User
from core.permissions import Perm, has, reaches_school, require
from core.sheets.write import SheetColumn, XlsxSheet, write_xlsx_sheets
from inventory.models import School
from inventory.selectors import school_get

logger = logging.getLogger(__name__)

LISTED_STATUSES = (PersonStatus.ACTIVE, PersonStatus.TOLERATED)
# Widths in characters: the four columns fill an A4 page in portrait.
_WIDTHS = {"last": 28, "first": 24, "login": 22, "password": 16}


@dataclass(frozen=True)
class ClassListFile:
    filename: str
    content: bytes


def class_lists_download(
    *,
    actor: User,
    school_number: str,
    classes: Collection[int | str] | None = None,
    teachers: bool | None = None,
    via: str = AccessVia.API,
) -> ClassListFile:
    """The class lists of the school with this number as a file to download, named
    after the school and today's date; see class_list_workbook. A school out of the
    actor's reach is not found (404)."""
    school = school_get(actor=actor, number=school_number, perm=Perm.PERSON_VIEW)
    content = class_list_workbook(
        actor=actor, school=school, classes=classes, teachers=teachers, via=via
    )
    return ClassListFile(filename=class_list_filename(school), content=content)


def class_list_filename(school: School) -> str:
    """The file's name, e.g. Klassenlisten-165432-2026-11-23.xlsx (the first word in the
    active language, kept to characters every file system accepts)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", pgettext("export file name", "class-lists"))
    return (
        f"{stem.strip('-') or 'class-lists'}-{school.number}-{timezone.localdate():%Y-%m-%d}.xlsx"
    )


def class_list_workbook(
    *,
    actor: User,
    school: School,
    classes: Collection[int | str] | None = None,
    teachers: bool | None = None,
    via: str = AccessVia.API,
) -> bytes:
    """An .xlsx with one sheet per class of the school's current school year, sorted by
    class name ("5a" before "10a"), and a teachers' sheet when `teachers` is true (by
    default only with all classes). `classes` picks classes by id (int) or name (str,
    case ignored); one that is not a class of the school this year is not found (404).

    Each sheet has a title line (school, class, school year, today), then last name,
    first name, login and, for an actor allowed to hand out passwords, the initial
    password; the people are the active and tolerated ones, by last and first name.
    The initial passwords are taken from their keeping as the file is built, in one
    transaction: each is on one list only. An actor who may only view people (a teacher)
    gets the list without the password column. Each person on the list gets an entry in
    the access log (one bulk insert), written in the same transaction."""
    require(actor, Perm.PERSON_VIEW)
    if not reaches_school(actor, school.id):
        raise NotFound(_("School %(number)s not found.") % {"number": school.number})
    year = school_year_of(timezone.localdate())
    classes = classes or None
    chosen = _classes(actor, school, year, classes)
    whole_school = has(actor, Perm.PERSON_VIEW_SCHOOL)
    if teachers is None:
        teachers = classes is None and whole_school
    elif teachers and not whole_school:
        raise PermissionDenied(_("You may print the lists of your own classes only."))
    if not chosen and not teachers:
        raise NotFound(_no_classes(actor, school, year))
    people = _people(school, chosen, teachers=teachers)
    with_passwords = has(actor, Perm.PASSWORD_HANDOUT)
    with transaction.atomic():
        passwords = initial_passwords_take(p.pk for p in people) if with_passwords else {}
        sheets = _sheets(school, year, chosen, people, teachers=teachers, passwords=passwords)
        if not with_passwords:
            sheets = [_without_passwords(sheet) for sheet in sheets]
        buffer = io.BytesIO()
        write_xlsx_sheets(buffer, [sheet.as_xlsx() for sheet in sheets])
        access_log_record(
            actor=actor,
            action=AccessAction.CLASS_LIST,
            via=via,
            people=people,
            detail=f"school {school.number}" + (" with passwords" if passwords else ""),
        )
    logger.info(
        "Class lists of school %s (%d sheets, %d initial passwords handed out) for %s",
        school.number,
        len(sheets),
        len(passwords),
        actor.username,
    )
    return buffer.getvalue()


def _no_classes(actor: User, school: School, year: int) -> str:
    values = {"number": school.number, "year": f"{year}/{(year + 1) % 100:02d}"}
    if has(actor, Perm.PERSON_VIEW_SCHOOL):
        return _("School %(number)s has no classes in the school year %(year)s.") % values
    return (
        _(
            "You teach no class of school %(number)s in the school year %(year)s. The "
            "school's IT coordinator assigns teachers to their classes."
        )
        % values
    )


def _classes(
    actor: User, school: School, year: int, wanted: Collection[int | str] | None
) -> list[SchoolClass]:
    """The school's classes of the year the actor reaches (a teacher: their own), or the
    `wanted` ones among them."""
    found = list(
        classes_scope(
            SchoolClass.objects.filter(school=school, school_year=year), actor, Perm.PERSON_VIEW
        )
    )
    if wanted is not None:
        by_id = {cls.pk: cls for cls in found}
        by_name = {cls.name.casefold(): cls for cls in found}
        picked: dict[int, SchoolClass] = {}
        for key in wanted:
            cls = by_id.get(key) if isinstance(key, int) else by_name.get(key.strip().casefold())
            if cls is None:
                raise NotFound(
                    _("The school %(number)s has no class %(class)s in the school year %(year)s.")
                    % {"number": school.number, "class": key, "year": _year_label(year)},
                    errors=[{"field": "class", "message": _("Not a class of this school.")}],
                )
            picked[cls.pk] = cls
        found = list(picked.values())
    return sorted(found, key=lambda cls: _natural(cls.name))


def _people(school: School, classes: Sequence[SchoolClass], *, teachers: bool) -> list[Person]:
    wanted = Q(role=PersonRole.STUDENT, school_class__in=classes)
    if teachers:
        wanted |= Q(role=PersonRole.TEACHER)
    people = Person.objects.filter(wanted, school=school, status__in=LISTED_STATUSES).only(
        "role", "first_name", "last_name", "login", "dn", "school_class_id"
    )
    return sorted(people, key=lambda p: (_plain(p.last_name), _plain(p.first_name), p.login))


@dataclass
class _ListSheet:
    name: str
    title_lines: list[str]
    rows: list[list[str]]
    with_passwords: bool = True

    def as_xlsx(self) -> XlsxSheet:
        columns = [
            SheetColumn(_("Last name"), width=_WIDTHS["last"]),
            SheetColumn(_("First name"), width=_WIDTHS["first"]),
            SheetColumn(_("Login"), width=_WIDTHS["login"]),
        ]
        if self.with_passwords:
            columns.append(SheetColumn(_("Initial password"), width=_WIDTHS["password"]))
        return XlsxSheet(
            name=self.name,
            columns=columns,
            rows=self.rows,
            title_lines=self.title_lines,
            auto_filter=False,
            printable=True,
        )


def _sheets(
    school: School,
    year: int,
    classes: Sequence[SchoolClass],
    people: Sequence[Person],
    *,
    teachers: bool,
    passwords: dict[int, str],
) -> list[_ListSheet]:
    today = formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    title = {
        "school": school.name,
        "number": school.number,
        "year": _year_label(year),
        "date": today,
    }
    students: dict[int, list[Person]] = {}
    for person in people:
        if person.is_student:
            students.setdefault(person.school_class_id, []).append(person)
    sheets = []
    for cls in classes:
        members = students.get(cls.pk, [])
        heading = _("%(school)s (%(number)s) · class %(class)s · school year %(year)s · %(date)s")
        sheets.append(_sheet(cls.name, heading % {**title, "class": cls.name}, members, passwords))
    if teachers:
        members = [p for p in people if p.role == PersonRole.TEACHER]
        heading = _("%(school)s (%(number)s) · teachers · school year %(year)s · %(date)s")
        sheets.append(_sheet(_("Teachers"), heading % title, members, passwords))
    return sheets


def _sheet(
    name: str, heading: str, people: Sequence[Person], passwords: dict[int, str]
) -> _ListSheet:
    lines = [heading]
    if any(p.dn and p.pk not in passwords for p in people):
        lines.append(
            _(
                "Empty password cells: those initial passwords were handed out on an earlier "
                "list. A password reset gives a new one."
            )
        )
    if any(not p.dn for p in people):
        lines.append(
            _(
                "Some of these accounts are not in the directory yet: their initial passwords "
                "come on a list printed after the next directory sync."
            )
        )
    rows = [[p.last_name, p.first_name, p.login, passwords.get(p.pk, "")] for p in people]
    return _ListSheet(name=name, title_lines=lines, rows=rows)


def _without_passwords(sheet: _ListSheet) -> _ListSheet:
    return _ListSheet(
        name=sheet.name,
        title_lines=sheet.title_lines[:1],
        rows=[row[:3] for row in sheet.rows],
        with_passwords=False,
    )


def _year_label(year: int) -> str:
    return SchoolClass(school_year=year).school_year_label


def _natural(name: str) -> list[int | str]:
    """A sort key that puts "5a" before "10a": digits compare as numbers."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", name)]


def _plain(text: str) -> str:
    """A sort key that files Ä with A and ß with ss, as German lists do (DIN 5007-1)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))
