"""Response headers that neither Django nor django-csp sets, and requests refused before
any view sees them."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from core.errors import ValidationFailed


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header (LERNSTATT_PERMISSIONS_POLICY): the browser
    features no page of Lernstatt uses stay off, even for a script that got in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.LERNSTATT_PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class RejectNulMiddleware:
    """Refuses a request whose parameters or JSON body hold a NUL character: no form or
    field of Lernstatt takes one, and PostgreSQL cannot store or compare it, so it would
    end as a server error deep inside a query. The answer names the field (422 in the
    API's one error shape, a plain 400 page elsewhere)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = _nul_field(request)
        if field is None:
            return self.get_response(request)
        message = _("The field %(field)s contains a control character (NUL).") % {"field": field}
        if request.path.startswith("/api/"):
            error = ValidationFailed(
                message, code="invalid_character", errors=[{"field": field, "message": message}]
            )
            return JsonResponse(error.as_dict(), status=error.status)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _nul_field(request: HttpRequest) -> str | None:
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return name.replace("\x00", "")
    if request.content_type != "application/json":
        return None
    try:
        body = request.body
    except RequestDataTooBig:
        # Left to the view, which answers it as too large (413, in the API's error shape).
        return None
    if b"\\u0000" in body or b"\x00" in body:
        return "body"
    return None


class ApiMethodNotAllowedMiddleware:
    """The API's 405 (a method an endpoint does not take: GET on a POST-only one) in the
    API's one error shape, with the Allow header kept; django-ninja answers it with a
    plain text body of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or not request.path.startswith("/api/"):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        allowed = response.get("Allow", "")
        message = _("This address does not take %(method)s; it takes %(allowed)s.") % {
            "method": request.method,
            "allowed": allowed,
        }
        answer = JsonResponse(
            {"message": message, "code": "method_not_allowed", "errors": []},
            status=405,
            content_type="application/json; charset=utf-8",
        )
        if allowed:
            answer["Allow"] = allowed
        return answer
