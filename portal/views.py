"""The pages every user shares: logging in and out, the start page and the export page.

They read across the apps below (inventory, scheduling): views stay thin, calling selectors
and services, which decide permission and school scope through core.permissions, and
rendering."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AccessVia
from core.downloads import file_download
from core.errors import PermissionDenied, ValidationFailed
from core.models import User
from core.permissions import Perm, has, school_ids
from core.views import web_errors
from inventory import selectors as inventory
from inventory.exporting import device_export
from inventory.forms import DeviceFilterForm
from inventory.models import Status
from portal.forms import LoanExportForm
from scheduling.exporting import loan_export
from scheduling.models import OPEN
from scheduling.selectors import LoanFilters, loan_list, loan_queue_counts
from stocktaking.selectors import stocktaking_open_count


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy(
            "The username or the password is not right. Please check both and try again."
        ),
        "inactive": gettext_lazy("This account is disabled. Please ask the city's IT service."),
    }


class LoginView(auth_views.LoginView):
    """Local accounts and the directory password (accounts.directory.login.DirectoryBackend)
    both work: the form asks every backend in AUTHENTICATION_BACKENDS."""

    template_name = "portal/login.html"
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
    open_requests = loan_list(actor=actor, filters=LoanFilters(mine=True)).filter(status__in=OPEN)
    return {"open_loans": list(open_requests[:5]), "loans_url": _url("scheduling:loan_list")}


def _loan_queue_context(actor: User) -> dict:
    return {"counts": loan_queue_counts(actor=actor)}


def _stocktaking_context(actor: User) -> dict:
    return {
        "open_count": stocktaking_open_count(actor=actor),
        "can_manage": has(actor, Perm.STOCKTAKE_MANAGE),
    }


START_SECTIONS = (
    StartSection("portal/start/devices.html", lambda u: has(u, Perm.DEVICE_VIEW), _devices_context),
    # City staff: aggregates only; those who see devices have their counts above.
    StartSection(
        "portal/start/report.html",
        lambda u: has(u, Perm.REPORT_VIEW) and not has(u, Perm.DEVICE_VIEW),
        _report_context,
    ),
    StartSection(
        "portal/start/loans.html",
        lambda u: has(u, Perm.LOAN_REQUEST) and not has(u, Perm.LOAN_MANAGE),
        _loans_context,
    ),
    StartSection(
        "scheduling/start_queue.html", lambda u: has(u, Perm.LOAN_MANAGE), _loan_queue_context
    ),
    StartSection(
        "stocktaking/start_tile.html",
        lambda u: has(u, Perm.STOCKTAKE_SCAN),
        _stocktaking_context,
    ),
    # Those who work for particular schools: which ones, and where.
    StartSection(
        "portal/start/schools.html",
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
    return render(request, "portal/home.html", {"sections": sections})


def _can_export_loans(request: HttpRequest) -> bool:
    return has(request.user, Perm.LOAN_MANAGE) or has(request.user, Perm.LOAN_REQUEST)


@login_required
@web_errors
def export_index(request: HttpRequest) -> HttpResponse:
    devices = has(request.user, Perm.DEVICE_VIEW)
    loans = _can_export_loans(request)
    if not devices and not loans:
        raise PermissionDenied(_("You are not allowed to do this."))
    return render(
        request,
        "portal/exports.html",
        {
            "device_form": DeviceFilterForm(actor=request.user) if devices else None,
            "loan_form": LoanExportForm(actor=request.user, auto_id="loans_%s") if loans else None,
        },
    )


@login_required
@web_errors
def export_devices(request: HttpRequest) -> HttpResponse:
    form = DeviceFilterForm(request.GET or None, actor=request.user)
    try:
        export = device_export(
            actor=request.user, filters=form.filters(), fmt=request.GET.get("format", "xlsx")
        )
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("portal:export_index")
    return file_download(export)


@login_required
@web_errors
def export_loans(request: HttpRequest) -> HttpResponse:
    form = LoanExportForm(request.GET or None, actor=request.user)
    try:
        export = loan_export(
            actor=request.user,
            filters=form.filters(),
            fmt=request.GET.get("format", "xlsx"),
            via=AccessVia.WEB,
        )
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("portal:export_index")
    return file_download(export)
