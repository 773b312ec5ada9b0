"""Device files as import jobs (kind `devices`): the upload, how the job flow previews
and applies them, and how its pages word them."""

from collections.abc import Callable
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.errors import NotFound
from core.models import User
from core.permissions import Perm, require
from core.sheets.read import ensure_size
from imports.kinds import CREATE, ERROR, UNCHANGED, UPDATE, ImportKind
from imports.models import ImportJob
from imports.running import Progress
from imports.services import ImportHasErrors, checked_date_order, import_job_store
from inventory.importing.apply import device_import_plan, device_import_write, import_school
from inventory.models import School
from inventory.selectors import school_list

DEVICES = "devices"


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
        kind=DEVICES,
        upload=upload,
        filename=filename,
        size=size,
        options={
            "school": chosen.id if chosen else None,
            "create_missing": bool(create_missing),
            "date_order": checked_date_order(date_order),
        },
    )


def import_job_school(job: ImportJob) -> School | None:
    """The school chosen for the whole import, if one was."""
    school_id = job.options.get("school")
    if not school_id:
        return None
    school = School.objects.filter(pk=school_id).first()
    if school is None:
        raise NotFound(_("School not found."))
    return school


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
    if plan.refused(only_valid=only_valid):
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


def import_school_choices(perm: Perm) -> Callable[[User], list[tuple[str, str]]]:
    """The schools an upload page offers to an actor for imports that need `perm`."""

    def choices(actor: User) -> list[tuple[str, str]]:
        schools = school_list(actor=actor, perm=perm).only("number", "name")
        return [(school.number, f"{school.name} ({school.number})") for school in schools]

    return choices


DEVICE_IMPORT = ImportKind(
    perm=Perm.DEVICE_IMPORT,
    label=gettext_lazy("Devices"),
    title=gettext_lazy("Device import “%(name)s”"),
    outcomes=(CREATE, UPDATE, UNCHANGED, ERROR),
    start=_device_start,
    preview=_device_preview,
    check=_device_check,
    write=_device_write,
    school=import_job_school,
    schools=import_school_choices(Perm.DEVICE_IMPORT),
    allows_only_valid=True,
    options=("create_missing",),
    columns=(("asset_tag", gettext_lazy("Asset tag")),),
    report_parts=("to_create",),
    report_template="inventory/imports/_report.html",
    result_template="inventory/imports/_result.html",
    page=lambda parts: ({"to_create": parts.get("to_create") or {}}, []),
)
