"""Import jobs: an uploaded file kept in the database, previewed and then applied by
background tasks. One flow for every kind of import; which services check and write a
kind, and which permission it needs, its app registers (import_kind_register). The
pages, the API and the tasks call these functions and the selectors, nothing else."""

import logging
from collections.abc import Iterable
from typing import IO, Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.collector import no_gc_pauses
from core.errors import BrokerUnavailable, Conflict, LernstattError, NotFound, ValidationFailed
from core.models import User
from core.permissions import require
from core.queue import task_send
from core.sheets.read import ensure_size
from core.sheets.values import DATE_ORDERS
from imports.kinds import ImportKind, import_kind
from imports.models import ImportJob
from imports.running import Progress, ProgressCallback
from imports.selectors import import_job_get
from imports.stale import WORKING

logger = logging.getLogger(__name__)

Status = ImportJob.Status
_ONLY_VALID_REFUSED = gettext_lazy(
    "A list of students or teachers is imported whole; leave out only_valid."
)
# The tasks import_preview and import_apply by name: they call these services, so these
# do not import them.
PREVIEW_TASK = "inventory.tasks.import_preview"
APPLY_TASK = "inventory.tasks.import_apply"


class ImportHasErrors(ValidationFailed):
    """Rows of a confirmed job have errors now (the data changed since the preview);
    nothing was written. Carries the new report."""

    def __init__(self, message: str, *, report: dict[str, Any]):
        super().__init__(message, code="import_has_errors")
        self.report = report


def import_job_viewed(
    *, actor: User, job: ImportJob, shown: Iterable[dict[str, Any]], via: str
) -> None:
    """Record that the actor was shown these entries of the job's report (the rows of one
    page, and what else of the report the page lists), as the job's kind keeps such
    records: a roster names pupils, so each person shown gets an entry in the access log;
    a device file names no one. `via` is how: "api" or "web".
    `job` comes from import_job_get, so the actor's scope is already decided."""
    viewed = import_kind(job.kind).viewed
    if viewed is not None:
        viewed(job, actor, list(shown), via)


def import_job_start(
    *,
    actor: User,
    kind: str,
    upload: IO[bytes],
    filename: str,
    size: int,
    **choices: Any,
) -> ImportJob:
    """Keep an uploaded file as a job of `kind` and start its preview in the background
    once this transaction commits. The size is checked before the file is read; the
    choices made on upload (the school, create_missing, date_order) are checked against
    the actor by the kind (ImportKind.prepare) and kept as the job's options."""
    services = import_kind(kind)
    require(actor, services.perm)
    ensure_size(size)
    options = services.prepare(actor=actor, **choices)
    content = upload.read(size + 1)
    ensure_size(len(content))  # the size given was not the real one
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind,
            created_by=actor,
            filename=filename[-255:],
            content=content,
            options={**options, "only_valid": False},
        )
        transaction.on_commit(lambda: _enqueue("preview", job.pk))
    # With tasks run in-process the preview may be done by now.
    return import_job_get(actor=actor, job_id=job.pk)


def import_file_run(
    *,
    actor: User,
    kind: str,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    only_valid: bool = False,
    progress: ProgressCallback | None = None,
    **choices: Any,
) -> dict[str, Any]:
    """Check a file of `kind` and, unless `dry_run`, write it, here and now: the same
    options, preview, check and write as an import job's, with the file kept nowhere (the
    management commands). Returns the report's dict; its `applied` says whether anything
    was written. When rows have errors nothing is written, unless `only_valid` (for the
    kinds that allow it) writes the others."""
    services = import_kind(kind)
    require(actor, services.perm)
    ensure_size(len(data))
    if only_valid and not services.allows_only_valid:
        raise ValidationFailed(str(_ONLY_VALID_REFUSED))
    options = services.prepare(actor=actor, **choices)
    job = ImportJob(
        kind=kind,
        filename=filename[-255:],
        content=data,
        options={**options, "only_valid": only_valid},
    )
    tracker = Progress(progress, 1)
    with no_gc_pauses():
        if dry_run:
            report = services.preview(job, actor, tracker)
        else:
            try:
                prepared = services.check(job, actor, tracker, only_valid)
                with transaction.atomic():
                    report = services.write(prepared, job, actor, tracker)
            except ImportHasErrors as exc:
                report = exc.report
    tracker.finish()
    return report


def checked_date_order(date_order: str | None) -> str:
    """dmy or mdy; ValidationFailed (naming the field date_order) for anything else."""
    if date_order in (None, ""):
        return "dmy"
    if date_order not in DATE_ORDERS:
        message = _("The order of day and month is “dmy” (day first) or “mdy” (month first).")
        raise ValidationFailed(message, errors=[{"field": "date_order", "message": message}])
    return date_order


def import_job_recheck(*, actor: User, job_id: int, date_order: str) -> ImportJob:
    """Check a previewed job's file again, reading dates with slashes in `date_order` (dmy
    or mdy) where their column does not tell; the job is previewed again in the
    background. Only a previewed job that is not confirmed can be checked again
    (Conflict otherwise)."""
    job = import_job_get(actor=actor, job_id=job_id)
    order = checked_date_order(date_order)
    with transaction.atomic():
        again = ImportJob.objects.filter(pk=job.pk, status=Status.PREVIEWED).update(
            status=Status.UPLOADED,
            options={**job.options, "date_order": order},
            report=None,
            progress_done=0,
            error=None,
            updated_at=timezone.now(),
        )
        if not again:
            raise Conflict(_status_conflict(job.status))
        transaction.on_commit(lambda: _enqueue("preview", job.pk))
    return import_job_get(actor=actor, job_id=job.pk)


def import_job_confirm(*, actor: User, job_id: int, only_valid: bool = False) -> ImportJob:
    """Start applying a previewed job in the background. Only a previewed job can be
    confirmed, and only once: of two confirmations at the same time exactly one starts it,
    the other gets Conflict. A job with errors needs `only_valid`, which only the kinds
    that allow it accept (devices; a roster is applied whole)."""
    job = import_job_get(actor=actor, job_id=job_id)
    kind = import_kind(job.kind)
    if only_valid and not kind.allows_only_valid:
        message = str(_ONLY_VALID_REFUSED)
        raise ValidationFailed(message, errors=[{"field": "only_valid", "message": message}])
    if job.status != Status.PREVIEWED:
        raise Conflict(_status_conflict(job.status))
    errors = (job.report or {}).get("counts", {}).get("error", 0)
    if errors and not only_valid:
        raise ValidationFailed(_has_errors_message(errors, kind), code="import_has_errors")
    with transaction.atomic():
        # The status in the WHERE clause makes the second of two confirmations change
        # nothing, whichever request the database serves first.
        started = ImportJob.objects.filter(pk=job.pk, status=Status.PREVIEWED).update(
            status=Status.APPLYING,
            confirmed_by=actor,
            options={**job.options, "only_valid": bool(only_valid)},
            progress_done=0,
            error=None,
            updated_at=timezone.now(),  # the wait for a worker starts now
        )
        if not started:
            raise Conflict(_("This import has already been confirmed."))
        transaction.on_commit(lambda: _enqueue("apply", job.pk))
    return import_job_get(actor=actor, job_id=job.pk)


def _has_errors_message(count: int, kind: ImportKind) -> str:
    if kind.allows_only_valid:
        message = ngettext(
            "%(count)s row has errors, so nothing was imported. Correct the file and "
            "upload it again, or import only the rows without errors.",
            "%(count)s rows have errors, so nothing was imported. Correct the file and "
            "upload it again, or import only the rows without errors.",
            count,
        )
    else:
        message = ngettext(
            "%(count)s row has errors, so nothing was imported. Correct the file and "
            "upload it again.",
            "%(count)s rows have errors, so nothing was imported. Correct the file and "
            "upload it again.",
            count,
        )
    return message % {"count": count}


def _status_conflict(status: str) -> str:
    checking = _("The file is still being checked; confirm it when the preview is done.")
    return {
        Status.UPLOADED: checking,
        Status.PREVIEWING: checking,
        Status.APPLYING: _("This import has already been confirmed."),
        Status.APPLIED: _("This file has already been imported."),
        Status.FAILED: _("This import failed; upload the file again."),
    }.get(status, _("This import cannot be confirmed now."))


def _enqueue(step: str, job_id: int) -> None:
    """Send the task; if the broker cannot take it, no job is left waiting for a task that
    never comes: an upload fails (upload it again), a confirmation is taken back (confirm
    it again), and the user is told why (BrokerUnavailable, 503)."""
    message = _(
        "The background service is not reachable right now, so the import could "
        "not be started. Please try again in a few minutes."
    )

    def undo() -> None:
        if step == "preview":
            error = BrokerUnavailable(message)
            _finish(job_id, status=Status.FAILED, error=error.as_dict())
        else:
            ImportJob.objects.filter(pk=job_id, status=Status.APPLYING).update(
                status=Status.PREVIEWED, confirmed_by=None
            )

    task = PREVIEW_TASK if step == "preview" else APPLY_TASK
    task_send(task, job_id, undo=undo, message=message)


def _progress(job_id: int):
    def report(done: int, total: int) -> None:
        # Also the heartbeat (updated_at); a job marked cut off meanwhile stays failed.
        ImportJob.objects.filter(pk=job_id, status__in=WORKING).update(
            progress_done=done, progress_total=total, updated_at=timezone.now()
        )

    return report


def _finish(job_id: int, **fields: Any) -> None:
    ImportJob.objects.filter(pk=job_id).update(**fields)


def _failure(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, LernstattError):
        return exc.as_dict()
    if isinstance(exc, DatabaseError):
        logger.warning("Import failed, the database connection broke off: %s", exc)
        # The connection that broke is of no use for recording the failure: drop it, the
        # next query opens a new one. Its transaction was rolled back by the database.
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        return {
            "message": _(
                "The connection to the database was lost during the import. Nothing was "
                "imported. Please upload the file again."
            ),
            "code": "database_unavailable",
            "errors": [],
        }
    logger.exception("Import failed")
    return {
        "message": _("Something went wrong on our side. Nothing was imported."),
        "code": "server_error",
        "errors": [],
    }


def import_job_preview(*, job_id: int) -> None:
    """Check a job's file and store every row's outcome; writes nothing else. Runs once per
    upload: a job that is no longer waiting for its preview is left alone."""
    started = ImportJob.objects.filter(
        pk=job_id, status__in=[Status.UPLOADED, Status.PREVIEWING]
    ).update(status=Status.PREVIEWING, updated_at=timezone.now())
    if not started:
        return
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    tracker = Progress(_progress(job_id), 1)
    try:
        with no_gc_pauses():
            report = import_kind(job.kind).preview(job, _actor(job.created_by), tracker)
    except Exception as exc:
        _finish(job_id, status=Status.FAILED, error=_failure(exc))
        return
    tracker.finish()
    # Only if still being checked: a job marked cut off meanwhile stays failed.
    ImportJob.objects.filter(pk=job_id, status=Status.PREVIEWING).update(
        status=Status.PREVIEWED,
        report=report,
        progress_done=tracker.done,
        progress_total=tracker.total,
    )


def import_job_apply(*, job_id: int) -> None:
    """Apply a confirmed job: all its rows or none (only the valid ones if the confirmation
    asked for that). The job becomes `applied` in the same transaction as the rows it
    writes, so a worker that dies half-way leaves it `applying` with nothing written (it
    is marked failed once LERNSTATT_IMPORT_STALE_MINUTES pass without a sign of life,
    import_jobs_mark_stale) and a retry starts over cleanly; once applied, running
    this again changes nothing. A lost database connection fails the job with its own
    message, recorded on a new connection."""
    # The first heartbeat; a job no longer applying (done, or marked cut off) is left alone.
    if not ImportJob.objects.filter(pk=job_id, status=Status.APPLYING).update(
        updated_at=timezone.now()
    ):
        return
    job = ImportJob.objects.select_related("created_by", "confirmed_by").get(pk=job_id)
    try:
        _apply(job)
    except ImportHasErrors as exc:
        _finish(job_id, status=Status.FAILED, error=exc.as_dict(), report=exc.report)
    except Exception as exc:
        _finish(job_id, status=Status.FAILED, error=_failure(exc))


def _apply(job: ImportJob) -> None:
    kind = import_kind(job.kind)
    actor = _actor(job.confirmed_by or job.created_by)
    tracker = Progress(_progress(job.pk), 1)
    with no_gc_pauses():
        prepared = kind.check(job, actor, tracker, job.options.get("only_valid", False))
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().only("status").get(pk=job.pk)
            if locked.status != Status.APPLYING:
                return  # another worker has applied it meanwhile
            report = kind.write(prepared, job, actor, tracker)
            tracker.finish()
            _finish(
                job.pk,
                status=Status.APPLIED,
                report=report,
                progress_done=tracker.done,
                progress_total=tracker.total,
                content=b"",  # applied: the file is no longer needed, its report stays
            )


def _actor(user: User | None) -> User:
    if user is None or not user.is_active:
        raise NotFound(_("The user who started this import no longer exists."))
    return user
