"""From the rows of a roster to a plan: each row's outcome, the classes to create and the
steps of the people missing from the file. Planning reads the database in a few queries per
file (never one per row) and writes nothing."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.holdings import loan_holders
from accounts.lifecycle import step_due
from accounts.models import Person, PersonRole, PersonStatus, SchoolClass
from accounts.rosters.class_teachers import PlannedClassTeachers, plan_class_teachers
from accounts.rosters.columns import LEFT, SCHILD_STATUSES, STUDENTS
from accounts.rosters.parse import RosterRow, class_name_normal, name_key, parse_rows
from accounts.rosters.report import LifecycleStep, RosterReport, RowOutcome
from core.sheets.read import Table
from core.sheets.values import padding_message, padding_twins
from inventory.models import School

PERSON_FIELDS = ("last_name", "first_name", "birth_date", "external_id", "short_code")


def school_year_of(day: datetime.date) -> int:
    """The year the school year of `day` starts in; a school year starts in August."""
    return day.year if day.month >= 8 else day.year - 1


@dataclass
class RosterPlan:
    report: RosterReport
    new_classes: list[SchoolClass]
    creates: list[tuple[RosterRow, RowOutcome]]
    updates: list[RosterRow]  # matched rows whose person changes (fields, class or status)
    tolerate: list[Person] = field(default_factory=list)
    disable: list[Person] = field(default_factory=list)
    delete: list[Person] = field(default_factory=list)
    # The students leaving the school (missing, or with a status of a leaver) who hold a
    # loan device: their loans are marked for return when the import is applied.
    left_with_loans: list[int] = field(default_factory=list)
    # Students back again (reactivated): a mark for return on their loans is taken back.
    back: list[int] = field(default_factory=list)
    # The class teachers the file names, per class (class_teachers.py).
    class_teachers: list[PlannedClassTeachers] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.report.errors)


def _show(value: Any) -> str:
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    return "" if value is None else str(value)


class _Planner:
    def __init__(self, *, school: School, kind: str, table: Table, today: datetime.date):
        self.school = school
        self.kind = kind
        self.role = PersonRole.STUDENT if kind == STUDENTS else PersonRole.TEACHER
        self.table = table
        self.headers = table.headers
        self.today = today
        self.year = school_year_of(today)
        # Existing classes are found by their normalised names, so that "05a" in the
        # database is the file's "5a"; a class already spelled so wins over another one.
        existing = SchoolClass.objects.filter(school=school, school_year=self.year)
        self.classes = {
            class_name_normal(cls.name).lower(): cls
            for cls in sorted(existing, key=lambda cls: class_name_normal(cls.name) == cls.name)
        }
        self.new_classes: dict[str, SchoolClass] = {}
        self.held: dict[int, list[str]] = {}  # student id → asset tags their loans hold
        self.people = list(
            Person.objects.filter(school=school, role=self.role)
            .exclude(status=PersonStatus.DELETED)
            .select_related("school_class")
        )
        # External ids are unique per school, across roles.
        self.other_ids = {
            external_id.lower()
            for external_id in Person.objects.filter(school=school)
            .exclude(role=self.role)
            .exclude(external_id="")
            .values_list("external_id", flat=True)
        }

    def error(self, row: RosterRow, key: str, message: str) -> None:
        row.errors.append({"row": row.row, "column": self.headers.get(key), "message": message})

    def duplicates(self, rows: list[RosterRow]) -> None:
        """Rows naming the same person twice (same id, or same name and birth date without
        an id) are errors of every row involved, each naming the others."""
        groups: dict[tuple, list[RosterRow]] = defaultdict(list)
        for row in rows:
            if row.external_id:
                groups[("id", row.external_id.lower())].append(row)
            elif row.name_key is not None:
                groups[("name", row.name_key)].append(row)
        for (how, _key), same in groups.items():
            if len(same) < 2:
                continue
            for row in same:
                others = [str(other.row) for other in same if other is not row]
                values = {"id": row.external_id, "rows": ", ".join(others)}
                if how == "id":
                    message = ngettext(
                        "ID %(id)s is also in row %(rows)s.",
                        "ID %(id)s is also in rows %(rows)s.",
                        len(others),
                    )
                    self.error(row, "external_id", message % values)
                else:
                    message = ngettext(
                        "The same person (name and date of birth) is also in row %(rows)s.",
                        "The same person (name and date of birth) is also in rows %(rows)s.",
                        len(others),
                    )
                    self.error(row, "last_name", message % values)

    def match(self, rows: list[RosterRow]) -> set[int]:
        """Find each row's person: by id first (for all rows, so that an id always wins),
        then by name and birth date among people not matched yet. Returns the ids of the
        people the file names, including those of rows with errors."""
        by_id = {p.external_id.lower(): p for p in self.people if p.external_id}
        by_key: dict[tuple, list[Person]] = defaultdict(list)
        for person in self.people:
            key = name_key(person.last_name, person.first_name, person.birth_date)
            if key is not None:
                by_key[key].append(person)
        named: set[int] = set()
        for row in rows:
            if row.external_id:
                person = by_id.get(row.external_id.lower())
                if person is not None:
                    named.add(person.pk)
                    if not row.errors:
                        row.person = person
                elif row.external_id.lower() in self.other_ids:
                    self.error(
                        row,
                        "external_id",
                        _("ID %(id)s already belongs to another person of this school.")
                        % {"id": row.external_id},
                    )
        # An id of digits that is a stored one without its leading zeros (456 for 00456:
        # Excel dropped them) is an error, never a new person; that person is not missing.
        unmatched = [
            row for row in rows if row.external_id and row.external_id.lower() not in by_id
        ]
        twins = padding_twins([row.external_id for row in unmatched], list(by_id))
        for row in unmatched:
            if row.external_id in twins:
                twin = by_id[twins[row.external_id]]
                named.add(twin.pk)
                self.error(row, "external_id", padding_message(row.external_id, twin.external_id))
        for row in rows:
            if row.errors or row.person is not None or row.name_key is None:
                continue
            for person in by_key.get(row.name_key, ()):
                # A person with another id is someone else of the same name and birthday.
                if person.pk in named or (row.external_id and person.external_id):
                    continue
                row.person = person
                named.add(person.pk)
                break
        return named

    def target_class(self, row: RosterRow) -> SchoolClass | None:
        if self.role != PersonRole.STUDENT:
            return None
        name = row.values["class_name"]
        # The name is normalised (parse.class_name_normal): "05a", "5 a" and "5A" in one
        # file are one class.
        key = name.lower()
        cls = self.classes.get(key) or self.new_classes.get(key)
        if cls is None:
            cls = SchoolClass(school=self.school, name=name, school_year=self.year)
            self.new_classes[key] = cls
        return cls

    def check_birth_dates(self, rows: list[RosterRow]) -> None:
        for row in rows:
            born = row.values.get("birth_date")
            if born is not None and born > self.today:
                self.error(
                    row,
                    "birth_date",
                    _("The date of birth %(date)s lies in the future.") % {"date": _show(born)},
                )

    def decide(self, row: RosterRow) -> None:
        values = row.values
        if not row.at_school:
            code = values["status"]
            name, kind = SCHILD_STATUSES[code]
            row.notes.append(_("Status %(code)s (%(name)s)") % {"code": code, "name": name})
            if row.person is None:
                row.outcome = "skip"
            else:
                # The account takes the steps of a person missing from the file.
                row.outcome = "leave"
                row.notes.append(
                    _("leaves the school") if kind == LEFT else _("not at the school yet")
                )
            return
        cls = self.target_class(row)
        row.school_class = cls
        person = row.person
        if person is None:
            row.outcome = "create"
            return
        for key in PERSON_FIELDS:
            if key not in values or (key == "external_id" and not values[key]):
                continue  # a file without ids does not remove the ids already stored
            if key == "short_code" and self.role != PersonRole.TEACHER:
                continue
            old, new = getattr(person, key), values[key]
            if old != new:
                row.changes[key] = (old, new)
        moved = cls is not None and (cls.pk is None or cls.pk != person.school_class_id)
        if moved:
            old_class = person.school_class.name if person.school_class else ""
            row.changes["class_name"] = (old_class, cls.name)
        if person.status == PersonStatus.DISABLED and person.disabled_by_hand:
            row.notes.append(
                _(
                    "Disabled by an IT admin: the account stays disabled although the list "
                    "names the person."
                )
            )
        if person.status == PersonStatus.TOLERATED or (
            person.status == PersonStatus.DISABLED and not person.disabled_by_hand
        ):
            row.outcome = "reactivate"
        elif moved:
            row.outcome = "move"
        elif row.changes:
            row.outcome = "update"
        else:
            row.outcome = "unchanged"

    def check_short_codes(self, rows: list[RosterRow], leaving: set[int]) -> None:
        """A Kürzel is unique per school: after the import, among the file's teachers and
        those not in the file who keep their account."""
        if "short_code" not in self.table.columns or self.role != PersonRole.TEACHER:
            return
        named = {row.person.pk for row in rows if row.person is not None}
        owners = {
            p.short_code.lower(): p
            for p in self.people
            if p.short_code and p.pk not in named and p.pk not in leaving
        }
        seen: dict[str, RosterRow] = {}
        for row in rows:
            code = (row.values.get("short_code") or "").lower()
            if not code or row.errors:
                continue
            first = seen.setdefault(code, row)
            if first is not row:
                self.error(
                    row,
                    "short_code",
                    _("The short code %(code)s is also in row %(row)s.")
                    % {"code": row.values["short_code"], "row": first.row},
                )
            elif code in owners:
                self.error(
                    row,
                    "short_code",
                    _("The short code %(code)s belongs to %(name)s.")
                    % {"code": row.values["short_code"], "name": owners[code].full_name},
                )

    def leavers_with_loans(self, named: set[int]) -> dict[int, list[str]]:
        """The students leaving (not named as at the school) who hold a loan device, with
        the devices' asset tags: one query."""
        if self.role != PersonRole.STUDENT:
            return {}
        held = self.held = loan_holders(self.school)
        leaving = {person.pk for person in self.people if person.pk not in named}
        return {pk: tags for pk, tags in held.items() if pk in leaving}

    def lifecycle(self, named: set[int]) -> tuple[list[Person], list[Person], list[Person]]:
        tolerate, disable, delete = [], [], []
        for person in self.people:
            if person.pk in named:
                continue
            if person.status == PersonStatus.ACTIVE:
                tolerate.append(person)
            elif step_due(person, self.today):
                (disable if person.status == PersonStatus.TOLERATED else delete).append(person)
        return tolerate, disable, delete

    def outcome(self, row: RosterRow) -> RowOutcome:
        values = row.values
        name = ", ".join(
            part for part in (values.get("last_name"), values.get("first_name")) if part
        )
        result = RowOutcome(
            row=row.row,
            outcome="error" if row.errors else row.outcome,
            name=name,
            login=row.person.login if row.person is not None else "",
            person_id=row.person.pk if row.person is not None else None,
            class_name=row.school_class.name if row.school_class else values.get("class_name", ""),
            errors=row.errors,
            notes=row.notes,
        )
        if not row.errors:
            result.changes = [
                {
                    "field": key,
                    "column": self.headers.get(key),
                    "old": _show(old),
                    "new": _show(new),
                }
                for key, (old, new) in sorted(
                    row.changes.items(), key=lambda item: self.table.columns.get(item[0], 99)
                )
            ]
        return result


def _step(person: Person) -> LifecycleStep:
    since = {
        PersonStatus.TOLERATED: person.tolerated_at,
        PersonStatus.DISABLED: person.disabled_at,
    }.get(person.status)
    return LifecycleStep(
        person_id=person.pk,
        name=person.sort_name,
        login=person.login,
        class_name=person.school_class.name if person.school_class else "",
        status=person.status,
        since=since.isoformat() if since else "",
    )


def plan_roster(
    *, school: School, kind: str, table: Table, today: datetime.date, date_order: str = "dmy"
) -> RosterPlan:
    """Every row's outcome and the lifecycle steps of the people missing from the file;
    reads, never writes. The caller has checked the actor's permission for `school`.
    `date_order` (dmy or mdy) reads birth dates with slashes when their column does not
    tell the order of day and month."""
    planner = _Planner(school=school, kind=kind, table=table, today=today)
    dates: list[dict[str, Any]] = []
    rows = parse_rows(table, kind, date_order=date_order, dates=dates)
    planner.check_birth_dates(rows)
    planner.duplicates(rows)
    named = planner.match(rows)
    # A pupil whose status says they are not at the school is missing from it.
    named -= {row.person.pk for row in rows if row.person is not None and not row.at_school}
    loans = planner.leavers_with_loans(named)
    tolerate, disable, delete = planner.lifecycle(named)
    planner.check_short_codes(rows, {person.pk for person in delete})
    for row in rows:
        if not row.errors:
            planner.decide(row)
            if row.person is not None and row.person.pk in loans:
                row.notes.append(_leaves_with(loans[row.person.pk]))
    class_teachers, class_teacher_report = (
        plan_class_teachers(school=school, rows=rows)
        if kind == STUDENTS and "class_teacher" in table.columns
        else ([], [])
    )
    outcomes = [planner.outcome(row) for row in rows]
    valid = [(row, outcome) for row, outcome in zip(rows, outcomes, strict=True) if not row.errors]
    # Only the new classes that rows without errors use are created.
    used = {id(row.school_class) for row, _outcome in valid}
    new_classes = [cls for cls in planner.new_classes.values() if id(cls) in used]
    report = RosterReport(
        kind=kind,
        school_year=planner.year,
        rows=outcomes,
        tolerate=[_step(person) for person in tolerate],
        disable=[_step(person) for person in disable],
        delete=[_step(person) for person in delete],
        new_classes=[cls.name for cls in new_classes],
        unknown_columns=list(table.unknown_columns),
        header_row=table.header_row,
        hidden_rows=table.hidden_rows,
        skipped=list(table.skipped),
        date_orders=dates,
        class_names=_class_names(rows),
        class_teachers=class_teacher_report,
        loans=[
            {
                "person_id": person.pk,
                "name": person.sort_name,
                "class_name": person.school_class.name if person.school_class else "",
                "asset_tags": loans[person.pk],
                "message": _leaves_with(loans[person.pk]),
            }
            for person in planner.people
            if person.pk in loans
        ],
    )
    return RosterPlan(
        report=report,
        new_classes=new_classes,
        creates=[(row, outcome) for row, outcome in valid if outcome.outcome == "create"],
        updates=[
            row for row, outcome in valid if outcome.outcome in ("update", "move", "reactivate")
        ],
        tolerate=tolerate,
        disable=disable,
        delete=delete,
        left_with_loans=sorted(loans),
        back=[
            row.person.pk
            for row, outcome in valid
            if outcome.outcome == "reactivate" and row.person.pk in planner.held
        ],
        class_teachers=class_teachers,
    )


def _leaves_with(asset_tags: list[str]) -> str:
    return _("leaves the school with loan device %(tags)s") % {"tags": ", ".join(asset_tags)}


def _class_names(rows: list[RosterRow]) -> list[dict[str, Any]]:
    """Each class name the file spells otherwise than Lernstatt stores it ("05a" → "5a"),
    with the number of its rows."""
    found: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        if row.school_class is not None and row.class_as_written != row.school_class.name:
            found[(row.class_as_written, row.school_class.name)] += 1
    return [
        {"written": written, "name": name, "rows": count}
        for (written, name), count in sorted(found.items())
    ]
