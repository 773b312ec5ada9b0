"""The import wizard: choose what to import and upload the file, follow the check, read
every row's outcome, confirm, follow the import, read the result.

Each page makes the calls the API makes (inventory.importing.jobs, accounts.rosters.jobs):
the role check (403) and whose jobs one sees (404) are decided there, never here, and a
page that shows a job's rows records what it showed (jobs.import_job_viewed). The pages
work without JavaScript: while a job runs, its page reloads itself every 2 seconds."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.errors import Conflict, FileRejected, NotFound, ValidationFailed
from core.models import ImportJob
from core.views import web_errors
from inventory.import_forms import ROSTER_KINDS, ImportUploadForm
from inventory.importing import jobs, rows

Status = ImportJob.Status
# Rows per page of a preview: errors come first, so the first page shows what to fix.
PAGE_SIZE = 100
# Errors listed in the summary at the top of a preview; the table pages through the rest.
SUMMARY_ERRORS = 20
# People missing from a roster listed by name (the counts are always complete).
LIFECYCLE_NAMES = 100
RUNNING = (Status.UPLOADED, Status.PREVIEWING, Status.APPLYING)

OUTCOME_LABELS = {
    "create": _("new"),
    "update": _("changed"),
    "move": _("changes class"),
    "reactivate": _("back again"),
    "unchanged": _("unchanged"),
    "leave": _("leaves the school"),
    "skip": _("not at the school: no account"),
    "error": _("error"),
}
LIFECYCLE_LABELS = {
    "tolerate": _("missing from the file: account stays for now"),
    "disable": _("missing long enough: account is disabled"),
    "delete": _("disabled long enough: account is deleted"),
}


def _upload(request: HttpRequest, form: ImportUploadForm) -> ImportJob:
    """Start the job through the service the API calls for its kind."""
    data, file = form.cleaned_data, form.cleaned_data["file"]
    upload = {"upload": file, "filename": file.name or "", "size": file.size}
    start = jobs.import_kind(data["kind"]).start
    return start(
        actor=request.user,
        kind=data["kind"],
        school=data["school"],
        create_missing=data["create_missing"],
        **upload,
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
    school = jobs.import_job_school(job) if job.options.get("school") else None
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
        "can_import_devices": any(
            kind == ImportJob.Kind.DEVICES for kind, _label in form.fields["kind"].choices
        ),
        "max_megabytes": settings.LERNSTATT_IMPORT_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "inventory/imports/start.html", context, status=status)


@login_required
@web_errors
def import_start(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        retry = request.GET.get("retry", "")
        if retry.isdigit():
            job = jobs.import_job_get(actor=request.user, job_id=int(retry))
            if job.status != Status.FAILED or job.confirmed_by_id is not None:
                return redirect("inventory:import_detail", job_id=job.pk)
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
                return redirect("inventory:import_detail", job_id=job.pk)
            # Checked at once (no background worker): the reason belongs on this page.
            _add_failure(form, job.error or {})
    return _start_page(request, form, status=422)


def _page_number(request: HttpRequest) -> int:
    value = request.GET.get("page", "1")
    return max(int(value), 1) if value.isdigit() else 1


def _rows_context(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    """One page of the job's rows (errors first), the counts and the error summary, read
    without decoding the whole report (a 20,000-row file's is megabytes)."""
    report = rows.import_job_report_parts(job=job)
    outcome = request.GET.get("outcome") or None
    if outcome not in OUTCOME_LABELS:
        outcome = None
    number = _page_number(request)
    count, page = rows.import_job_rows_page(
        job=job, outcome=outcome, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    pages = max((count + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    for row in page:
        row["label"] = OUTCOME_LABELS.get(row["outcome"], row["outcome"])
    counts = report.get("counts") or {}
    # Without errors in the counts there is no second walk through the rows for them.
    error_total, error_rows = (
        rows.import_job_rows_page(job=job, outcome="error", limit=SUMMARY_ERRORS)
        if counts.get("error")
        else (0, [])
    )
    summary = [
        # Without a filter errors come first, so the n-th error row is on page n // size + 1.
        {**error, "page": index // PAGE_SIZE + 1 if outcome in (None, "error") else None}
        for index, row in enumerate(error_rows)
        for error in row["errors"]
    ]
    return {
        "rows": page,
        "rows_count": count,
        "outcome": outcome,
        "page_number": min(number, pages),
        "pages": pages,
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if number < pages else None,
        "counts": [
            {"key": key, "label": label, "count": counts[key]}
            for key, label in OUTCOME_LABELS.items()
            if key in counts
        ],
        "error_count": counts.get("error", 0),
        "error_total": error_total,
        "summary": summary,
        "summary_cut": error_total > len(error_rows),
        "valid_count": sum(n for key, n in counts.items() if key in OUTCOME_LABELS) - error_total,
        "lifecycle": [
            {
                "key": key,
                "label": label,
                "count": len(report.get(key) or []),
                "people": (report.get(key) or [])[:LIFECYCLE_NAMES],
            }
            for key, label in LIFECYCLE_LABELS.items()
            if report.get(key)
        ],
        "lifecycle_limit": LIFECYCLE_NAMES,
        "to_create": report.get("to_create") or {},
        "new_classes": report.get("new_classes") or [],
        "class_names": report.get("class_names") or [],
        "leaving_with_loans": report.get("loans") or [],
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
    job = jobs.import_job_get(actor=request.user, job_id=job_id, with_report=False)
    if job.status == Status.FAILED and job.confirmed_by_id is None:
        # The file was refused while it was checked: back to the upload, input kept.
        return redirect(f"{reverse('inventory:import_start')}?retry={job.pk}")
    context: dict[str, Any] = {
        "job": job,
        "is_roster": job.kind in ROSTER_KINDS,
        "school": jobs.import_job_school(job),
        "allows_only_valid": jobs.import_kind(job.kind).allows_only_valid,
    }
    if job.status in RUNNING:
        total = max(job.progress_total, 1)
        context["percent"] = min(100 * job.progress_done // total, 100)
        return render(request, "inventory/imports/progress.html", context)
    context.update(_rows_context(request, job))
    # What the page names: its rows, and the people missing from a roster that it lists.
    listed = [person for step in context["lifecycle"] for person in step["people"]]
    listed += context["leaving_with_loans"]
    jobs.import_job_viewed(
        actor=request.user, job=job, shown=[*context["rows"], *listed], via="web"
    )
    return render(request, "inventory/imports/detail.html", context)


@login_required
@require_POST
@web_errors
def import_confirm(request: HttpRequest, job_id: int) -> HttpResponse:
    only_valid = request.POST.get("only_valid") == "1"
    try:
        jobs.import_job_confirm(actor=request.user, job_id=job_id, only_valid=only_valid)
    except (Conflict, ValidationFailed) as exc:
        # Another admin confirmed a moment ago, or the rows have errors: nothing started.
        messages.error(request, exc.message)
    return redirect("inventory:import_detail", job_id=job_id)


@login_required
@require_POST
@web_errors
def import_recheck(request: HttpRequest, job_id: int) -> HttpResponse:
    """Check a previewed file again with the other order of day and month."""
    try:
        jobs.import_job_recheck(
            actor=request.user, job_id=job_id, date_order=request.POST.get("date_order", "")
        )
    except (Conflict, ValidationFailed) as exc:
        messages.error(request, exc.message)
    return redirect("inventory:import_detail", job_id=job_id)
