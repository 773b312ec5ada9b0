"""One page of an import job's rows, read inside the database.

The report of a 20,000-row file is a few megabytes of JSON; decoding all of it in Python
takes longer than the page may (about 150 ms), although the page shows 100 rows. Here
the database walks the stored array (SQLite's json_each, PostgreSQL's
jsonb_array_elements) and hands back only the rows asked for, in the order
import_job_rows gives them: errors first, then by row."""

import json
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.fields.json import KeyTransform

from imports.kinds import import_kinds
from imports.models import ImportJob

# The report's parts every job page shows besides its rows, all of them small; each kind
# names its own (ImportKind.report_parts).
REPORT_PARTS = (
    "counts",
    "unknown_columns",
    "skipped",
    "date_orders",
    "hidden_rows",
    # Not shown: which schools a device file's rows name, for the check who may read them.
    "schools",
)


def _parts() -> list[str]:
    parts = dict.fromkeys(REPORT_PARTS)
    for kind in import_kinds().values():
        parts.update(dict.fromkeys(kind.report_parts))
    return list(parts)


_ELEMENTS = {
    # (FROM clause of the rows, text of a row's field, the row's JSON text, its position)
    "sqlite": (
        "json_each(core_importjob.report, '$.rows') AS item",
        "json_extract(item.value, '$.{}')",
        "item.value",
        "item.key",
    ),
    "postgresql": (
        "jsonb_array_elements(core_importjob.report -> 'rows') WITH ORDINALITY AS item(value, n)",
        "(item.value ->> '{}')",
        "item.value::text",
        "item.n",
    ),
}


def with_report_parts(jobs: QuerySet[ImportJob]) -> QuerySet[ImportJob]:
    """The jobs with the small parts of their report read along, decoded one by one in the
    same query, for import_job_report_parts."""
    return jobs.annotate(**{f"part_{name}": KeyTransform(name, "report") for name in _parts()})


def import_job_report_parts(*, job: ImportJob) -> dict[str, Any]:
    """The small parts of the job's report (missing ones left out), without its rows: read
    along with the job (with_report_parts), or in one query."""
    if not hasattr(job, f"part_{REPORT_PARTS[0]}"):
        job = with_report_parts(ImportJob.objects.filter(pk=job.pk).only("pk")).get()
    return {
        name: getattr(job, f"part_{name}")
        for name in _parts()
        if getattr(job, f"part_{name}", None) is not None
    }


def import_job_rows_page(
    *, job: ImportJob, outcome: str | None = None, offset: int = 0, limit: int = 100
) -> tuple[int, list[dict[str, Any]]]:
    """(how many rows match, one page of them) in the order of import_job_rows, reading
    only that page from the database: one query (two for a page past the end). The caller
    bounds `limit`."""
    source, field, value, position = _ELEMENTS[connection.vendor]
    where, params = "core_importjob.id = %s", [job.pk]
    if outcome:
        where += f" AND {field.format('outcome')} = %s"
        params.append(outcome)
    tables = f"core_importjob, {source}"
    # As import_job_rows: one outcome in the stored order; all of them errors first, then
    # by row number, the stored order breaking ties (its sort is stable).
    order = position
    if not outcome:
        order = (
            f"CASE WHEN {field.format('outcome')} = 'error' THEN 0 ELSE 1 END, "
            f"CAST({field.format('row')} AS INTEGER), {position}"
        )
    with connection.cursor() as cursor:
        # The window counts every matching row before LIMIT cuts the page out.
        cursor.execute(
            f"SELECT {value}, count(*) OVER () FROM {tables} WHERE {where} "
            f"ORDER BY {order} LIMIT %s OFFSET %s",
            [*params, max(limit, 1), max(offset, 0)],
        )
        found = cursor.fetchall()
        if found:
            page = [json.loads(text) for text, _count in found] if limit > 0 else []
            return found[0][1], page
        cursor.execute(f"SELECT count(*) FROM {tables} WHERE {where}", params)
        return cursor.fetchone()[0], []
