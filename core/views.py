"""What every web page shares: `web_errors` turns the domain errors the selectors raise into
the friendly 403 and 404 pages (core/templates/403.html, 404.html)."""

import functools
from collections.abc import Callable

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from core import errors


def web_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Show the 404 page for NotFound and the 403 page for PermissionDenied."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except errors.NotFound as exc:
            raise Http404(exc.message) from exc
        except errors.PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc

    return wrapper


def next_url(request: HttpRequest, default: str) -> str:
    """Where to go after a form sent from a list: back to that list (the form's `next`),
    never off the site."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
