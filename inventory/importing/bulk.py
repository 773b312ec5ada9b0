"""Writing tens of thousands of rows in one import: COPY and UPDATE … FROM (VALUES …) on
PostgreSQL, executemany on SQLite.

Django's bulk_create and bulk_update send every single value through the field machinery
and compile a statement per batch; for a large import that is most of its time. Here each
distinct value of a column is prepared once, by the same `get_db_prep_save` Django uses, so
the database receives what bulk_create would send. Unlike the ORM, nothing is filled in:
the caller passes every column, `auto_now` fields included, and no signals are sent.
"""

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection, models

CHUNK = 2000


# Values of these fields reach both database drivers as they are (Django registers the
# SQLite adapters for dates and decimals); every other field is prepared by Django.
PASSED_AS_IS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DecimalField,
    models.ForeignKey,
)


def _preparer(field: models.Field) -> Callable[[Any], Any] | None:
    if isinstance(field, models.JSONField):
        # JSON text is what both databases take (SQLite stores it, PostgreSQL parses it into
        # jsonb); most values differ, so none are remembered.
        encoder = field.encoder
        return lambda value: None if value is None else json.dumps(value, cls=encoder)
    if isinstance(field, models.DateTimeField):
        pass  # a subclass of DateField, but with time zones to convert
    elif isinstance(field, PASSED_AS_IS) or type(field) is models.DateField:
        return None
    prepared: dict[tuple, Any] = {}

    def prepare(value: Any) -> Any:
        key = (type(value), tuple(value) if isinstance(value, list) else value)
        try:
            return prepared[key]
        except KeyError:
            result = field.get_db_prep_save(value, connection)
            if len(prepared) < 50_000:
                prepared[key] = result
            return result

    return prepare


def _fields(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    return [model._meta.get_field(name) for name in names]


def _prepared(fields: list[models.Field], rows: Iterable[Sequence[Any]]) -> Iterator[list[Any]]:
    preparers = [(i, p) for i, p in enumerate(map(_preparer, fields)) if p is not None]
    for row in rows:
        values = list(row)
        for index, prepare in preparers:
            values[index] = prepare(values[index])
        yield values


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_rows(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """INSERT rows of values given in the order of the field `names` (attnames such as
    `model_id` for foreign keys). `rows` may be a generator, but not one that reads from
    the database: on PostgreSQL the connection is busy with COPY while it is consumed."""
    fields = _fields(model, names)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY goes to psycopg's own cursor; its errors still become Django's.
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for values in _prepared(fields, rows):
                    copy.write_row(values)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        for batch in _batches(_prepared(fields, rows), CHUNK):
            cursor.executemany(sql, batch)


def insert_rows_returning_ids(
    model: type[models.Model], names: Sequence[str], rows: list[Sequence[Any]]
) -> list[int]:
    """insert_rows, and the new rows' primary keys in the order of `rows`."""
    if not rows:
        return []
    pk = model._meta.pk
    if connection.vendor == "postgresql":
        # Take the ids from the table's sequence first, so COPY can write them.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk.column, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        insert_rows(
            model, [pk.attname, *names], ([i, *row] for i, row in zip(ids, rows, strict=True))
        )
        return ids
    # SQLite: the transaction holds the write lock (IMMEDIATE), so every row with a higher
    # id than before is one of these, numbered in the order they were inserted.
    before = model.objects.aggregate(top=models.Max(pk.attname))["top"] or 0
    insert_rows(model, names, rows)
    ids = list(
        model.objects.filter(**{f"{pk.attname}__gt": before})
        .order_by(pk.attname)
        .values_list(pk.attname, flat=True)
    )
    if len(ids) != len(rows):
        raise RuntimeError("rows were inserted outside this transaction")
    return ids


def update_rows(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """UPDATE rows given as (pk, value, value, …), values in the order of the field `names`."""
    fields = _fields(model, names)
    pk = model._meta.pk
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    prepared = _prepared([pk, *fields], rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement per batch: the values as a table, cast to the columns' types.
            width = len(fields) + 1
            size = max(1, min(CHUNK, 60_000 // width))
            sets = ", ".join(
                f"{quote(f.column)} = v.c{i}::{f.db_type(connection)}"
                for i, f in enumerate(fields, start=1)
            )
            for batch in _batches(prepared, size):
                values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(batch))
                sql = (
                    f"UPDATE {table} SET {sets} FROM (VALUES {values}) "
                    f"AS v(c0, {', '.join(f'c{i}' for i in range(1, width))}) "
                    f"WHERE {table}.{quote(pk.column)} = v.c0::{pk.db_type(connection)}"
                )
                cursor.execute(sql, [value for row in batch for value in row])
            return
        sql = "UPDATE {} SET {} WHERE {} = %s".format(
            table,
            ", ".join(f"{quote(field.column)} = %s" for field in fields),
            quote(pk.column),
        )
        for batch in _batches(prepared, CHUNK):
            cursor.executemany(sql, [[*row[1:], row[0]] for row in batch])
