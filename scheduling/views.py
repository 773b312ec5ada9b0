"""The loan pages: a teacher's requests, and the queue, handout and return for those who
manage loans.

Every page fetches through scheduling.selectors with the acting user (a loan to decide, hand
out or take back with LOAN_MANAGE; a loan's own page like the API, so its requester sees
it too), so the role check (403) and the school scope (404) are decided in
core.permissions, the buttons a page shows by selectors.loan_actions, and every change
goes through scheduling.services or scheduling.handling. A domain error of a service (a
device booked, the wrong device scanned, someone else was quicker) is shown on the page;
the service has then changed nothing.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import AccessVia
from core.errors import Conflict, LernstattError
from core.permissions import Perm, has
from core.views import next_url, web_errors
from inventory.selectors import school_get
from scheduling import agreement, handling, selectors, services
from scheduling.forms import (
    ApproveForm,
    ClassPickForm,
    ExtendForm,
    HandoutForm,
    LoanRequestForm,
    LostForm,
    RejectForm,
    ReturnForm,
)
from scheduling.history import loan_event_read
from scheduling.models import Accessory, Loan, LoanStatus

PAGE_SIZE = 50

# The lists of those who manage loans: (url name, heading, filters).
MANAGE_LISTS = {
    "queue": (
        gettext_lazy("Requests"),
        selectors.LoanFilters(status=LoanStatus.REQUESTED, ordering="requested_at"),
    ),
    "waiting": (
        gettext_lazy("Waiting list"),
        selectors.LoanFilters(status=LoanStatus.WAITING, ordering="requested_at"),
    ),
    "ready": (
        gettext_lazy("Ready for hand-out"),
        selectors.LoanFilters(status=LoanStatus.RESERVED, ordering="starts_on"),
    ),
    "on_loan": (
        gettext_lazy("On loan"),
        selectors.LoanFilters(status=LoanStatus.ON_LOAN, ordering="ends_on"),
    ),
}

# Which of loan_queue_counts each list's tab shows.
TAB_COUNTS = {"queue": "requested", "waiting": "waiting", "ready": "reserved", "on_loan": "on_loan"}

EVENTS = {
    "reserved": gettext_lazy("Device reserved"),
    "handed_out": gettext_lazy("Handed out"),
    "extended": gettext_lazy("Extended"),
    "cancelled": gettext_lazy("Cancelled"),
    "returned": gettext_lazy("Returned"),
    "lost": gettext_lazy("Marked lost"),
}


def _managed(request: HttpRequest, loan_id: int) -> Loan:
    return selectors.loan_get(actor=request.user, loan_id=loan_id, perm=Perm.LOAN_MANAGE)


# The teacher's pages


@login_required
@web_errors
def loan_list(request: HttpRequest) -> HttpResponse:
    """The requests the user made, newest first, with their status and device."""
    loans = selectors.loan_list(actor=request.user, filters=selectors.LoanFilters(mine=True))
    page = Paginator(loans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "scheduling/loan_list.html", {"page": page})


@login_required
@web_errors
def loan_request(request: HttpRequest) -> HttpResponse:
    """Step one (GET ?school_class=): choose the class; step two (POST): tick its students
    and say what, when and why. All requests or none."""
    if request.method == "POST":
        class_id = request.POST.get("school_class", "")
    else:
        class_id = request.GET.get("school_class", "")
    picker = ClassPickForm({"school_class": class_id} if class_id else None, actor=request.user)
    school_class = picker.cleaned_data["school_class"] if picker.is_valid() else None
    form = None
    if school_class is not None:
        form = LoanRequestForm(
            request.POST if request.method == "POST" else None,
            actor=request.user,
            school_class=school_class,
        )
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            loans = services.loan_request(
                actor=request.user,
                student_ids=data["students"],
                category=data["category"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                reason=data["reason"],
                note=data["note"],
            )
        except LernstattError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Your request for %(names)s has been sent.")
                % {"names": ", ".join(loan.student.full_name for loan in loans)},
            )
            return redirect("scheduling:loan_list")
    return render(
        request,
        "scheduling/loan_request.html",
        {"picker": picker, "school_class": school_class, "form": form},
    )


@login_required
@require_POST
@web_errors
def loan_cancel(request: HttpRequest, loan_id: int) -> HttpResponse:
    """The requester or a manager cancels a request that has not been handed out."""
    loan = selectors.loan_get(actor=request.user, loan_id=loan_id)
    try:
        services.loan_cancel(actor=request.user, loan=loan)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The request for %(name)s has been cancelled.") % {"name": loan.student.full_name},
        )
    return redirect(next_url(request, reverse("scheduling:loan_list")))


# The lists of those who manage loans


def _manage_list(request: HttpRequest, name: str) -> HttpResponse:
    heading, filters = MANAGE_LISTS[name]
    overdue = name == "on_loan" and request.GET.get("overdue") == "1"
    if overdue:
        filters = selectors.LoanFilters(overdue=True, ordering="ends_on")
    loans = selectors.loan_list(actor=request.user, filters=filters, perm=Perm.LOAN_MANAGE)
    page = Paginator(loans, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.loan_queue_counts(actor=request.user)
    return render(
        request,
        "scheduling/manage_list.html",
        {
            "name": name,
            "heading": heading,
            "page": page,
            "overdue": overdue,
            "counts": counts,
            "tabs": [
                (key, label, counts[TAB_COUNTS[key]])
                for key, (label, _filters) in MANAGE_LISTS.items()
            ],
            "schools": _ready_schools(request) if name == "ready" else [],
        },
    )


@login_required
@web_errors
def loan_queue(request: HttpRequest) -> HttpResponse:
    """The requests to decide, first come first served."""
    return _manage_list(request, "queue")


@login_required
@web_errors
def loan_waiting(request: HttpRequest) -> HttpResponse:
    return _manage_list(request, "waiting")


@login_required
@web_errors
def loan_ready(request: HttpRequest) -> HttpResponse:
    """Approved loans whose device is reserved: to hand out, the earliest first."""
    return _manage_list(request, "ready")


@login_required
@web_errors
def loan_on_loan(request: HttpRequest) -> HttpResponse:
    return _manage_list(request, "on_loan")


def _ready_schools(request: HttpRequest) -> list:
    """The schools with loans ready for hand-out today, for the printed lists."""
    today = selectors.LoanFilters(status=LoanStatus.RESERVED, due_by=timezone.localdate())
    loans = selectors.loan_list(actor=request.user, filters=today, perm=Perm.LOAN_MANAGE)
    return list({loan.school.number: loan.school for loan in loans}.values())


@login_required
@web_errors
def loan_ready_today(request: HttpRequest, number: str) -> HttpResponse:
    """The school's list to print: the devices to hand out today (and those due before
    that are still waiting to go out), by class and name, with a line to sign."""
    school = school_get(actor=request.user, number=number, perm=Perm.LOAN_MANAGE)
    filters = selectors.LoanFilters(
        status=LoanStatus.RESERVED, school=school.number, due_by=timezone.localdate()
    )
    loans = selectors.loan_list(actor=request.user, filters=filters, perm=Perm.LOAN_MANAGE)
    loans = sorted(
        loans,
        key=lambda loan: (
            loan.student.school_class.name if loan.student.school_class else "",
            loan.student.last_name,
            loan.student.first_name,
        ),
    )
    context = {"loans": loans, "school": school, "today": timezone.localdate()}
    return render(request, "scheduling/ready_today.html", context)


# One loan


def _history(request: HttpRequest, loan: Loan) -> list[dict]:
    """The loan's steps: its request and decision (on the loan), then its device's events."""
    rows = [{"at": loan.requested_at, "actor": loan.requested_by, "what": _("Requested")}]
    if loan.status == LoanStatus.REJECTED and loan.decided_at:
        rows.append({"at": loan.decided_at, "actor": loan.decided_by, "what": _("Rejected")})
    elif loan.decided_at:
        rows.append({"at": loan.decided_at, "actor": loan.decided_by, "what": _("Approved")})
    for entry in selectors.loan_history(actor=request.user, loan=loan):
        read = loan_event_read(entry.new)
        event = read.event if read else ""
        rows.append({"at": entry.at, "actor": entry.actor, "what": EVENTS.get(event, event)})
    return sorted(rows, key=lambda row: row["at"])


def _accessories(values: list[str]) -> list[str]:
    return [Accessory(v).label if v in Accessory.values else v for v in values]


def _detail(request: HttpRequest, loan: Loan, **forms) -> HttpResponse:
    context = {
        "loan": loan,
        # Only the buttons the user may press: a teacher sees their request, and may cancel it.
        "actions": selectors.loan_actions(actor=request.user, loan=loan),
        "manages": selectors.loan_manages(request.user, loan),
        "can_view_device": has(request.user, Perm.DEVICE_VIEW),
        "history": _history(request, loan),
        "accessories_out": _accessories(loan.accessories_out),
        "accessories_in": _accessories(loan.accessories_in),
        "approve_form": forms.get("approve_form") or ApproveForm(),
        "reject_form": forms.get("reject_form") or RejectForm(),
        "extend_form": forms.get("extend_form") or ExtendForm(),
    }
    return render(request, "scheduling/loan_detail.html", context)


@login_required
@web_errors
def loan_detail(request: HttpRequest, loan_id: int) -> HttpResponse:
    """The loan as GET /api/v1/loans/{id} shows it, to the same people (selectors.loan_get):
    the teacher who requested it, and those who manage loans of its school."""
    return _detail(request, selectors.loan_get(actor=request.user, loan_id=loan_id))


@login_required
@require_POST
@web_errors
def loan_approve(request: HttpRequest, loan_id: int) -> HttpResponse:
    """Approve with the device typed or scanned, or with the first free one."""
    loan = _managed(request, loan_id)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            loan = services.loan_approve(
                actor=request.user, loan=loan, asset_tag=form.cleaned_data["asset_tag"] or None
            )
        except LernstattError as exc:
            form.add_service_error(exc)
        else:
            if loan.status == LoanStatus.WAITING:
                text = _("No device is free: the request for %(name)s is on the waiting list.")
                messages.warning(request, text % {"name": loan.student.full_name})
            else:
                text = _("Device %(tag)s is reserved for %(name)s.") % {
                    "tag": loan.device.asset_tag,
                    "name": loan.student.full_name,
                }
                link = reverse("scheduling:loan_handout", args=[loan.pk])
                messages.success(
                    request, format_html('{} <a href="{}">{}</a>', text, link, _("Hand it out"))
                )
            return redirect(next_url(request, reverse("scheduling:loan_detail", args=[loan.pk])))
    return _detail(request, loan, approve_form=form)


@login_required
@require_POST
@web_errors
def loan_reject(request: HttpRequest, loan_id: int) -> HttpResponse:
    loan = _managed(request, loan_id)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            loan = services.loan_reject(
                actor=request.user, loan=loan, reason=form.cleaned_data["reason"]
            )
        except LernstattError as exc:
            form.add_service_error(exc)
        else:
            text = _("The request for %(name)s has been rejected.")
            messages.success(request, text % {"name": loan.student.full_name})
            return redirect(next_url(request, reverse("scheduling:loan_detail", args=[loan.pk])))
    return _detail(request, loan, reject_form=form)


@login_required
@require_POST
@web_errors
def loan_extend(request: HttpRequest, loan_id: int) -> HttpResponse:
    loan = _managed(request, loan_id)
    form = ExtendForm(request.POST)
    if form.is_valid():
        try:
            loan = handling.loan_extend(
                actor=request.user, loan=loan, ends_on=form.cleaned_data["ends_on"]
            )
        except LernstattError as exc:
            form.add_service_error(exc)
        else:
            text = _("The loan now ends on %(date)s.")
            messages.success(request, text % {"date": loan.ends_on.strftime("%d.%m.%Y")})
            return redirect("scheduling:loan_detail", loan_id=loan.pk)
    return _detail(request, loan, extend_form=form)


def _step(request: HttpRequest, loan: Loan, status: str, message: str) -> HttpResponse | None:
    """Back to the loan's page, saying why, when the loan is not in `status` (any more)."""
    if loan.status == status:
        return None
    messages.error(request, message % {"status": loan.get_status_display()})
    return redirect("scheduling:loan_detail", loan_id=loan.pk)


@login_required
@web_errors
def loan_handout(request: HttpRequest, loan_id: int) -> HttpResponse:
    """Scan the reserved device, record guardian, accessories, condition and the signed
    agreement; the device is then on loan."""
    loan = _managed(request, loan_id)
    refused = _step(
        request,
        loan,
        LoanStatus.RESERVED,
        _("Only a loan with a reserved device can be handed out; this one is: %(status)s."),
    )
    if refused:
        return refused
    form = HandoutForm(request.POST or None, initial={"accessories": [Accessory.CHARGER]})
    early = loan.starts_on > timezone.localdate()
    if early:
        form.fields["start_today"].help_text = handling.early_handout_text(loan)
    else:
        del form.fields["start_today"]
    complete = form.is_bound and form.is_valid() and form.cleaned_data["agreement_signed"]
    complete = complete and (not early or form.cleaned_data["start_today"])
    scanned = None
    if _is_scan(request) and not complete:
        scanned = _scan_checked(form, loan, ["guardian_name", "agreement_signed", "start_today"])
    elif request.method == "POST" and form.is_valid():
        try:
            loan = handling.loan_handout(actor=request.user, loan=loan, **form.cleaned_data)
        except LernstattError as exc:
            form.add_service_error(exc)
        else:
            text = _("Device %(tag)s has been handed out to %(name)s.")
            messages.success(
                request, text % {"tag": loan.device.asset_tag, "name": loan.student.full_name}
            )
            return redirect("scheduling:loan_detail", loan_id=loan.pk)
    context = {"loan": loan, "form": form, "scanned": scanned}
    return render(request, "scheduling/loan_handout.html", context)


def _is_scan(request: HttpRequest) -> bool:
    """Enter was pressed in the form (a scanner ends each scan with Enter): the browser
    sends the form's first button, the hidden "check the scan" one."""
    return request.method == "POST" and request.POST.get("step") == "scan"


def _scan_checked(form, loan: Loan, order: list[str]) -> bool:
    """The scan step: the asset tag is checked at once, nothing else is complained about
    yet, and the cursor moves on to the first field of `order` still to fill in. Whether
    the scanned device is the loan's."""
    for name in list(form.errors):
        if name != "asset_tag":
            del form.errors[name]
    scan = form.fields["asset_tag"].widget.attrs
    if "asset_tag" in form.errors:
        return False
    try:
        handling.loan_scan_check(loan, form.cleaned_data["asset_tag"])
    except LernstattError as exc:
        form.add_service_error(exc)
        return False
    scan.pop("autofocus", None)
    for name in order:
        if name in form.fields and not form.data.get(name, "").strip():
            form.fields[name].widget.attrs["autofocus"] = True
            break
    return True


@login_required
@web_errors
def loan_return(request: HttpRequest, loan_id: int) -> HttpResponse:
    """Scan the device that came back, record accessories and condition; damaged: repair."""
    loan = _managed(request, loan_id)
    refused = _step(
        request,
        loan,
        LoanStatus.ON_LOAN,
        _("Only a device that is on loan can be taken back; this loan is: %(status)s."),
    )
    if refused:
        return refused
    form = ReturnForm(request.POST or None, initial={"accessories": loan.accessories_out})
    scanned = None
    if _is_scan(request):
        scanned = _scan_checked(form, loan, ["condition"])
    elif request.method == "POST" and form.is_valid():
        try:
            loan = handling.loan_return(actor=request.user, loan=loan, **form.cleaned_data)
        except LernstattError as exc:
            form.add_service_error(exc)
        else:
            if form.cleaned_data["damaged"]:
                text = _("Device %(tag)s has been taken back and goes to repair.")
            else:
                text = _("Device %(tag)s has been taken back.")
            messages.success(request, text % {"tag": loan.device.asset_tag})
            return redirect("scheduling:loan_detail", loan_id=loan.pk)
    context = {"loan": loan, "form": form, "scanned": scanned}
    return render(request, "scheduling/loan_return.html", context)


@login_required
@web_errors
def loan_lost(request: HttpRequest, loan_id: int) -> HttpResponse:
    """The confirmation page (GET) and the step (POST): the loan and its device are lost."""
    loan = _managed(request, loan_id)
    refused = _step(
        request,
        loan,
        LoanStatus.ON_LOAN,
        _("Only a device that is on loan can be marked lost; this loan is: %(status)s."),
    )
    if refused:
        return refused
    form = LostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            loan = handling.loan_mark_lost(
                actor=request.user, loan=loan, note=form.cleaned_data["note"]
            )
        except LernstattError as exc:
            form.add_service_error(exc)
        else:
            text = _("Device %(tag)s has been marked lost.")
            messages.warning(request, text % {"tag": loan.device.asset_tag})
            return redirect("scheduling:loan_detail", loan_id=loan.pk)
    return render(request, "scheduling/loan_lost.html", {"loan": loan, "form": form})


@login_required
@web_errors
def loan_agreement(request: HttpRequest, loan_id: int) -> HttpResponse:
    """The loan agreement to print, the same PDF as the API's, recorded in the student's
    access log."""
    loan = _managed(request, loan_id)
    try:
        pdf = agreement.loan_agreement_print(actor=request.user, loan=loan, via=AccessVia.WEB)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("scheduling:loan_detail", loan_id=loan.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = agreement.loan_agreement_filename(loan=loan)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # It names a child and their birth date: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response
