"""The accounts pages: classes and people, a student's password reset, the class lists, and
the directory sync.

Every page reads through the selectors with the acting user (accounts.people.selectors,
accounts.selectors, scheduling.selectors), so the role check (403) and the school scope
(404) are decided in core.permissions, and every change goes through the same service the
API calls (password_reset, class_lists_download, directory_sync_queue). A new password and
a class list with initial passwords are sent with Cache-Control: no-store and kept nowhere.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors as directory
from accounts import services
from accounts.classlists import class_lists_download
from accounts.forms import (
    ClassFilterForm,
    ClassRoomForm,
    ClassTeacherForm,
    PersonSearchForm,
    SyncSchoolForm,
)
from accounts.models import (
    AccessVia,
    DirectorySyncRun,
    DirectorySyncRunStatus,
    PersonRole,
)
from accounts.password_reset import (
    password_reset,
    password_reset_allowed,
    password_reset_refusal,
)
from accounts.people import selectors as people
from accounts.people import services as class_services
from accounts.people import teaching
from accounts.plan_text import count_rows, plan_groups
from accounts.rosters import school_year_of
from core.errors import (
    Conflict,
    DirectoryNotConfigured,
    DirectoryUnavailable,
    NotFound,
    ValidationFailed,
)
from core.pages import page_extras
from core.permissions import Perm, has
from core.sheets.write import XLSX_CONTENT_TYPE
from core.views import web_errors
from inventory.selectors import room_list, school_get

PAGE_SIZE = 50
# A run page reloads itself this often while the run is going (without JavaScript too).
REFRESH_SECONDS = 3
_NOT_STORED = "no-store"


def _current_year() -> int:
    return school_year_of(timezone.localdate())


# Classes


@login_required
@web_errors
def class_list(request: HttpRequest) -> HttpResponse:
    """The classes of the user's schools in a school year (the current one by default), by
    school, with the number of students."""
    year = _current_year()
    form = ClassFilterForm(request.GET or None, actor=request.user, current_year=year)
    filters = form.filters()
    classes = list(people.class_list(actor=request.user, filters=filters))
    return render(
        request,
        "accounts/class_list.html",
        {
            "form": form,
            "classes": classes,
            "school_year": filters.school_year,
            "is_current_year": filters.school_year == year,
            "filtered": bool(filters.school or filters.q or filters.school_year != year),
            "with_passwords": has(request.user, Perm.PASSWORD_HANDOUT),
        },
    )


@login_required
@web_errors
def class_detail(request: HttpRequest, class_id: int) -> HttpResponse:
    """One class: its students with login, status and last sync; the class list download."""
    school_class = people.class_get(actor=request.user, class_id=class_id)
    students = people.person_list(
        actor=request.user,
        filters=people.PersonFilters(school_class=school_class.pk, role=PersonRole.STUDENT),
    )
    return _class_page(request, school_class, students)


def _class_rooms(request: HttpRequest, school_class) -> list:
    return list(room_list(actor=request.user, school=school_class.school.number))


def _class_page(request, school_class, students, *, teacher_form=None, room_form=None, status=200):
    may_edit = has(request.user, Perm.CLASS_EDIT)
    if may_edit and teacher_form is None:
        teacher_form = ClassTeacherForm(candidates=teaching.class_teacher_candidates(school_class))
    if may_edit and room_form is None:
        room_form = ClassRoomForm(
            initial={"room": school_class.room_id}, rooms=_class_rooms(request, school_class)
        )
    return render(
        request,
        "accounts/class_detail.html",
        {
            "school_class": school_class,
            "students": list(students),
            "teachers": teaching.class_teachers(school_class),
            "teacher_form": teacher_form if may_edit else None,
            "room_form": room_form if may_edit else None,
            "is_current_year": school_class.school_year == _current_year(),
            "with_passwords": has(request.user, Perm.PASSWORD_HANDOUT),
        },
        status=status,
    )


@login_required
@require_POST
@web_errors
def class_teacher_set(request: HttpRequest, class_id: int) -> HttpResponse:
    """Add a teacher to the class (or change whether they lead it); back to the class."""
    school_class = people.class_get(actor=request.user, class_id=class_id, perm=Perm.CLASS_EDIT)
    form = ClassTeacherForm(
        request.POST, candidates=teaching.class_teacher_candidates(school_class)
    )
    if form.is_valid():
        try:
            link = teaching.class_teacher_set(
                actor=request.user,
                school_class=school_class,
                teacher_id=form.cleaned_data["teacher"],
                is_class_teacher=form.cleaned_data["is_class_teacher"],
            )
        except ValidationFailed as exc:
            form.add_error("teacher", exc.message)
        else:
            messages.success(
                request,
                _("%(name)s now teaches class %(class)s.")
                % {"name": link.teacher.full_name, "class": school_class.name},
            )
            return redirect("accounts:class_detail", class_id=school_class.pk)
    students = people.person_list(
        actor=request.user,
        filters=people.PersonFilters(school_class=school_class.pk, role=PersonRole.STUDENT),
    )
    return _class_page(request, school_class, students, teacher_form=form, status=422)


@login_required
@require_POST
@web_errors
def class_room_set(request: HttpRequest, class_id: int) -> HttpResponse:
    """Set the class's classroom (or none); back to the class."""
    school_class = people.class_get(actor=request.user, class_id=class_id, perm=Perm.CLASS_EDIT)
    form = ClassRoomForm(request.POST, rooms=_class_rooms(request, school_class))
    if form.is_valid():
        try:
            class_services.class_room_set(
                actor=request.user, school_class=school_class, room=form.chosen_room()
            )
        except ValidationFailed as exc:
            form.add_error("room", " ".join(error["message"] for error in exc.errors))
        else:
            if school_class.room is None:
                message = _("Class %(class)s has no classroom now.") % {"class": school_class.name}
            else:
                message = _("The classroom of class %(class)s is now %(room)s.") % {
                    "class": school_class.name,
                    "room": school_class.room.name,
                }
            messages.success(request, message)
            return redirect("accounts:class_detail", class_id=school_class.pk)
    students = people.person_list(
        actor=request.user,
        filters=people.PersonFilters(school_class=school_class.pk, role=PersonRole.STUDENT),
    )
    return _class_page(request, school_class, students, room_form=form, status=422)


@login_required
@require_POST
@web_errors
def class_teacher_remove(request: HttpRequest, class_id: int, teacher_id: int) -> HttpResponse:
    """The teacher no longer teaches the class; back to the class."""
    school_class = people.class_get(actor=request.user, class_id=class_id, perm=Perm.CLASS_EDIT)
    teacher = teaching.class_teacher_remove(
        actor=request.user, school_class=school_class, teacher_id=teacher_id
    )
    messages.success(
        request,
        _("%(name)s no longer teaches class %(class)s.")
        % {"name": teacher.full_name, "class": school_class.name},
    )
    return redirect("accounts:class_detail", class_id=school_class.pk)


def _download(
    request: HttpRequest, *, school_number: str, classes: list[int] | None = None
) -> HttpResponse:
    download = class_lists_download(
        actor=request.user, school_number=school_number, classes=classes, via=AccessVia.WEB
    )
    response = HttpResponse(download.content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, download.filename)
    # The file may hold passwords that are handed out once: no cache may keep a copy.
    response["Cache-Control"] = _NOT_STORED
    return response


@login_required
@require_POST
@web_errors
def class_list_download(request: HttpRequest, class_id: int) -> HttpResponse:
    """The class list of one class as .xlsx (a POST: a list hands initial passwords out,
    which a link that a browser prefetches must not do)."""
    school_class = people.class_get(actor=request.user, class_id=class_id)
    return _download(request, school_number=school_class.school.number, classes=[school_class.pk])


@login_required
@require_POST
@web_errors
def school_class_lists_download(request: HttpRequest, number: str) -> HttpResponse:
    """Every class of the school this school year, and the teachers, as one .xlsx."""
    school = school_get(actor=request.user, number=number, perm=Perm.PERSON_VIEW)
    return _download(request, school_number=school.number)


# People


@login_required
@web_errors
def person_list(request: HttpRequest) -> HttpResponse:
    """Search people by name or login, in the user's schools."""
    form = PersonSearchForm(request.GET or None, actor=request.user)
    filters = form.filters()
    found = people.person_list(actor=request.user, filters=filters)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = any((filters.q, filters.school, filters.role, filters.status))
    return render(
        request, "accounts/person_list.html", {"form": form, "page": page, "filtered": filtered}
    )


@login_required
@web_errors
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """One person: their data (birth date and the school office's id only for those who keep
    the rosters), their account, their loans and the devices they had."""
    person = people.person_detail(actor=request.user, person_id=person_id, via=AccessVia.WEB)
    return render(
        request,
        "accounts/person_detail.html",
        {
            "person": person,
            "sees_private": people.sees_private(request.user),
            **page_extras("accounts.person", request.user, person),
            **_reset_button(request.user, person),
        },
    )


def _reset_button(actor, person) -> dict:
    """The reset button: shown when the actor may reset, shown disabled with the reason when
    only the account or the directory stands in the way, absent for anyone else."""
    refusal = password_reset_refusal(actor, person)
    shown = refusal is None or not isinstance(refusal, NotFound)
    return {
        "can_reset": refusal is None,
        "reset_refusal": refusal.message if shown and refusal is not None else "",
    }


@login_required
@web_errors
def person_password_reset(request: HttpRequest, person_id: int) -> HttpResponse:
    """GET: asks before it resets. POST: resets and shows the new password on this one
    response only; the password is in no URL, no session and no cache."""
    person = people.person_get(actor=request.user, person_id=person_id)
    if not password_reset_allowed(request.user, person):
        raise NotFound(_("Person not found."))
    if request.method == "POST":
        try:
            new = password_reset(actor=request.user, person_id=person.pk, via=AccessVia.WEB)
        except (Conflict, DirectoryNotConfigured, DirectoryUnavailable) as exc:
            messages.error(request, exc.message)
            return redirect("accounts:person_password_reset", person_id=person.pk)
        response = render(
            request,
            "accounts/password_result.html",
            {"person": person, "login": new.login, "password": new.password},
        )
        response["Cache-Control"] = _NOT_STORED
        return response
    return render(request, "accounts/password_reset.html", {"person": person})


# The directory sync


@login_required
@web_errors
def directory_sync(request: HttpRequest) -> HttpResponse:
    """The plan of a sync (one school, or all for those who reach all), grouped by kind,
    with the button that starts it, and the latest runs."""
    runs = list(directory.directory_run_list(actor=request.user)[:5])
    for run in runs:
        run.count_rows = count_rows(run.counts)
    form = SyncSchoolForm(request.GET or None, actor=request.user)
    school_number = form.school_number()
    context = {"form": form, "school_number": school_number or "", "runs": runs}
    try:
        plan = directory.directory_plan_for(actor=request.user, school_number=school_number)
    except DirectoryNotConfigured:
        context["not_configured"] = True
    except DirectoryUnavailable as exc:
        context["unavailable"] = exc.message
    else:
        context.update({"groups": plan_groups(plan), "total": len(plan)})
    return render(request, "accounts/directory_sync.html", context)


@login_required
@require_POST
@web_errors
def directory_sync_start(request: HttpRequest) -> HttpResponse:
    """Start the sync in the background (the API's task) and follow it on the run's page;
    a sync still running is said on the sync page."""
    school_number = request.POST.get("school") or None
    try:
        run = services.directory_sync_queue(actor=request.user, school_number=school_number)
    except (Conflict, DirectoryNotConfigured) as exc:
        messages.error(request, exc.message)
        target = reverse("accounts:directory_sync")
        return redirect(f"{target}?school={school_number}" if school_number else target)
    messages.success(request, _("The directory sync has started."))
    return redirect("accounts:directory_run", run_id=run.pk)


@login_required
@web_errors
def directory_run_list(request: HttpRequest) -> HttpResponse:
    """Past and running syncs, newest first."""
    runs = directory.directory_run_list(actor=request.user)
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    for run in page:
        run.count_rows = count_rows(run.counts)
    return render(request, "accounts/directory_runs.html", {"page": page})


def _percent(run: DirectorySyncRun) -> int:
    if run.status != DirectorySyncRunStatus.RUNNING:
        return 100
    return int(100 * run.done / run.total) if run.total else 0


@login_required
@web_errors
def directory_run(request: HttpRequest, run_id: int) -> HttpResponse:
    """One run: how far it got (refreshing while it runs), its counts and errors."""
    run = directory.directory_run_get(actor=request.user, run_id=run_id)
    running = run.status == DirectorySyncRunStatus.RUNNING
    return render(
        request,
        "accounts/directory_run.html",
        {
            "run": run,
            "running": running,
            "percent": _percent(run),
            "count_rows": count_rows(run.counts),
            "refresh": REFRESH_SECONDS,
            "api_url": f"/api/v1/directory/runs/{run.pk}",
        },
    )
