"""The one NinjaAPI. Every error leaves it in one shape:
`{"message": str, "code": str, "errors": [{"field"|"row"+"column": ..., "message": str}]}`."""

import logging

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError

from accounts.api import router as passwords_router
from accounts.directory.api import router as directory_router
from accounts.people.api import router as people_router
from accounts.rosters.api import router as rosters_router
from core.api import router as core_router
from core.auth import API_AUTH
from core.errors import LernstattError
from imports.api import router as imports_router
from inventory.api import catalog_router, labels_router
from inventory.api import imports_router as device_imports_router
from privacy.api import router as privacy_router
from scheduling.api import router as scheduling_router
from stocktaking.api import router as stocktaking_router

logger = logging.getLogger(__name__)


class LernstattAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        # The view's name alone (unique across the API): clients generated from the schema
        # keep their method names when a view moves to another module.
        return operation.view_func.__name__


api = LernstattAPI(
    title="Lernstatt API",
    version="1",
    description="Inventory, directory accounts and loan devices of the city's schools.",
    auth=API_AUTH,
    urls_namespace="api",
    docs_url="/docs",
)

# Each router under its own prefix where it serves one; those at the root serve paths no
# other router has, so the order here does not matter.
v1 = Router()
v1.add_router("/me", core_router)
v1.add_router("/imports", imports_router)
v1.add_router("/imports", device_imports_router)
v1.add_router("/imports", rosters_router)
v1.add_router("/directory", directory_router)
v1.add_router("/labels", labels_router)
v1.add_router("/stocktakings", stocktaking_router)
v1.add_router("", catalog_router)
v1.add_router("", people_router)
v1.add_router("", privacy_router)
v1.add_router("", passwords_router)
v1.add_router("", scheduling_router)
api.add_router("/v1", v1)


def error_response(
    request: HttpRequest, status: int, message: str, code: str, errors: list | None = None
) -> HttpResponse:
    return api.create_response(
        request, {"message": message, "code": code, "errors": errors or []}, status=status
    )


def api_not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Any path under /api/ that no endpoint answers, in the one error shape."""
    return error_response(request, 404, _("Not found."), "not_found")


@api.exception_handler(LernstattError)
def on_domain_error(request: HttpRequest, exc: LernstattError) -> HttpResponse:
    return error_response(request, exc.status, exc.message, exc.code, exc.errors)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        # loc is ("body", "payload", "field") or ("query", "field"): keep what names the field
        field = ".".join(location[2:] if location[:1] == ["body"] else location[1:])
        errors.append({"field": field, "message": error.get("msg", "")})
    return error_response(
        request, 422, _("Some values are not valid."), "validation_failed", errors
    )


@api.exception_handler(AuthenticationError)
def on_not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request, 401, _("Please log in or send a valid API token."), "not_authenticated"
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403 and "CSRF" in exc.message:
        return error_response(
            request, 403, _("The page has expired. Reload it and try again."), "csrf_failed"
        )
    if exc.status_code == 400 and exc.message.startswith("Cannot parse request body"):
        # ninja's answer to a JSON body that is not JSON: the same as any unreadable body.
        return on_unreadable_request(request, exc)
    return error_response(request, exc.status_code, exc.message, "http_error")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, _("Not found."), "not_found")


@api.exception_handler(DjangoPermissionDenied)
def on_forbidden(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
    return error_response(request, 403, _("You are not allowed to do this."), "permission_denied")


@api.exception_handler(MultiPartParserError)
@api.exception_handler(BadRequest)
@api.exception_handler(SuspiciousOperation)
def on_unreadable_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A body Django cannot parse (a multipart upload without its boundary or cut off, a
    form in another encoding than UTF-8, too many fields): the client's fault, not ours."""
    logger.warning("Unreadable request %s %s: %s", request.method, request.path, exc)
    return error_response(
        request,
        400,
        _("The request could not be read: its body is malformed or not of its Content-Type."),
        "malformed_request",
    )


@api.exception_handler(RequestDataTooBig)
def on_request_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(request, 413, _("The request is too large."), "request_too_large")


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return error_response(
        request, 500, _("Something went wrong on our side. Nothing was changed."), "server_error"
    )
