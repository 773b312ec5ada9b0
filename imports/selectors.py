"""Reading import jobs: which ones an actor may see, and a page of a job's rows."""

from typing import Any

from django.utils.translation import gettext as _

from core.errors import NotFound, PermissionDenied
from core.models import User
from core.permissions import has, require, school_ids
from imports.kinds import import_kind, import_kinds
from imports.models import ImportJob
from imports.rows import import_job_report_parts, import_job_rows_page, with_report_parts
from imports.stale import import_job_is_stale, import_jobs_mark_stale

__all__ = ["import_job_get", "import_job_report_parts", "import_job_rows"]

# How many rows of a report one request may ask for.
MAX_PAGE = 1000


def _require_some_import(actor: User) -> None:
    perms = {kind.perm for kind in import_kinds().values()}
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
    (import_job_report_parts)."""
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


def import_job_rows(
    *, job: ImportJob, outcome: str | None = None, offset: int = 0, limit: int = 100
) -> tuple[int, list[dict[str, Any]]]:
    """(how many rows match, one page of them, at most MAX_PAGE): rows with errors first,
    then by row; with `outcome` only those, in the file's order. Read inside the database,
    without decoding the whole report."""
    return import_job_rows_page(
        job=job, outcome=outcome, offset=max(offset, 0), limit=min(max(limit, 0), MAX_PAGE)
    )
