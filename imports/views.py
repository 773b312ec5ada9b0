"""The import wizard: choose what to import and upload the file, follow the check, read
every row's outcome, confirm, follow the import, read the result.

Each page makes the calls the API makes (the import services and selectors, and a kind's
upload): the role check (403) and whose jobs one sees (404) are decided there, never here,
and a page that shows a job's rows records what it showed (import_job_viewed). What is
particular to a kind (its words, its columns, its part of the report) comes from the kind
its app registered. The pages work without JavaScript: while a job runs, its page reloads
itself every 2 seconds."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import Conflict, FileRejected, NotFound, ValidationFailed
from core.views import web_errors
from imports import selectors, services
from imports.forms import ImportUploadForm
from imports.kinds import import_kind
from imports.models import ImportJob

Status = ImportJob.Status
# Rows per page of a preview: errors come first, so the first page shows what to fix.
PAGE_SIZE = 100
# Errors listed in the summary at the top of a preview; the table pages through the rest.
SUMMARY_ERRORS = 20
RUNNING = (Status.UPLOADED, Status.PREVIEWING, Status.APPLYING)


def _upload(request: HttpRequest, form: ImportUploadForm) -> ImportJob:
    """Start the job through the service the API's uploads call."""
    data, file = form.cleaned_data, form.cleaned_data["file"]
    return services.import_job_start(
        actor=request.user,
        kind=data["kind"],
        upload=file,
        filename=file.name or "",
        size=file.size,
        school=data["school"],
        create_missing=data.get("create_missing", False),
    )


def _add_failure(form: ImportUploadForm, failure: dict[str, Any]) -> None:
    """A refused file's message at the file field, its details (row, column) after it."""
    details = [
        error.get("message", "")
        for error in failure.get("errors", [])[:SUMMARY_ERRORS]
        if error.get("message") and error.get("message") != failure.get("message")
    ]
    form.errors["file"] = form.error_class([failure.get("message", ""), *details])


def _retry_form(request: HttpRequest, job: ImportJob) -> ImportUploadForm:
    """The upload form as it was for a job whose file was refused in the background, with
    the reason at the file field."""
    school = import_kind(job.kind).school(job)
    data = {
        "kind": job.kind,
        "school": school.number if school else "",
        "create_missing": job.options.get("create_missing") or "",
    }
    form = ImportUploadForm(data, actor=request.user)
    form.is_valid()
    _add_failure(form, job.error or {})
    return form


def _start_page(request: HttpRequest, form: ImportUploadForm, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "max_megabytes": settings.LERNSTATT_IMPORT_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "imports/start.html", context, status=status)


@login_required
@web_errors
def import_start(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        retry = request.GET.get("retry", "")
        if retry.isdigit():
            job = selectors.import_job_get(actor=request.user, job_id=int(retry))
            if job.status != Status.FAILED or job.confirmed_by_id is not None:
                return redirect("imports:detail", job_id=job.pk)
            form = _retry_form(request, job)
        else:
            form = ImportUploadForm(initial=request.GET.dict(), actor=request.user)
        return _start_page(request, form)
    form = ImportUploadForm(request.POST, request.FILES, actor=request.user)
    if form.is_valid():
        try:
            job = _upload(request, form)
        except NotFound as exc:
            form.add_error("school", exc.message)
        except (FileRejected, ValidationFailed) as exc:
            _add_failure(form, exc.as_dict())
        else:
            if job.status != Status.FAILED:
                return redirect("imports:detail", job_id=job.pk)
            # Checked at once (no background worker): the reason belongs on this page.
            _add_failure(form, job.error or {})
    return _start_page(request, form, status=422)


def _page_number(request: HttpRequest) -> int:
    value = request.GET.get("page", "1")
    return max(int(value), 1) if value.isdigit() else 1


def _rows_context(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    """One page of the job's rows (errors first), the counts, the error summary and the
    kind's part of the report, read without decoding the whole report (a 20,000-row
    file's is megabytes)."""
    kind = import_kind(job.kind)
    labels = kind.labels
    report = selectors.import_job_report_parts(job=job)
    outcome = request.GET.get("outcome") or None
    if outcome not in labels:
        outcome = None
    number = _page_number(request)
    count, page = selectors.import_job_rows(
        job=job, outcome=outcome, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    pages = max((count + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    for row in page:
        row["label"] = labels.get(row["outcome"], row["outcome"])
        row["cells"] = [row.get(key) for key, _header in kind.columns]
    counts = report.get("counts") or {}
    # Without errors in the counts there is no second walk through the rows for them.
    error_total, error_rows = (
        selectors.import_job_rows(job=job, outcome="error", limit=SUMMARY_ERRORS)
        if counts.get("error")
        else (0, [])
    )
    summary = [
        # Without a filter errors come first, so the n-th error row is on page n // size + 1.
        {**error, "page": index // PAGE_SIZE + 1 if outcome in (None, "error") else None}
        for index, row in enumerate(error_rows)
        for error in row["errors"]
    ]
    extra, named = kind.page(report) if kind.page else ({}, [])
    return {
        **extra,
        "named": named,
        "rows": page,
        "rows_count": count,
        "outcome": outcome,
        "page_number": min(number, pages),
        "pages": pages,
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if number < pages else None,
        "counts": [
            {"key": key, "label": label, "count": counts[key]}
            for key, label in labels.items()
            if key in counts
        ],
        "error_count": counts.get("error", 0),
        "error_total": error_total,
        "summary": summary,
        "summary_cut": error_total > len(error_rows),
        "valid_count": sum(n for key, n in counts.items() if key in labels) - error_total,
        "unknown_columns": report.get("unknown_columns") or [],
        "skipped": report.get("skipped") or [],
        "hidden_rows": report.get("hidden_rows") or 0,
        "date_order": job.options.get("date_order") or "dmy",
        "date_orders_assumed": [
            dates for dates in report.get("date_orders") or [] if dates.get("assumed")
        ],
    }


@login_required
@web_errors
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.import_job_get(actor=request.user, job_id=job_id, with_report=False)
    if job.status == Status.FAILED and job.confirmed_by_id is None:
        # The file was refused while it was checked: back to the upload, input kept.
        return redirect(f"{reverse('imports:start')}?retry={job.pk}")
    kind = import_kind(job.kind)
    context: dict[str, Any] = {
        "job": job,
        "kind": kind,
        "title": kind.title % {"name": job.filename},
        "school": kind.school(job),
    }
    if job.status in RUNNING:
        total = max(job.progress_total, 1)
        context["percent"] = min(100 * job.progress_done // total, 100)
        return render(request, "imports/progress.html", context)
    context.update(_rows_context(request, job))
    # What the page names: its rows, and whom the kind's part of the report lists.
    services.import_job_viewed(
        actor=request.user, job=job, shown=[*context["rows"], *context["named"]], via="web"
    )
    return render(request, "imports/detail.html", context)


@login_required
@require_POST
@web_errors
def import_confirm(request: HttpRequest, job_id: int) -> HttpResponse:
    only_valid = request.POST.get("only_valid") == "1"
    try:
        services.import_job_confirm(actor=request.user, job_id=job_id, only_valid=only_valid)
    except (Conflict, ValidationFailed) as exc:
        # Another admin confirmed a moment ago, or the rows have errors: nothing started.
        messages.error(request, exc.message)
    return redirect("imports:detail", job_id=job_id)


@login_required
@require_POST
@web_errors
def import_recheck(request: HttpRequest, job_id: int) -> HttpResponse:
    """Check a previewed file again with the other order of day and month."""
    try:
        services.import_job_recheck(
            actor=request.user, job_id=job_id, date_order=request.POST.get("date_order", "")
        )
    except (Conflict, ValidationFailed) as exc:
        messages.error(request, exc.message)
    return redirect("imports:detail", job_id=job_id)
