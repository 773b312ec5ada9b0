"""The demo city's loans, one or more in every state, made through the scheduling services
so that each loan's device history is what the real flow writes.

A request cannot start in the past, so the loans that are over (returned) or late
(overdue) are made today and then moved back in time as a whole: the loan's dates and
times, its device's history rows and their text. Unlike the inventory, the loans follow
today's date: the demo teacher's requests are always still open.
"""

from datetime import date, datetime, timedelta

from django.db.models import F
from django.utils import timezone

from accounts.models import Person, PersonRole
from core.models import User
from inventory.models import Category, DeviceHistory, School
from scheduling import handling, services
from scheduling.history import LOAN_FIELD, loan_event_read, loan_event_text
from scheduling.models import Accessory, Loan, LoanReason, LoanStatus

HANDOUT = {
    "guardian_name": "",
    "accessories": [Accessory.CHARGER],
    "condition": "ohne Kratzer",
    "agreement_signed": True,
}


def demo_loans_create(*, admin: User, coordinator: User, teacher: User) -> dict[str, int]:
    """Loans in every state: returned and overdue ones (moved into the past), one on loan
    for a week already, reserved, waiting and new requests. The demo teacher's school gets
    the teacher's requests, the coordinator's schools requests in their queue, the special
    needs school so many tablet loans that its next request waits for a device.
    Returns the number of loans per status."""
    today = timezone.localdate()
    schools = {school.number: school for school in School.objects.all()}
    teacher_school = teacher.schools.order_by("number").first()
    other_school = coordinator.schools.exclude(pk=teacher_school.pk).order_by("number").first()
    students = _students_by_school()
    mine, theirs = students[teacher_school.pk], students[other_school.pk]

    def request(actor, people, category, starts, days, reason=LoanReason.DISTANCE_LEARNING):
        return services.loan_request(
            actor=actor,
            student_ids=[p.pk for p in people],
            category=category,
            starts_on=today + timedelta(days=starts),
            ends_on=today + timedelta(days=starts + days),
            reason=reason,
            note="",
        )

    def out(loan: Loan, guardian: str) -> Loan:
        loan = services.loan_approve(actor=coordinator, loan=loan)
        return handling.loan_handout(
            actor=coordinator,
            loan=loan,
            asset_tag=loan.device.asset_tag,
            **{**HANDOUT, "guardian_name": guardian},
        )

    # Over: handed out in summer, back after eight weeks.
    since = timezone.now()
    (returned,) = request(coordinator, [theirs[0]], Category.LAPTOP, 0, 55)
    _into_past(out(returned, f"Petra {theirs[0].last_name}"), days=120, since=since)
    since = timezone.now()
    handling.loan_return(
        actor=coordinator, loan=returned, accessories=[Accessory.CHARGER], condition="in Ordnung"
    )
    _into_past(returned, days=65, since=since, fields=("returned_at",))
    # Late: due two weeks ago and not back.
    since = timezone.now()
    (overdue,) = request(teacher, [mine[0]], Category.LAPTOP, 0, 28)
    _into_past(out(overdue, f"Olga {mine[0].last_name}"), days=42, since=since)
    # Out for a week already, due in seven.
    since = timezone.now()
    (on_loan,) = request(teacher, [mine[1]], Category.LAPTOP, 0, 14, LoanReason.NO_DEVICE_AT_HOME)
    _into_past(out(on_loan, f"Ahmet {mine[1].last_name}"), days=7, since=since)
    # Approved, to be collected next week.
    (reserved,) = request(teacher, [mine[2]], Category.LAPTOP, 5, 30)
    services.loan_approve(actor=coordinator, loan=reserved)
    # New requests in the queue: the demo teacher's for two students, one at the other school.
    request(teacher, mine[3:5], Category.LAPTOP, 7, 21)
    request(admin, [theirs[1]], Category.LAPTOP, 3, 28, LoanReason.QUARANTINE)
    _special_school_waits(admin, students, schools, today)
    counts = {status: 0 for status in LoanStatus.values}
    for status in Loan.objects.values_list("status", flat=True):
        counts[status] += 1
    return counts


def _students_by_school() -> dict[int, list[Person]]:
    by_school: dict[int, list[Person]] = {}
    for person in Person.objects.filter(role=PersonRole.STUDENT).order_by(
        "school_class__name", "last_name", "first_name", "pk"
    ):
        by_school.setdefault(person.school_id, []).append(person)
    return by_school


def _special_school_waits(
    admin: User, students: dict[int, list[Person]], schools: dict[str, School], today: date
) -> None:
    """The special needs school lends tablets (the media centre has laptops only) until
    none is left; the next request waits for a device."""
    school = next(s for s in schools.values() if s.school_type == "foerderschule")
    for number, student in enumerate(students[school.pk]):
        (loan,) = services.loan_request(
            actor=admin,
            student_ids=[student.pk],
            category=Category.TABLET,
            starts_on=today,
            ends_on=today + timedelta(days=60),
            reason=LoanReason.DISTANCE_LEARNING,
        )
        loan = services.loan_approve(actor=admin, loan=loan)
        if loan.status == LoanStatus.WAITING:
            return
        if number % 2 == 0:
            handling.loan_handout(
                actor=admin,
                loan=loan,
                asset_tag=loan.device.asset_tag,
                **{**HANDOUT, "guardian_name": f"Familie {student.last_name}"},
            )


LOAN_TIMES = (
    "starts_on",
    "ends_on",
    "requested_at",
    "decided_at",
    "handed_out_at",
    "returned_at",
)


def _into_past(
    loan: Loan, *, days: int, since: datetime, fields: tuple[str, ...] = LOAN_TIMES
) -> None:
    """Move what happened to a loan since `since` back by `days`: the loan's `fields` and
    its device's history rows written since then (their text names the loan's dates)."""
    delta = timedelta(days=days)
    loan.refresh_from_db()
    history = DeviceHistory.objects.filter(device_id=loan.device_id, at__gte=since)
    history.update(at=F("at") - delta)
    Loan.objects.filter(pk=loan.pk).update(**{field: F(field) - delta for field in fields})
    loan.refresh_from_db()
    for row in DeviceHistory.objects.filter(device_id=loan.device_id, field=LOAN_FIELD):
        # The event written again, with the moved dates.
        read = loan_event_read(row.new)
        if read is not None and read.loan_id == loan.pk:
            row.new = loan_event_text(loan, read.event)
            row.save(update_fields=["new"])
