"""The Art. 15 export of one person and the access log over the API, for IT admins (403 for
every other role, decided in core.permissions)."""

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.pagination import paginate

from accounts.access_log import AccessLogFilters, access_log_list
from accounts.models import AccessVia
from core.pagination import Page
from privacy.export import person_export
from privacy.schemas import AccessLogFilterIn, AccessLogOut, PersonExportOut

router = Router(tags=["privacy"])


@router.get("/people/{person_id}/export", response=PersonExportOut)
def person_export_get(request: HttpRequest, response: HttpResponse, person_id: int):
    """Everything Lernstatt holds about the person (DSGVO Art. 15) as one JSON document;
    `erlaeuterung` explains each part in German. Recorded in the access log."""
    # Personal data of a child: no cache keeps a copy.
    response["Cache-Control"] = "no-store"
    return person_export(actor=request.user, person_id=person_id, via=AccessVia.API)


@router.get("/access-log", response=list[AccessLogOut])
@paginate(Page)
def access_log(request: HttpRequest, filters: Query[AccessLogFilterIn]):
    """Who looked at or changed whose data, newest first."""
    return access_log_list(actor=request.user, filters=AccessLogFilters(**filters.dict()))
