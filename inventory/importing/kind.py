"""Device files as import jobs (kind `devices`): the upload, how the job flow previews
and applies them, and how its pages word them."""

from collections.abc import Callable
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.errors import NotFound
from core.models import User
from core.permissions import Perm
from imports.kinds import CREATE, ERROR, UNCHANGED, UPDATE, ImportKind
from imports.models import ImportJob
from imports.running import Progress
from imports.services import ImportHasErrors, checked_date_order, import_job_start
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
    return import_job_start(
        actor=actor,
        kind=DEVICES,
        upload=upload,
        filename=filename,
        size=size,
        school=school,
        create_missing=create_missing,
        date_order=date_order,
    )


def _device_options(
    *,
    actor: User,
    school: str | None = None,
    create_missing: bool = False,
    date_order: str | None = None,
) -> dict[str, Any]:
    chosen = import_school(actor=actor, school=school or None)
    return {
        "school": chosen.id if chosen else None,
        "create_missing": bool(create_missing),
        "date_order": checked_date_order(date_order),
    }


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


def _device_summary(report: dict[str, Any]) -> list[str]:
    to_create = report.get("to_create") or {}
    models = [f"{m['manufacturer']} {m['name']}" for m in to_create.get("models", [])]
    rooms = [f"{r['name']} ({r['school']})" for r in to_create.get("rooms", [])]
    lines = []
    if models:
        lines.append(_("New models: %(names)s") % {"names": ", ".join(models)})
    if rooms:
        lines.append(_("New rooms: %(names)s") % {"names": ", ".join(rooms)})
    return lines


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
    prepare=_device_options,
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
    summary=_device_summary,
)
