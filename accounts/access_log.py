"""The access log: who looked at or changed which person's data, when, and how.

Every entry is written by access_log_record, called from the selectors and services that
show, create or change one person (the person detail over the API and on the web page, a
new person, a change, the Art. 15 export, a password reset, the loan agreement PDF with
the child's birth date and guardian) and from the downloads that name many (the class
list and the loan export: one entry per person in the file, one bulk insert). Lists and
searches are not logged: they show names and logins only, and a log of every list page
would bury the entries that matter. City staff see aggregates only and so never appear.
Entries are kept LERNSTATT_ACCESS_LOG_DAYS days.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import AccessAction, AccessLogEntry, AccessVia, Person
from core.models import User
from core.permissions import Perm, require

BATCH = 1000


def access_log_record(
    *,
    actor: User | None,
    action: AccessAction | str,
    via: AccessVia | str,
    people: Iterable[Person | int],
    detail: str = "",
) -> int:
    """Write one entry per person (a Person or its id) for this actor, action and way in,
    all with the same time, in one bulk insert per 1000 people. `actor` None is a command
    run without a user. Returns how many entries were written."""
    now = timezone.now()
    # A command without --user acts as an unsaved IT admin ("manage.py"): name, no id.
    name = actor.get_username() if actor is not None else ""
    actor_id = actor.pk if actor is not None else None
    rows = [
        AccessLogEntry(
            actor_id=actor_id,
            actor_name=name,
            at=now,
            person_id=person if isinstance(person, int) else person.pk,
            action=action,
            via=via,
            detail=detail[:200],
        )
        for person in people
    ]
    AccessLogEntry.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


@dataclass(frozen=True)
class AccessLogFilters:
    person: int | None = None  # person id
    actor: str | None = None  # username, exact (case ignored)


def access_log_list(
    *, actor: User, filters: AccessLogFilters | None = None
) -> QuerySet[AccessLogEntry]:
    """The entries, newest first, for those who may read the log (IT admins; 403 for
    everyone else); one query per page, whatever the number of entries."""
    require(actor, Perm.ACCESS_LOG_VIEW)
    filters = filters or AccessLogFilters()
    qs = AccessLogEntry.objects.all()
    if filters.person is not None:
        qs = qs.filter(person_id=filters.person)
    if filters.actor:
        qs = qs.filter(actor_name__iexact=filters.actor.strip())
    return qs.order_by("-at", "-id")


def _old(now: datetime.datetime | None) -> QuerySet[AccessLogEntry]:
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.LERNSTATT_ACCESS_LOG_DAYS)
    return AccessLogEntry.objects.filter(at__lt=cutoff)


def access_log_count_old(*, now: datetime.datetime | None = None) -> int:
    """How many entries access_log_purge would delete now."""
    return _old(now).count()


def access_log_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the entries older than LERNSTATT_ACCESS_LOG_DAYS; returns how many."""
    deleted, _ = _old(now).delete()
    return deleted
