"""The roster import's services: preview (reads only) and apply (all or nothing)."""

import datetime
from collections import defaultdict
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import lifecycle
from accounts.events import students_left
from accounts.logins import logins_assign
from accounts.models import Person, PersonRole, PersonStatus, SchoolClass
from accounts.rosters.class_teachers import class_teachers_write
from accounts.rosters.columns import KINDS, STUDENTS
from accounts.rosters.parse import read_roster_table
from accounts.rosters.plan import RosterPlan, plan_roster
from accounts.rosters.report import RosterReport
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import User
from core.permissions import Perm, reaches_school, require
from inventory.models import School

BATCH = 1000


class RosterHasErrors(ValidationFailed):
    """Rows of the roster have errors, so nothing was imported; every row error is listed,
    and the whole report comes along."""

    def __init__(self, report: RosterReport):
        super().__init__(
            _("The file has errors; nothing was imported. Correct them and try again."),
            code="import_has_errors",
            errors=report.errors,
        )
        self.report = report


def _check(*, actor: User, school: School, kind: str) -> None:
    require(actor, Perm.ROSTER_IMPORT)
    if not reaches_school(actor, school.id):
        raise NotFound(_("School %(number)s not found.") % {"number": school.number})
    if kind not in KINDS:
        raise ValidationFailed(_("A roster lists either students or teachers."))


def _plan(
    *,
    school: School,
    kind: str,
    data: bytes,
    filename: str,
    today: datetime.date,
    date_order: str = "dmy",
) -> RosterPlan:
    table = read_roster_table(data=data, filename=filename, kind=kind)
    return plan_roster(school=school, kind=kind, table=table, today=today, date_order=date_order)


def roster_preview(
    *,
    actor: User,
    school: School,
    kind: str,
    data: bytes,
    filename: str,
    today: datetime.date | None = None,
    date_order: str = "dmy",
) -> RosterReport:
    """Every row's outcome (create / update / move / unchanged / reactivate / error, with
    changes and errors by row and column), the classes that would be created, and who of
    the school's students or teachers missing from the file would be tolerated, disabled
    or deleted. Writes nothing. Raises PermissionDenied, NotFound (a school the actor does
    not reach) or FileRejected (not a readable roster)."""
    _check(actor=actor, school=school, kind=kind)
    return _plan(
        school=school,
        kind=kind,
        data=data,
        filename=filename,
        today=today or timezone.localdate(),
        date_order=date_order,
    ).report


def roster_apply(
    *,
    actor: User,
    school: School,
    kind: str,
    data: bytes,
    filename: str,
    today: datetime.date | None = None,
    date_order: str = "dmy",
) -> RosterReport:
    """Carry out what the preview shows, in one transaction: every row and every lifecycle
    step, or nothing. New people get their logins here; changed names, moves and
    reactivations keep theirs; a deleted person's login is reserved for the reuse period
    and their row kept without names, ids or login (its DN stays for the directory sync).
    Applying the same file again finds everything unchanged. After the commit the loans of
    students leaving with a loan device are marked for return (the students_left event). Raises
    RosterHasErrors (a ValidationFailed with every row error and the report) when any row
    has an error, besides the errors of preview."""
    _check(actor=actor, school=school, kind=kind)
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            # Two imports for one school wait for each other instead of both creating
            # the same new people.
            School.objects.select_for_update().filter(pk=school.pk).values_list("pk").first()
            plan = _plan(
                school=school,
                kind=kind,
                data=data,
                filename=filename,
                today=today,
                date_order=date_order,
            )
            if plan.has_errors:
                raise RosterHasErrors(plan.report)
            _write(plan, school=school, today=today)
    except IntegrityError as exc:
        # Another change to the same people between planning and writing.
        raise Conflict(
            _("The people of this school changed during the import. Please try again.")
        ) from exc
    plan.report.applied = True
    return plan.report


def _write(plan: RosterPlan, *, school: School, today: datetime.date) -> None:
    now = timezone.now()
    # Deletions first: they free the ids and short codes that new people may take.
    lifecycle.people_delete(plan.delete, today=today, now=now)
    lifecycle.people_tolerate(plan.tolerate, today=today, now=now)
    lifecycle.people_disable(plan.disable, today=today, now=now)
    SchoolClass.objects.bulk_create(plan.new_classes, batch_size=BATCH)
    # Most changes of a roster are moves (a rollover moves everyone), so moves are one
    # UPDATE per class; the rarer changes of names and ids are written per set of fields.
    moves: dict[int, tuple[SchoolClass, list[int]]] = {}
    reactivated: list[Person] = []
    changed: dict[tuple[str, ...], list[Person]] = defaultdict(list)
    for row in plan.updates:
        person = row.person
        fields = tuple(sorted(key for key in row.changes if key != "class_name"))
        if fields:
            for key in fields:
                setattr(person, key, row.changes[key][1])
            person.updated_at = now
            changed[fields].append(person)
        if "class_name" in row.changes:
            moves.setdefault(id(row.school_class), (row.school_class, []))[1].append(person.pk)
        if person.status != PersonStatus.ACTIVE and not person.disabled_by_hand:
            reactivated.append(person)
    for fields, people in changed.items():
        Person.objects.bulk_update(people, [*fields, "updated_at"], batch_size=BATCH)
    for school_class, pks in moves.values():
        _update(pks, school_class=school_class, updated_at=now)
    lifecycle.people_reactivate(reactivated, now=now)
    role = PersonRole.STUDENT if plan.report.kind == STUDENTS else PersonRole.TEACHER
    new_people = []
    for row, _outcome in plan.creates:
        values = row.values
        new_people.append(
            Person(
                role=role,
                first_name=values["first_name"],
                last_name=values["last_name"],
                birth_date=values["birth_date"],
                external_id=values.get("external_id") or "",
                short_code=values.get("short_code") or "",
                school=school,
                school_class=row.school_class,
            )
        )
    logins_assign(people=new_people)
    Person.objects.bulk_create(new_people, batch_size=BATCH)
    for (_row, outcome), person in zip(plan.creates, new_people, strict=True):
        outcome.login, outcome.person_id = person.login, person.pk
    class_teachers_write(plan.class_teachers)
    if role == PersonRole.STUDENT and (plan.left_with_loans or plan.back):
        # The loans of students who leave are marked for return, those of students who
        # are back unmarked: the loans build on the accounts, so they are told.
        left, back = list(plan.left_with_loans), list(plan.back)
        transaction.on_commit(
            lambda: students_left.send(sender=Person, left=left, back=back, left_on=today)
        )


def _update(pks: list[int], **values: Any) -> None:
    # In batches: a database limits the number of parameters of one statement.
    for start in range(0, len(pks), BATCH):
        Person.objects.filter(pk__in=pks[start : start + BATCH]).update(**values)
