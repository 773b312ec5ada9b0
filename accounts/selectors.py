"""Reads of the directory sync, each behind the same checks as directory_apply: the role
must be allowed to sync, and a coordinator only for one of their schools."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.directory.apply import directory_sync_check
from accounts.directory.changes import DirectoryPlan
from accounts.directory.plan import directory_plan
from accounts.models import DirectorySyncRun
from core.errors import NotFound
from core.models import User
from core.permissions import Perm, require, scope
from inventory.models import School
from inventory.selectors import school_get


def directory_sync_school(*, actor: User, school_number: str | None) -> School | None:
    """The school a sync of `actor` is for (None: all schools), or the error that stops it:
    403 for a role that may not sync or a coordinator who names no school, 404 for a school
    out of reach, 503 without a configured directory."""
    require(actor, Perm.DIRECTORY_SYNC)
    school = None
    if school_number:
        school = school_get(actor=actor, number=school_number, perm=Perm.DIRECTORY_SYNC)
    directory_sync_check(actor=actor, school=school)
    return school


def directory_plan_for(*, actor: User, school_number: str | None) -> DirectoryPlan:
    """What a sync would change now, for one school or (IT admins) all of them."""
    school = directory_sync_school(actor=actor, school_number=school_number)
    return directory_plan(school=school)


def directory_run_list(
    *, actor: User, school_number: str | None = None, status: str | None = None
) -> QuerySet[DirectorySyncRun]:
    """The runs the actor may see, newest first, decided at every read by the school of
    each run (not by who started it): a run of one school for those who may sync and
    reach that school now, a run over all schools (no school) for those who reach every
    school alone. A coordinator moved to another school no longer sees the old school's
    runs, their own included."""
    runs = scope(
        DirectorySyncRun.objects.select_related("school", "started_by"),
        actor,
        Perm.DIRECTORY_SYNC,
    )
    if school_number:
        runs = runs.filter(school__number=school_number)
    if status:
        runs = runs.filter(status=status)
    return runs


def directory_run_get(*, actor: User, run_id: int) -> DirectorySyncRun:
    """One run, with its counts and errors, if directory_run_list shows it to the actor;
    "not found" (404) otherwise, like a run that does not exist."""
    run = directory_run_list(actor=actor).filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("Directory sync run not found."))
    return run
