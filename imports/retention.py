"""How long an uploaded file is kept. A roster holds children's names and birthdays, so
the file of an import lives only as long as it is needed: an applied import drops it at
once (import_job_apply); one left waiting, or failed, after LERNSTATT_IMPORT_KEEP_DAYS
days. The job's report stays, as the record of what happened; a report that names people
(a roster's) keeps only what its kind keeps after the same days (ImportKind.
kept_after_days: the counts and class names)."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from imports.kinds import import_kinds
from imports.models import ImportJob

Status = ImportJob.Status
# Jobs nobody works on: waiting for a confirmation, or failed. A job being checked or
# applied keeps its file until its step ends.
_IDLE = (Status.UPLOADED, Status.PREVIEWED, Status.FAILED)


def import_files_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the file of every idle import untouched for LERNSTATT_IMPORT_KEEP_DAYS days
    (and any applied one that still has its file). A job still waiting for confirmation
    becomes failed, with a message to upload the file again. Returns how many files were
    deleted; running it again deletes nothing more."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.LERNSTATT_IMPORT_KEEP_DAYS)
    with_file = ImportJob.objects.exclude(content=b"")
    expired = with_file.filter(status__in=_IDLE, updated_at__lt=cutoff)
    waiting = expired.filter(status__in=[Status.UPLOADED, Status.PREVIEWED])
    message = _(
        "The uploaded file was deleted after %(days)s days without confirmation. "
        "Please upload it again."
    ) % {"days": settings.LERNSTATT_IMPORT_KEEP_DAYS}
    error = {"message": message, "code": "file_expired", "errors": []}
    # update() leaves updated_at (auto_now) alone: the job keeps the time of its last step.
    waited = waiting.update(content=b"", status=Status.FAILED, error=error)
    failed = expired.filter(status=Status.FAILED).update(content=b"")
    applied = with_file.filter(status=Status.APPLIED).update(content=b"")
    _reports_trim(cutoff)
    return waited + failed + applied


def _reports_trim(cutoff: datetime.datetime) -> None:
    """Cut the reports of idle jobs older than `cutoff` down to what their kind keeps."""
    for key, kind in import_kinds().items():
        if kind.kept_after_days is not None:
            _trim(key, kind.kept_after_days, cutoff)


def _trim(kind: str, kept: tuple[str, ...], cutoff: datetime.datetime) -> None:
    jobs = ImportJob.objects.filter(
        kind=kind, status__in=[*_IDLE, Status.APPLIED], updated_at__lt=cutoff
    ).exclude(report={})
    for job in jobs.only("pk", "report"):
        summary = {key: job.report[key] for key in kept if key in job.report}
        if summary != job.report:
            ImportJob.objects.filter(pk=job.pk).update(report=summary)
