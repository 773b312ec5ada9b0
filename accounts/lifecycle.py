"""The steps of a person who left a school: tolerated (the account still works) → disabled
→ deleted. The roster import takes them for the people missing from its file; the daily
task takes the steps that fall due between imports (people_lifecycle_advance). Both
write them with the functions here, so a step means the same whoever takes it.

The directory follows with the next sync: a disabled person's entry refuses every bind, a
deleted person's entry is removed. Lernstatt itself does not wait for it: the moment a
person is disabled or deleted, their Lernstatt user is locked out (core.users: inactive,
every session ended, every token revoked), and the directory login checks the person's
status at every login anyway. A person who comes back gets their login back, not their
old sessions or tokens."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from accounts.logins import logins_release
from accounts.models import Person, PersonRole, PersonStatus
from core.models import User
from core.permissions import Perm, reaches_school, require
from core.users import users_lock_out, users_restore
from inventory.models import School

BATCH = 1000
# A deleted person's row keeps no login (it is reserved in ReleasedLogin instead) but the
# column may be neither empty nor shared, so the row gets this one, unique by its id.
DELETED_LOGIN_PREFIX = "deleted."
# Days a person missing from the roster stays tolerated before the account is disabled,
# and then disabled before it is deleted; settings of the same names override them.
LIFECYCLE_DAYS = {
    "LERNSTATT_TOLERATE_DAYS_STUDENT": 30,
    "LERNSTATT_DELETE_DAYS_STUDENT": 60,
    "LERNSTATT_TOLERATE_DAYS_TEACHER": 60,
    "LERNSTATT_DELETE_DAYS_TEACHER": 90,
}


def lifecycle_days(role: str) -> tuple[int, int]:
    """(days tolerated until disabled, days disabled until deleted) for a role; staff
    have the teachers' periods."""
    suffix = "STUDENT" if role == PersonRole.STUDENT else "TEACHER"
    return tuple(  # type: ignore[return-value]
        getattr(settings, name, LIFECYCLE_DAYS[name])
        for name in (f"LERNSTATT_TOLERATE_DAYS_{suffix}", f"LERNSTATT_DELETE_DAYS_{suffix}")
    )


def step_due(person: Person, today: datetime.date) -> bool:
    """Whether a tolerated person is due to be disabled, or a disabled one to be deleted:
    in that status for the period of their role, or since an unknown day."""
    tolerate_days, delete_days = lifecycle_days(person.role)
    if person.status == PersonStatus.TOLERATED:
        since, days = person.tolerated_at, tolerate_days
    elif person.status == PersonStatus.DISABLED:
        since, days = person.disabled_at, delete_days
    else:
        return False
    return since is None or (today - since).days >= days


def people_tolerate(
    people: Sequence[Person], *, today: datetime.date, now: datetime.datetime | None = None
) -> None:
    """Mark people as tolerated since `today`; their accounts keep working."""
    _update(
        people,
        status=PersonStatus.TOLERATED,
        tolerated_at=today,
        updated_at=now or timezone.now(),
    )


def people_disable(
    people: Sequence[Person], *, today: datetime.date, now: datetime.datetime | None = None
) -> None:
    """Mark people as disabled since `today` and lock their Lernstatt users out at once;
    the next sync locks their directory accounts."""
    _update(
        people,
        status=PersonStatus.DISABLED,
        disabled_at=today,
        updated_at=now or timezone.now(),
    )
    _users_lock_out(people)


def people_disable_now(*, actor: User, people: Sequence[Person]) -> int:
    """Disable at once the accounts of people who left before the roster says so (an IT
    admin's action in the admin): as the lifecycle's step, from today, with their
    Lernstatt users locked out. They stay disabled while a roster still lists them, until
    people_enable_now; a roster that leaves them out deletes them in turn. Only people of
    schools the actor reaches who are active or tolerated; returns how many were
    disabled."""
    require(actor, Perm.PERSON_EDIT)
    chosen = [
        person
        for person in people
        if person.has_working_account and reaches_school(actor, person.school_id)
    ]
    with transaction.atomic():
        people_disable(chosen, today=timezone.localdate())
        Person.objects.filter(pk__in=[person.pk for person in chosen]).update(disabled_by_hand=True)
    return len(chosen)


def people_enable_now(*, actor: User, people: Sequence[Person]) -> int:
    """Take back people_disable_now: the people an IT admin disabled by hand are active
    again and their Lernstatt users may log in (sessions and tokens from before stay
    ended). Only people of schools the actor reaches; returns how many were enabled."""
    require(actor, Perm.PERSON_EDIT)
    chosen = [
        person
        for person in people
        if person.disabled_by_hand
        and person.status == PersonStatus.DISABLED
        and reaches_school(actor, person.school_id)
    ]
    with transaction.atomic():
        people_reactivate(chosen)
    return len(chosen)


def people_reactivate(people: Sequence[Person], *, now: datetime.datetime | None = None) -> None:
    """Make people active again (they are back in the roster) and let their Lernstatt
    users log in again; sessions and tokens from before stay ended."""
    _update(
        people,
        status=PersonStatus.ACTIVE,
        tolerated_at=None,
        disabled_at=None,
        disabled_by_hand=False,
        updated_at=now or timezone.now(),
    )
    users_restore(user_ids=_user_ids(people))


def people_delete(
    people: Sequence[Person], *, today: datetime.date, now: datetime.datetime | None = None
) -> None:
    """Delete people: their logins are reserved for the reuse period, their rows lose
    names, ids, Kürzel, class and login (the DN stays, for the sync to remove the entry).
    Their Lernstatt users are locked out at once. Call it inside the transaction that
    decided the deletion."""
    if not people:
        return
    now = now or timezone.now()
    _users_lock_out(people)
    logins_release(logins=[person.login for person in people], released_at=now)
    _update(
        people,
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


def people_lifecycle_advance(today: datetime.date | None = None) -> dict[str, int]:
    """Take the steps that fell due without a roster import: people tolerated for the
    tolerate period of their role (LERNSTATT_TOLERATE_DAYS_*) become disabled, people
    disabled for the delete period (LERNSTATT_DELETE_DAYS_*) are deleted, as the import
    would do it. One transaction per school, which waits for an import of that school
    running at the same time. Returns how many people were disabled and deleted."""
    today = today or timezone.localdate()
    counts = {"disable": 0, "delete": 0}
    waiting = Person.objects.filter(status__in=(PersonStatus.TOLERATED, PersonStatus.DISABLED))
    school_ids = sorted({person.school_id for person in waiting if step_due(person, today)})
    for school_id in school_ids:
        with transaction.atomic():
            # The roster import locks its school the same way: the two never interleave.
            School.objects.select_for_update().filter(pk=school_id).values_list("pk").first()
            due = [
                person
                for person in waiting.filter(school_id=school_id).order_by("pk")
                if step_due(person, today)
            ]
            disable = [person for person in due if person.status == PersonStatus.TOLERATED]
            delete = [person for person in due if person.status == PersonStatus.DISABLED]
            people_disable(disable, today=today)
            people_delete(delete, today=today)
        counts["disable"] += len(disable)
        counts["delete"] += len(delete)
    return counts


def _user_ids(people: Sequence[Person]) -> list[int]:
    pks = [person.pk for person in people]
    ids: list[int] = []
    for start in range(0, len(pks), BATCH):
        ids.extend(
            Person.objects.filter(pk__in=pks[start : start + BATCH], user__isnull=False)
            .order_by()
            .values_list("user_id", flat=True)
        )
    return ids


def _users_lock_out(people: Sequence[Person]) -> None:
    users_lock_out(user_ids=_user_ids(people))


def _update(people: Sequence[Person], **values: Any) -> None:
    pks = [person.pk for person in people]
    # In batches: a database limits the number of parameters of one statement.
    for start in range(0, len(pks), BATCH):
        Person.objects.filter(pk__in=pks[start : start + BATCH]).update(**values)
