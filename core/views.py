"""The web pages every user shares: logging in and out, and the start page.

Views stay thin: they call selectors (which decide permission and school scope through
core.permissions) and render. `web_errors` turns the domain errors the selectors raise
into the friendly 403 and 404 pages (core/templates/403.html, 404.html)."""

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from core import errors
from core.models import User
from core.permissions import Perm, has, school_ids
from inventory import selectors as inventory
from inventory.models import Status


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


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The username or the password is not right. Please check both and try again."
        ),
        "inactive": _("This account is disabled. Please ask the city's IT service."),
    }


class LoginView(auth_views.LoginView):
    """Local accounts and the directory password (accounts.directory.login.DirectoryBackend)
    both work: the form asks every backend in AUTHENTICATION_BACKENDS."""

    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have been logged out."))
        return response


def _url(name: str) -> str | None:
    """The URL of a page, or None while that page does not exist yet."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# The start page: one section per thing a role needs today. A section applies to a user,
# then builds its context with selectors; a new part of the application adds a section here.


@dataclass(frozen=True)
class StartSection:
    template: str
    applies: Callable[[User], bool]
    context: Callable[[User], dict]


def _devices_context(actor: User) -> dict:
    in_repair = inventory.device_list(
        actor=actor,
        filters=inventory.DeviceFilters(status=Status.IN_REPAIR, ordering="-updated_at"),
    )
    counts = inventory.device_status_counts(actor=actor)
    return {
        "status_counts": [(Status(s), n) for s, n in counts.items()],
        "total": sum(counts.values()),
        "in_repair": list(in_repair[:10]),
        "in_repair_count": counts[Status.IN_REPAIR],
    }


def _report_context(actor: User) -> dict:
    counts = inventory.device_status_counts(actor=actor, perm=Perm.REPORT_VIEW)
    return {
        "status_counts": [(Status(s), n) for s, n in counts.items()],
        "total": sum(counts.values()),
    }


def _schools_context(actor: User) -> dict:
    return {"schools": list(inventory.school_list(actor=actor))}


def _loans_context(actor: User) -> dict:
    # Imported here: the loans are a later part of the application than the start page.
    from scheduling.models import OPEN
    from scheduling.selectors import LoanFilters, loan_list

    open_requests = loan_list(actor=actor, filters=LoanFilters(mine=True)).filter(status__in=OPEN)
    return {"open_loans": list(open_requests[:5]), "loans_url": _url("scheduling:loan_list")}


def _loan_queue_context(actor: User) -> dict:
    from scheduling.selectors import loan_queue_counts

    return {"counts": loan_queue_counts(actor=actor)}


START_SECTIONS = (
    StartSection("core/start/devices.html", lambda u: has(u, Perm.DEVICE_VIEW), _devices_context),
    # City staff: aggregates only; those who see devices have their counts above.
    StartSection(
        "core/start/report.html",
        lambda u: has(u, Perm.REPORT_VIEW) and not has(u, Perm.DEVICE_VIEW),
        _report_context,
    ),
    StartSection(
        "core/start/loans.html",
        lambda u: has(u, Perm.LOAN_REQUEST) and not has(u, Perm.LOAN_MANAGE),
        _loans_context,
    ),
    StartSection(
        "scheduling/start_queue.html", lambda u: has(u, Perm.LOAN_MANAGE), _loan_queue_context
    ),
    # Those who work for particular schools: which ones, and where.
    StartSection(
        "core/start/schools.html",
        lambda u: has(u, Perm.SCHOOL_VIEW) and school_ids(u) is not None,
        _schools_context,
    ),
)


@web_errors
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    sections = [
        {"template": section.template, **section.context(request.user)}
        for section in START_SECTIONS
        if section.applies(request.user)
    ]
    return render(request, "core/home.html", {"sections": sections})
