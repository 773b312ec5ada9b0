"""Roster imports as import jobs (kinds `students` and `teachers`): the upload, how the
job flow previews and applies them and records who looked at the people they name, and
how its pages word them."""

from typing import IO, Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access_log import access_log_record
from accounts.models import AccessAction, AccessVia, Person
from accounts.rosters.apply import RosterHasErrors, roster_apply, roster_preview
from core.models import User
from core.permissions import Perm
from imports.kinds import CREATE, ERROR, UNCHANGED, UPDATE, ImportKind, Outcome
from imports.models import ImportJob
from imports.running import Progress
from imports.services import ImportHasErrors, checked_date_order, import_job_start
from imports.summary import listed
from inventory.importing.kind import import_job_school, import_school_choices
from inventory.selectors import school_get


def roster_job_create(
    *,
    actor: User,
    kind: str,
    upload: IO[bytes],
    filename: str,
    size: int,
    school: str,
    date_order: str | None = None,
) -> ImportJob:
    """Keep an uploaded roster of `kind` (students or teachers) for the school with the
    number `school` and start its preview in the background. The school is always chosen,
    never guessed from the file; one the actor does not reach is "not found". The size is
    checked before the file is read. `date_order` (dmy, the default, or mdy) reads birth
    dates with slashes whose column does not tell the order of day and month."""
    return import_job_start(
        actor=actor,
        kind=kind,
        upload=upload,
        filename=filename,
        size=size,
        school=school,
        date_order=date_order,
    )


def _roster_options(
    *,
    actor: User,
    school: str | None = None,
    create_missing: bool = False,
    date_order: str | None = None,
) -> dict[str, Any]:
    # A roster creates no rooms or models: create_missing means nothing to it.
    chosen = school_get(actor=actor, number=(school or "").strip(), perm=Perm.ROSTER_IMPORT)
    return {"school": chosen.id, "date_order": checked_date_order(date_order)}


def _arguments(job: ImportJob, actor: User) -> dict[str, Any]:
    return {
        "actor": actor,
        "school": import_job_school(job),
        "kind": job.kind,
        "data": bytes(job.content),
        "filename": job.filename,
        "date_order": job.options.get("date_order") or "dmy",
    }


def _preview(job: ImportJob, actor: User, progress: Progress) -> dict[str, Any]:
    return roster_preview(**_arguments(job, actor)).as_dict()


def _check(job: ImportJob, actor: User, progress: Progress, only_valid: bool) -> None:
    # Nothing to prepare: roster_apply plans again while it holds the school's lock.
    return None


def _write(_prepared: None, job: ImportJob, actor: User, progress: Progress) -> dict[str, Any]:
    try:
        return roster_apply(**_arguments(job, actor)).as_dict()
    except RosterHasErrors as exc:
        raise ImportHasErrors(exc.message, report=exc.report.as_dict()) from exc


def _viewed(job: ImportJob, actor: User, shown: list[dict[str, Any]], via: str) -> None:
    """One access log entry for each person the shown entries of the job's report name:
    the rows of people who exist (by login, in the job's school; a new person has no login
    before the import is applied, and no data of theirs is stored to look at) and the
    people missing from the file (by id). All in one bulk insert, one query to find them;
    nothing when the entries name no one."""
    logins = {entry["login"] for entry in shown if entry.get("login")}
    ids = {entry["person_id"] for entry in shown if entry.get("person_id")}
    if not logins and not ids:
        return
    named = Q(pk__in=ids) | Q(login__in=logins, school_id=job.options.get("school"))
    access_log_record(
        actor=actor,
        action=AccessAction.VIEW,
        via=AccessVia(via),
        people=list(Person.objects.filter(named).values_list("pk", flat=True)),
        detail=f"roster import {job.pk}",
    )


# The lists of people missing from the file, with their words on the job page and in a
# command's summary.
MISSING = (
    Outcome(
        "tolerate",
        gettext_lazy("missing from the file: account stays for now"),
        gettext_lazy("missing: tolerated"),
    ),
    Outcome(
        "disable",
        gettext_lazy("missing long enough: account is disabled"),
        gettext_lazy("missing: disabled"),
    ),
    Outcome(
        "delete",
        gettext_lazy("disabled long enough: account is deleted"),
        gettext_lazy("missing: deleted"),
    ),
)
# People missing from a roster listed by name on the job page (the counts are complete).
LISTED_NAMES = 100


def _page(parts: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What the job page shows of a roster's report besides its rows, and the people it
    names there."""
    lists = [
        {
            "key": step.key,
            "label": step.label,
            "count": len(parts.get(step.key) or []),
            "people": (parts.get(step.key) or [])[:LISTED_NAMES],
        }
        for step in MISSING
        if parts.get(step.key)
    ]
    context = {
        "new_classes": parts.get("new_classes") or [],
        "class_names": parts.get("class_names") or [],
        "class_teachers": parts.get("class_teachers") or [],
        "leaving_with_loans": parts.get("loans") or [],
        "lists": lists,
    }
    named = [person for each in lists for person in each["people"]]
    return context, [*named, *context["leaving_with_loans"]]


def _summary(report: dict[str, Any]) -> list[str]:
    """A command's lines on a roster: the new classes, how the file spells class names,
    the class teachers it names, who leaves with a loan device, and who is missing."""
    lines = []
    if report.get("new_classes"):
        lines.append(_("New classes: %(names)s") % {"names": ", ".join(report["new_classes"])})
    if report.get("class_names"):
        lines.append(_("Class names as Lernstatt writes them:"))
        lines += listed(f"  {each['written']} → {each['name']}" for each in report["class_names"])
    if report.get("class_teachers"):
        lines.append(_("Class teachers from the file"))
        lines += listed(
            f"  {each['class_name']}: {', '.join(each['teachers']) or '–'}"
            + (f" – {each['message']}" if each.get("message") else "")
            for each in report["class_teachers"]
        )
    if report.get("loans"):
        lines.append(_("Leaving the school with a loan device"))
        lines += listed(f"  {each['name']}: {each['message']}" for each in report["loans"])
    for step, title in (
        ("tolerate", _("Missing from the list, tolerated for now:")),
        ("disable", _("Missing from the list, to be disabled:")),
        ("delete", _("Missing from the list, to be deleted:")),
    ):
        people = report.get(step) or []
        if people:
            lines.append(title)
            lines += listed(
                f"  {p['name']} ({p['login']}{', ' + p['class_name'] if p['class_name'] else ''})"
                for p in people
            )
    return lines


def _roster_kind(label, title) -> ImportKind:
    return ImportKind(
        perm=Perm.ROSTER_IMPORT,
        label=label,
        title=title,
        outcomes=(
            CREATE,
            UPDATE,
            Outcome("move", gettext_lazy("changes class"), gettext_lazy("moved to another class")),
            Outcome("reactivate", gettext_lazy("back again"), gettext_lazy("back again")),
            UNCHANGED,
            # The Status column's outcomes: only some files have it.
            Outcome(
                "leave",
                gettext_lazy("leaves the school"),
                gettext_lazy("leaves the school"),
                occasional=True,
            ),
            Outcome(
                "skip",
                gettext_lazy("not at the school: no account"),
                gettext_lazy("not at the school: no account"),
                occasional=True,
            ),
            ERROR,
        ),
        prepare=_roster_options,
        preview=_preview,
        check=_check,
        write=_write,
        school=import_job_school,
        schools=import_school_choices(Perm.ROSTER_IMPORT),
        allows_only_valid=False,
        whole=gettext_lazy(
            "A list of students or teachers is imported whole. Correct the rows with errors in "
            "the file and upload it again."
        ),
        needs_school=True,
        columns=(
            ("name", gettext_lazy("Name")),
            ("class_name", gettext_lazy("Class")),
            ("login", gettext_lazy("Login")),
        ),
        report_parts=(
            "new_classes",
            *(step.key for step in MISSING),
            "class_names",
            "class_teachers",
            "loans",
        ),
        listed=tuple(step.key for step in MISSING),
        report_template="accounts/imports/_report.html",
        page=_page,
        viewed=_viewed,
        summary=_summary,
        counted=MISSING,
        imported=gettext_lazy("The list was imported."),
        kept_after_days=("kind", "school_year", "counts", "new_classes", "header_row", "applied"),
    )


STUDENT_IMPORT = _roster_kind(gettext_lazy("Students"), gettext_lazy("Student import “%(name)s”"))
TEACHER_IMPORT = _roster_kind(gettext_lazy("Teachers"), gettext_lazy("Teacher import “%(name)s”"))
