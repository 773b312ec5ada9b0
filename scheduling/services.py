"""The loan flow up to the decision: request, approve, reject, cancel.

Every step locks the loan's row and checks its status inside one transaction, so of two
people acting on one request at the same moment one wins and the other gets a Conflict
(409), with nothing half-written. Handout, return, extension and loss are in
scheduling.handling.
"""

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Person, PersonRole
from accounts.people.selectors import people_scope
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import User
from core.permissions import Perm, reaches_school, require
from inventory.models import Category, Device
from scheduling import allocation
from scheduling.booking import overlapping
from scheduling.history import loan_event_write
from scheduling.models import HOLDING, OPEN, Loan, LoanReason, LoanStatus, statuses_allowing
from scheduling.reminders import loan_reminders_send
from scheduling.selectors import loan_may_cancel


def _date(day: datetime.date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else _("open end")


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "message": message}])


def check_period(starts_on: datetime.date, ends_on: datetime.date | None) -> None:
    """A requested period is whole days from today on, with a last day on or after the first."""
    if starts_on < timezone.localdate():
        raise _invalid("starts_on", _("A loan cannot start in the past."))
    if ends_on is None:
        raise _invalid("ends_on", _("Please give the last day of the loan."))
    if ends_on < starts_on:
        raise _invalid("ends_on", _("The last day of the loan cannot be before its first day."))


def _check_lendable(category: str, school_id: int) -> None:
    """Only what the school (or the pool) lends can be requested: no switch, no projector."""
    lendable = allocation.lendable_categories(school_id)
    if category in lendable:
        return
    if not lendable:
        message = _("The school has no devices to lend yet.")
    else:
        message = _(
            "Devices of the kind %(category)s are not lent; you can request: %(lendable)s."
        ) % {
            "category": Category(category).label,
            "lendable": ", ".join(str(Category(each).label) for each in lendable),
        }
    raise _invalid("category", message)


def _students(actor: User, student_ids: list[int]) -> list[Person]:
    """The students, locked, in the order given; NotFound naming the first one the actor
    does not reach; ValidationFailed naming each one who cannot get a loan."""
    found = {
        person.pk: person
        for person in people_scope(
            Person.objects.select_for_update().filter(pk__in=student_ids), actor, Perm.LOAN_REQUEST
        )
    }
    for person_id in student_ids:
        if person_id not in found:
            message = _("Student %(id)s not found.") % {"id": person_id}
            raise NotFound(message, errors=[{"field": "students", "message": message}])
    students = [found[person_id] for person_id in student_ids]
    errors = []
    for person in students:
        if person.role != PersonRole.STUDENT:
            message = _("%(name)s is not a student.") % {"name": person.full_name}
        elif not person.has_working_account:
            message = _("%(name)s is no longer at the school (%(status)s).") % {
                "name": person.full_name,
                "status": person.get_status_display(),
            }
        else:
            continue
        errors.append({"field": "students", "message": message})
    if len({person.school_class_id for person in students}) > 1:
        errors.append(
            {
                "field": "students",
                "message": _("The students of one request must all be in the same class."),
            }
        )
    if errors:
        raise ValidationFailed(_("The request could not be saved."), errors=errors)
    return students


def loan_request(
    *,
    actor: User,
    student_ids: list[int],
    category: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None,
    reason: str,
    note: str = "",
) -> list[Loan]:
    """Request a device of `category` for each of the students (one class of a school the
    actor reaches) for starts_on..ends_on: all requests or none. Raises ValidationFailed
    naming the field, NotFound for a student out of reach, Conflict naming the student who
    already has an open request for the category on a day of the period."""
    require(actor, Perm.LOAN_REQUEST)
    if category not in Category.values:
        raise _invalid("category", _("Unknown category %(category)s.") % {"category": category})
    if reason not in LoanReason.values:
        raise _invalid("reason", _("Unknown reason %(reason)s.") % {"reason": reason})
    check_period(starts_on, ends_on)
    student_ids = list(dict.fromkeys(student_ids))
    if not student_ids:
        raise _invalid("students", _("Please choose at least one student."))
    with transaction.atomic():
        students = _students(actor, student_ids)
        for school_id in {student.school_id for student in students}:
            _check_lendable(category, school_id)
        clash = (
            Loan.objects.filter(student__in=students, category=category, status__in=OPEN)
            .filter(overlapping(starts_on, ends_on))
            .select_related("student")
            .order_by("starts_on", "pk")
            .first()
        )
        if clash is not None:
            raise Conflict(
                _(
                    "%(name)s already has an open request (%(category)s) "
                    "from %(start)s until %(end)s."
                )
                % {
                    "name": clash.student.full_name,
                    "category": clash.get_category_display(),
                    "start": _date(clash.starts_on),
                    "end": _date(clash.ends_on),
                },
                code="duplicate_request",
                errors=[{"field": "students", "message": clash.student.full_name}],
            )
        return [
            Loan.objects.create(
                student=student,
                school_id=student.school_id,
                category=category,
                starts_on=starts_on,
                ends_on=ends_on,
                reason=reason,
                note=note,
                requested_by=actor,
            )
            for student in students
        ]


def check_manager(actor: User, loan: Loan) -> None:
    """403 unless the actor manages loans; 404 for a loan of a school out of reach."""
    require(actor, Perm.LOAN_MANAGE)
    if not reaches_school(actor, loan.school_id):
        raise NotFound(_("Loan not found."))


def _status_message(status: str) -> str:
    return {
        LoanStatus.REQUESTED: _("This request has not been approved yet."),
        LoanStatus.WAITING: _("This request is waiting for a device."),
        LoanStatus.RESERVED: _("A device is already reserved for this request."),
        LoanStatus.ON_LOAN: _("The device has already been handed out."),
        LoanStatus.RETURNED: _("The device has already been returned."),
        LoanStatus.REJECTED: _("This request has been rejected."),
        LoanStatus.CANCELLED: _("This request has been cancelled."),
        LoanStatus.LOST: _("The device of this loan has been marked lost."),
    }[status]


def locked(loan: Loan, action: str) -> Loan:
    """The loan's current row, locked until the transaction ends; Conflict unless its
    status allows `action` (LOAN_ACTIONS; someone else has acted on it meanwhile)."""
    current = Loan.objects.select_for_update().get(pk=loan.pk)
    if current.status not in statuses_allowing(action):
        raise Conflict(_status_message(current.status), code="loan_status")
    return current


def _picked(loan: Loan, asset_tag: str) -> Device:
    """The device a manager picked by asset tag, if it may serve the loan."""
    device = (
        Device.objects.select_related("model", "school")
        .filter(asset_tag__iexact=asset_tag.strip())
        .filter(allocation.serves(loan.school_id))
        .first()
    )
    if device is None:
        message = _(
            "Device %(tag)s not found at the student's school or in the city's loan pool."
        ) % {"tag": asset_tag}
        raise NotFound(message, errors=[{"field": "device", "message": message}])
    if device.model.category != loan.category:
        message = _("Device %(tag)s is a %(is)s; the request is for a %(wanted)s.") % {
            "tag": device.asset_tag,
            "is": device.model.get_category_display(),
            "wanted": loan.get_category_display(),
        }
    elif not device.lendable:
        message = _("Device %(tag)s is not marked as lendable.") % {"tag": device.asset_tag}
    elif device.status in allocation.UNAVAILABLE:
        message = _("Device %(tag)s cannot be lent: %(status)s.") % {
            "tag": device.asset_tag,
            "status": device.get_status_display(),
        }
    else:
        return device
    raise _invalid("device", message)


def loan_approve(*, actor: User, loan: Loan, asset_tag: str | None = None) -> Loan:
    """Approve a request. With `asset_tag` that device is reserved (it must be lendable, of
    the category, usable, of the student's school or the pool, and free: Conflict
    otherwise); without, the first free device is allocated (allocation rules), and when
    none is free the request waits in the queue. A waiting request can only be given a
    device by hand; the queue serves it automatically otherwise."""
    check_manager(actor, loan)
    with transaction.atomic():
        loan = locked(loan, "approve" if asset_tag else "allocate")
        if loan.ends_on is not None and loan.ends_on < timezone.localdate():
            raise Conflict(_("The requested period is over; please make a new request."))
        loan.decided_by, loan.decided_at = actor, timezone.now()
        if asset_tag:
            allocation.reserve(loan, _picked(loan, asset_tag), actor=actor)
        elif allocation.allocate_one(loan, actor=actor) is None:
            loan.status = LoanStatus.WAITING
            loan.save()
    return loan


def loan_reject(*, actor: User, loan: Loan, reason: str) -> Loan:
    """Reject a request (or a waiting one) with a reason the requester reads."""
    check_manager(actor, loan)
    if not reason.strip():
        raise _invalid("reason", _("Please give a reason for the rejection."))
    with transaction.atomic():
        loan = locked(loan, "reject")
        loan.status = LoanStatus.REJECTED
        loan.rejection_reason = reason.strip()
        loan.decided_by, loan.decided_at = actor, timezone.now()
        loan.save()
    return loan


def loan_cancel(*, actor: User, loan: Loan) -> Loan:
    """Cancel a request that has not been handed out (its requester, or a manager). A
    reserved device is freed and goes to the next waiting request."""
    require(actor, Perm.LOAN_REQUEST)
    if not loan_may_cancel(actor, loan):
        raise NotFound(_("Loan not found."))
    with transaction.atomic():
        loan = locked(loan, "cancel")
        freed = loan.device if loan.status == LoanStatus.RESERVED else None
        loan.status = LoanStatus.CANCELLED
        loan.save()
        if freed is not None:
            loan_event_write(loan=loan, device=freed, event="cancelled", actor=actor)
            allocation.loans_allocate_waiting(actor=actor, devices=[freed])
    return loan


def loans_mark_students_left(
    *, student_ids: Sequence[int], left_on: datetime.date, back_ids: Sequence[int] = ()
) -> int:
    """Mark the loans that hold a device (reserved or on loan) of students who left the
    school on `left_on` for return — shown on the loan lists and in the reminders — and
    take the mark back from the loans of students who are back (`back_ids`). A loan marked
    before keeps its first date, so running it twice changes nothing. The teacher and the
    school hear of a device on loan to a leaver at once (its reminder), not only near its
    due date. Returns how many loans were newly marked."""
    with transaction.atomic():
        marked = Loan.objects.filter(
            student_id__in=student_ids, status__in=HOLDING, student_left_on__isnull=True
        ).update(student_left_on=left_on, updated_at=timezone.now())
        if back_ids:
            Loan.objects.filter(student_id__in=back_ids, student_left_on__isnull=False).update(
                student_left_on=None, updated_at=timezone.now()
            )
    if marked:
        loan_reminders_send(students=list(student_ids))
    return marked
