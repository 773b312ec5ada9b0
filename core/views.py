"""What every web page shares: `web_errors` turns the domain errors the selectors raise into
the friendly 403 and 404 pages (core/templates/403.html, 404.html)."""

import functools
from collections.abc import Callable

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

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
