"""What an apply writes to the database about the entries it made: each person's DN,
uidNumber and time of sync, and the initial password of a new account, written in
batches (one transaction each) rather than after every add."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.handout import initial_passwords_keep
from accounts.models import Person

BATCH = 500


def person_record(people: QuerySet[Person], *, uid_number: int | None, **fields: str) -> None:
    """Write where a person's entry is, at once, for the next plan to match."""
    now = timezone.now()
    if uid_number is None:
        people.update(last_synced_at=now, **fields)
        return
    try:
        with transaction.atomic():
            people.update(uid_number=uid_number, last_synced_at=now, **fields)
    except IntegrityError:
        # Another person got the number meanwhile (a run for another school at the same
        # time); the next plan gives this one a free number.
        people.update(last_synced_at=now, **fields)


class AddedPeople:
    """The people whose entries the server confirmed, until the next flush: their DN and
    uidNumber, and the initial password when one was set."""

    def __init__(self, batch: int = BATCH) -> None:
        self.batch = batch
        self.places: dict[int, tuple[str, int]] = {}
        self.passwords: dict[int, str] = {}

    def add(self, person_id: int, dn: str, uid_number: int, password: str | None) -> None:
        """Note one confirmed entry; flushes when the batch is full."""
        self.places[person_id] = (dn, uid_number)
        if password is not None:
            self.passwords[person_id] = password
        if len(self.places) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Write what was noted in one transaction: DN, uidNumber and last_synced_at of each
        person, and the initial passwords (initial_passwords_keep)."""
        if not self.places:
            return
        places, passwords = self.places, self.passwords
        self.places, self.passwords = {}, {}
        now = timezone.now()
        try:
            with transaction.atomic():
                synced = connection.ops.adapt_datetimefield_value(now)
                _places_write([(dn, number, synced, pk) for pk, (dn, number) in places.items()])
                initial_passwords_keep(passwords)
        except IntegrityError:
            # A uidNumber was taken meanwhile by a run for another school: one at a time,
            # so that only that person waits for the next plan's free number.
            for pk, (dn, number) in places.items():
                person_record(Person.objects.filter(pk=pk), dn=dn, uid_number=number)
            initial_passwords_keep(passwords)


def _places_write(rows: list[tuple[str, int, object, int]]) -> None:
    """UPDATE each person's dn, uid_number and last_synced_at: one statement sent many
    times (psycopg pipelines it). Django's bulk_update builds one CASE per field with a
    branch per row, which the database evaluates for every row: quadratic in the batch."""
    meta = Person._meta
    quote = connection.ops.quote_name
    columns = [
        quote(meta.get_field(name).column) for name in ("dn", "uid_number", "last_synced_at")
    ]
    assignments = ", ".join(f"{column} = %s" for column in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
