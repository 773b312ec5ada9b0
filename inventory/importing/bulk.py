"""Writing tens of thousands of rows in one import: COPY and UPDATE … FROM (VALUES …) on
PostgreSQL, executemany on SQLite.

Django's bulk_create and bulk_update send every single value through the field machinery
and compile a statement per batch; for a large import that is most of its time. Here each
distinct value of a column is prepared once, by the same `get_db_prep_save` Django uses, so
the database receives what bulk_create would send. Unlike the ORM, nothing is filled in:
the caller passes every column, `auto_now` fields included, and no signals are sent.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection, models

CHUNK = 2000


def _preparer(field: models.Field) -> Callable[[Any], Any]:
    if isinstance(field, models.CharField | models.TextField):
        return _text
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


def _text(value: Any) -> Any:
    return value if value is None or type(value) is str else str(value)


def _fields(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    return [model._meta.get_field(name) for name in names]


def _prepared(fields: list[models.Field], rows: Iterable[Sequence[Any]]) -> Iterator[list[Any]]:
    prepare = [_preparer(field) for field in fields]
    for row in rows:
        yield [p(v) for p, v in zip(prepare, row, strict=True)]


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_rows(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """INSERT rows of values given in the order of the field `names` (attnames such as
    `model_id` for foreign keys)."""
    fields = _fields(model, names)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Rows first, then COPY: while COPY runs, the connection can answer nothing else,
            # so `rows` must not be a query still being read.
            prepared = list(_prepared(fields, rows))
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in prepared:
                    copy.write_row(values)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        for batch in _batches(_prepared(fields, rows), CHUNK):
            cursor.executemany(sql, batch)


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
