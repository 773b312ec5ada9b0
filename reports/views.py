"""The report pages, their .xlsx downloads and the open-data export.

Every figure comes from reports.selectors with the acting user, which scope
through core.permissions (Perm.REPORT_VIEW): a role without it gets 403, a coordinator
sees their schools only. Aggregates only: no page here shows a person."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.permissions import Perm, require
from core.sheets.write import XLSX_CONTENT_TYPE
from core.views import web_errors
from reports import exports
from reports.catalogue import (
    BY_SLUG,
    MONTH,
    REPORTS,
    YEAR,
    Report,
    chart_points,
    label_text,
)
from reports.exports import LICENCE


def _report(request: HttpRequest, slug: str) -> Report:
    # The role first: one that may not read reports learns nothing about which exist.
    require(request.user, Perm.REPORT_VIEW)
    report = BY_SLUG.get(slug)
    if report is None:
        raise Http404
    return report


def _cells(report: Report, row: dict) -> list[dict]:
    cells = []
    for column in report.columns:
        value = row[column.key]
        if column.is_measure:
            cells.append({"number": value, "kind": column.kind})
        elif column.kind == YEAR and value is not None:
            cells.append({"text": str(value), "kind": YEAR})
        else:
            cells.append({"text": label_text(column, value), "kind": column.kind})
    return cells


@login_required
@web_errors
def report_index(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.REPORT_VIEW)
    return render(
        request,
        "reports/index.html",
        {
            "reports": REPORTS,
            "licence": LICENCE,
            "publisher": settings.LERNSTATT_OPEN_DATA_PUBLISHER,
        },
    )


@login_required
@web_errors
def report_detail(request: HttpRequest, slug: str) -> HttpResponse:
    report = _report(request, slug)
    rows = report.rows_for(request.user)
    return render(
        request,
        "reports/report.html",
        {
            "report": report,
            "rows": rows,
            "table": [_cells(report, row) for row in rows],
            "points": chart_points(report, rows),
            "month_kind": MONTH,
        },
    )


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@web_errors
def report_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    report = _report(request, slug)
    content = exports.report_xlsx(report, report.rows_for(request.user))
    filename = f"lernstatt-{report.slug}-{timezone.localdate():%Y-%m-%d}.xlsx"
    return _download(content, XLSX_CONTENT_TYPE, filename)


@login_required
@web_errors
def open_data_json(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        exports.open_data_json(request.user), content_type="application/json; charset=utf-8"
    )


@login_required
@web_errors
def open_data_csv(request: HttpRequest) -> HttpResponse:
    filename = f"lernstatt-open-data-{timezone.localdate():%Y-%m-%d}.csv"
    return _download(exports.open_data_csv(request.user), "text/csv; charset=utf-8", filename)
