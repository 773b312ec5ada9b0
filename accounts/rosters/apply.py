"""The roster import's services: preview (reads only) and apply (all or nothing)."""

import datetime
from collections import defaultdict
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.logins import logins_assign, logins_release
from accounts.models import Person, PersonRole, PersonStatus, SchoolClass
from accounts.rosters.columns import KINDS, STUDENTS
from accounts.rosters.parse import read_roster_table
from accounts.rosters.plan import RosterPlan, plan_roster
from accounts.rosters.report import RosterReport
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import User
from core.permissions import Perm, reaches_school, require
from inventory.models import School

BATCH = 1000
# A deleted person's row keeps no login (it is reserved in ReleasedLogin instead) but the
# column may be neither empty nor shared, so the row gets this one, unique by its id.
DELETED_LOGIN_PREFIX = "deleted."


def _check(*, actor: User, school: School, kind: str) -> None:
    require(actor, Perm.ROSTER_IMPORT)
    if not reaches_school(actor, school.id):
        raise NotFound(_("School %(number)s not found.") % {"number": school.number})
    if kind not in KINDS:
        raise ValidationFailed(_("A roster lists either students or teachers."))


def _plan(
    *, school: School, kind: str, data: bytes, filename: str, today: datetime.date
) -> RosterPlan:
    table = read_roster_table(data=data, filename=filename, kind=kind)
    return plan_roster(school=school, kind=kind, table=table, today=today)


def roster_preview(
    *,
    actor: User,
    school: School,
    kind: str,
    data: bytes,
    filename: str,
    today: datetime.date | None = None,
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
    ).report


def roster_apply(
    *,
    actor: User,
    school: School,
    kind: str,
    data: bytes,
    filename: str,
    today: datetime.date | None = None,
) -> RosterReport:
    """Carry out what the preview shows, in one transaction: every row and every lifecycle
    step, or nothing. New people get their logins here; changed names, moves and
    reactivations keep theirs; a deleted person's login is reserved for the reuse period
    and their row kept without names, ids or login (its DN stays for the directory sync).
    Applying the same file again finds everything unchanged. Raises ValidationFailed
    (with every row error) when any row has an error, besides the errors of preview."""
    _check(actor=actor, school=school, kind=kind)
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            # Two imports for one school wait for each other instead of both creating
            # the same new people.
            School.objects.select_for_update().filter(pk=school.pk).values_list("pk").first()
            plan = _plan(school=school, kind=kind, data=data, filename=filename, today=today)
            if plan.has_errors:
                raise ValidationFailed(
                    _("The file has errors; nothing was imported. Correct them and try again."),
                    code="import_has_errors",
                    errors=plan.report.errors,
                )
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
    if plan.delete:
        logins_release(logins=[person.login for person in plan.delete], released_at=now)
        _update(
            [person.pk for person in plan.delete],
            login=Concat(Value(DELETED_LOGIN_PREFIX), Cast("pk", CharField())),
            first_name="",
            last_name="",
            external_id="",
            short_code="",
            school_class=None,
            status=PersonStatus.DELETED,
            deleted_at=today,
            updated_at=now,
        )
    for status, people, since in (
        (PersonStatus.TOLERATED, plan.tolerate, "tolerated_at"),
        (PersonStatus.DISABLED, plan.disable, "disabled_at"),
    ):
        _update([person.pk for person in people], status=status, **{since: today}, updated_at=now)
    SchoolClass.objects.bulk_create(plan.new_classes, batch_size=BATCH)
    # Most changes of a roster are moves (a rollover moves everyone), so moves are one
    # UPDATE per class; the rarer changes of names and ids are written per set of fields.
    moves: dict[int, tuple[SchoolClass, list[int]]] = {}
    reactivated: list[int] = []
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
        if person.status != PersonStatus.ACTIVE:
            reactivated.append(person.pk)
    for fields, people in changed.items():
        Person.objects.bulk_update(people, [*fields, "updated_at"], batch_size=BATCH)
    for school_class, pks in moves.values():
        _update(pks, school_class=school_class, updated_at=now)
    _update(
        reactivated,
        status=PersonStatus.ACTIVE,
        tolerated_at=None,
        disabled_at=None,
        updated_at=now,
    )
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
        outcome.login = person.login


def _update(pks: list[int], **values: Any) -> None:
    # In batches: a database limits the number of parameters of one statement.
    for start in range(0, len(pks), BATCH):
        Person.objects.filter(pk__in=pks[start : start + BATCH]).update(**values)
