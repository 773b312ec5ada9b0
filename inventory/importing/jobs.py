"""Import jobs: an uploaded file kept in the database, previewed and then applied by
background tasks. One flow for every kind of import (devices, students, teachers); which
services check and write a kind, and which permission it needs, is decided in
`import_kind` alone. The API and the tasks call these functions and nothing else."""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import (
    BrokerUnavailable,
    Conflict,
    LernstattError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from core.models import ImportJob, User
from core.permissions import Perm, has, require, school_ids
from core.queue import task_send
from core.sheets.read import ensure_size
from core.sheets.values import DATE_ORDERS
from inventory.importing.apply import (
    device_import_plan,
    device_import_write,
    import_school,
    no_gc_pauses,
)
from inventory.importing.report import Progress
from inventory.importing.rows import with_report_parts
from inventory.importing.stale import WORKING, import_job_is_stale, import_jobs_mark_stale
from inventory.models import School

logger = logging.getLogger(__name__)

Status = ImportJob.Status
# How many rows of a report one request may ask for.
MAX_PAGE = 1000


class ImportHasErrors(ValidationFailed):
    """Rows of a confirmed job have errors now (the data changed since the preview);
    nothing was written. Carries the new report."""

    def __init__(self, message: str, *, report: dict[str, Any]):
        super().__init__(message, code="import_has_errors")
        self.report = report


@dataclass(frozen=True)
class ImportKind:
    """How the jobs of one kind are checked and carried out.

    - preview(job, actor, progress): every row's outcome, as the report's dict; writes
      nothing.
    - check(job, actor, progress, only_valid): what to write, prepared outside the
      transaction; raises ImportHasErrors when rows have errors that may not be left out.
    - write(prepared, job, actor, progress): writes, inside the transaction that marks the
      job applied, and returns the report's dict; raises ImportHasErrors (nothing written)
      like check.
    - viewed(job, actor, shown, via): records that the actor was shown these entries of
      the report (see import_job_viewed); None for a kind that names no one.
    - start(actor=, kind=, upload=, filename=, size=, school=, create_missing=): keeps an
      uploaded file as a job of this kind and starts its preview (the web page's upload;
      the API has an endpoint per kind).
    """

    perm: Perm
    preview: Callable[[ImportJob, User, Progress], dict[str, Any]]
    check: Callable[[ImportJob, User, Progress, bool], Any]
    write: Callable[[Any, ImportJob, User, Progress], dict[str, Any]]
    # Whether a confirmation may leave out the rows with errors and import the others.
    allows_only_valid: bool
    viewed: Callable[[ImportJob, User, list[dict[str, Any]], str], None] | None = None
    start: Callable[..., ImportJob] | None = None


# The import kinds, each registered by its app (AppConfig.ready): the flow here names none.
_KINDS: dict[str, ImportKind] = {}


def import_kind_register(kind: str, services: ImportKind) -> None:
    """Make a kind of import job known (one of ImportJob.Kind)."""
    _KINDS[kind] = services


def import_kind(kind: str) -> ImportKind:
    """The services and the permission of one kind of import job."""
    return _KINDS[kind]


def _require_some_import(actor: User) -> None:
    perms = {import_kind(kind).perm for kind in ImportJob.Kind.values}
    if not any(has(actor, perm) for perm in perms):
        raise PermissionDenied(_("You are not allowed to do this."))


def _sees_every_job(actor: User) -> bool:
    # Whoever imports for every school (the IT admins) may look at everyone's imports.
    return school_ids(actor) is None


def _named_schools(job: ImportJob) -> set[int] | None:
    """The ids of the schools the rows of a job's report name (the report's `schools`,
    written by the device import's plan); an empty set for a job without rows yet; None
    when the report has rows but no such list (stored before the list was kept)."""
    if hasattr(job, "part_schools"):  # read along with the job (with_report=False)
        schools, counts = job.part_schools, job.part_counts
    else:
        report = job.report or {}
        schools, counts = report.get("schools"), report.get("counts")
    if schools is not None:
        return set(schools)
    return None if any((counts or {}).values()) else set()


def _reaches_job(actor: User, job: ImportJob) -> bool:
    """Whether the actor reaches every school whose data the job shows; see import_job_get."""
    reach = school_ids(actor)
    if reach is None:
        return True
    school_id = job.options.get("school")
    if school_id:
        return school_id in reach
    named = _named_schools(job)
    return named is not None and named <= reach


def import_job_get(*, actor: User, job_id: int, with_report: bool = True) -> ImportJob:
    """A job the actor may see, decided at every read, not only at the upload: the actor's
    role and schools may have changed since. The actor sees a job when

    1. the role may import at all (else 403) and may import the job's kind
       (`device.import`, `roster.import`; else 403);
    2. it is their own job, or they import for every school (the IT admins);
    3. they reach the job's school now: the school chosen for the whole import
       (`options["school"]`; a roster always has one). A device file without a chosen
       school shows the devices and names of the schools its rows name (the report's
       `schools`, kept by the preview and the apply): the actor must reach every one of
       them. Such a job without rows yet (still being checked, or refused as a whole)
       names no school; one whose report has rows but no list of their schools (stored
       before the list was kept) is for those who reach every school alone.

    Any other job is "not found" (404), like one that does not exist. The file itself is
    not loaded; with `with_report=False` neither is the report, only its small parts
    (inventory.importing.rows.import_job_report_parts)."""
    _require_some_import(actor)
    jobs = ImportJob.objects.select_related("created_by")
    jobs = (
        jobs.defer("content") if with_report else with_report_parts(jobs.defer("content", "report"))
    )
    if not _sees_every_job(actor):
        jobs = jobs.filter(created_by=actor)
    job = jobs.filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("Import not found."))
    require(actor, import_kind(job.kind).perm)
    if not _reaches_job(actor, job):
        raise NotFound(_("Import not found."))
    if import_job_is_stale(job) and import_jobs_mark_stale(job_id=job.pk):
        job.refresh_from_db(fields=["status", "error"])
    return job


def import_job_viewed(
    *, actor: User, job: ImportJob, shown: Iterable[dict[str, Any]], via: str
) -> None:
    """Record that the actor was shown these entries of the job's report (the rows of one
    page, and what else of the report the page lists), as the job's kind keeps such
    records: a roster names pupils, so each person shown gets an entry in the access log
    (accounts.rosters.jobs); a device file names no one. `via` is how: "api" or "web".
    `job` comes from import_job_get, so the actor's scope is already decided."""
    viewed = import_kind(job.kind).viewed
    if viewed is not None:
        viewed(job, actor, list(shown), via)


def import_job_rows(
    *, job: ImportJob, outcome: str | None = None, offset: int = 0, limit: int = 100
) -> tuple[int, list[dict[str, Any]]]:
    """(how many rows match, one page of them): rows with errors first, then by row."""
    rows = (job.report or {}).get("rows", [])
    if outcome:
        rows = [row for row in rows if row["outcome"] == outcome]
    else:
        rows = sorted(rows, key=lambda row: (row["outcome"] != "error", row["row"]))
    offset, limit = max(offset, 0), min(max(limit, 0), MAX_PAGE)
    return len(rows), rows[offset : offset + limit]


def import_job_store(
    *,
    actor: User,
    kind: str,
    upload: IO[bytes],
    filename: str,
    size: int,
    options: dict[str, Any],
) -> ImportJob:
    """Keep an uploaded file as a job of `kind` and start its preview in the background
    once this transaction commits. The size is checked before the file is read. The caller
    has checked the options (the school) against the actor."""
    require(actor, import_kind(kind).perm)
    ensure_size(size)
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


def import_job_create(
    *,
    actor: User,
    upload: IO[bytes],
    filename: str,
    size: int,
    school: str | None = None,
    create_missing: bool = False,
    date_order: str | None = None,
) -> ImportJob:
    """Keep an uploaded device file and start its preview in the background. The size is
    checked before the file is read; the school (a number) must be one the actor reaches.
    `date_order` (dmy, the default, or mdy) reads dates with slashes whose column does not
    tell the order of day and month."""
    require(actor, Perm.DEVICE_IMPORT)
    ensure_size(size)
    chosen = import_school(actor=actor, school=school)
    return import_job_store(
        actor=actor,
        kind=ImportJob.Kind.DEVICES,
        upload=upload,
        filename=filename,
        size=size,
        options={
            "school": chosen.id if chosen else None,
            "create_missing": bool(create_missing),
            "date_order": checked_date_order(date_order),
        },
    )


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
        message = _("A list of students or teachers is imported whole; leave out only_valid.")
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
    from inventory import tasks

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

    task = tasks.import_preview if step == "preview" else tasks.import_apply
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
    inventory/importing/stale.py) and a retry starts over cleanly; once applied, running
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


def import_job_school(job: ImportJob) -> School | None:
    """The school chosen for the whole import, if one was."""
    school_id = job.options.get("school")
    if not school_id:
        return None
    school = School.objects.filter(pk=school_id).first()
    if school is None:
        raise NotFound(_("School not found."))
    return school


# Devices


def _device_plan(job: ImportJob, actor: User, progress: Progress, steps_per_row: int):
    plan, _tracker = device_import_plan(
        actor=actor,
        data=bytes(job.content),
        filename=job.filename,
        school=import_job_school(job),
        create_missing=job.options.get("create_missing", False),
        progress=progress,
        steps_per_row=steps_per_row,
        date_order=job.options.get("date_order") or "dmy",
    )
    return plan


def _device_preview(job: ImportJob, actor: User, progress: Progress) -> dict[str, Any]:
    return _device_plan(job, actor, progress, 1).report.as_dict()


def _device_check(job: ImportJob, actor: User, progress: Progress, only_valid: bool):
    plan = _device_plan(job, actor, progress, 2)
    if plan.has_errors and not only_valid:
        count = plan.report.counts["error"]
        message = ngettext(
            "The inventory changed since the preview; %(count)s row now has errors.",
            "The inventory changed since the preview; %(count)s rows now have errors.",
            count,
        )
        raise ImportHasErrors(message % {"count": count}, report=plan.report.as_dict())
    return plan


def _device_write(plan, job: ImportJob, actor: User, progress: Progress) -> dict[str, Any]:
    return device_import_write(plan=plan, actor=actor, progress=progress).as_dict()


def _device_start(*, kind: str, school: str | None, **upload: Any) -> ImportJob:
    return import_job_create(school=school or None, **upload)


DEVICE_IMPORT = ImportKind(
    perm=Perm.DEVICE_IMPORT,
    start=_device_start,
    preview=_device_preview,
    check=_device_check,
    write=_device_write,
    allows_only_valid=True,
)
