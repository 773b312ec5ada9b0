"""The directory sync over the API: see the plan, start a sync in the background, follow
a run. Each endpoint makes one service or selector call."""

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from accounts import selectors, services
from accounts.directory.schemas import (
    DirectoryPlanIn,
    DirectoryPlanOut,
    DirectoryRunsIn,
    DirectorySyncIn,
    DirectorySyncQueuedOut,
    DirectorySyncRunOut,
)
from core.pagination import Page

router = Router(tags=["directory"])


@router.get("/plan", response=DirectoryPlanOut)
def directory_plan(request: HttpRequest, filters: Query[DirectoryPlanIn]):
    """The changes a sync would make now (`limit` at a time from `offset`, in the order
    they would be made) and how many of each kind in all. Changes nothing."""
    plan = selectors.directory_plan_for(actor=request.user, school_number=filters.school)
    return DirectoryPlanOut.build(plan, offset=filters.offset, limit=filters.limit)


@router.post("/sync", response={202: DirectorySyncQueuedOut})
def directory_sync(request: HttpRequest, payload: DirectorySyncIn):
    """Start a sync (one school, or all with `school: null`) in the background. Refused at
    once (403/404/503) when it could not run."""
    run = services.directory_sync_queue(actor=request.user, school_number=payload.school)
    return Status(202, DirectorySyncQueuedOut(id=run.pk, status=run.status))


@router.get("/runs", response=list[DirectorySyncRunOut])
@paginate(Page)
def directory_runs(request: HttpRequest, filters: Query[DirectoryRunsIn]):
    """Past and running syncs, newest first: who started them, when, what they changed."""
    return selectors.directory_run_list(
        actor=request.user, school_number=filters.school, status=filters.status
    )


@router.get("/runs/{run_id}", response=DirectorySyncRunOut)
def directory_run(request: HttpRequest, run_id: int):
    """A sync run: its status, how far it got, and the changes the directory refused."""
    return selectors.directory_run_get(actor=request.user, run_id=run_id)
