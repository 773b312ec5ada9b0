"""E-mail reminders about loans: a few days before the last day, then every few days while
the device is overdue, until it comes back; and once, at once, when a roster shows that the
student has left the school with the device.

They go to the teacher who requested the loan and to the school: the School model has no
e-mail address of its own, so the school is reached through its IT coordinators. The text
is German, the product's language (users have no language of their own yet). An e-mail
names the student by first name and the initial of the last name only, with class, school,
device and due date: no birth date, no ids.

Every reminder is a LoanReminder row, written in the same transaction as the e-mail is
sent, after the loan's row has been locked:

- two runs at the same moment (two beat processes, a beat run and `manage.py
  send_loan_reminders`) queue on the loan's lock; the second then sees the first one's
  row and sends nothing. The unique constraints are the last line: should two inserts
  still meet, the second fails and its e-mail is not sent;
- when the mail server refuses, the transaction is rolled back and the row with it, so
  the next run tries again instead of counting a reminder nobody got;
- the only double that can remain: the server took the e-mail and then the commit failed
  (the database went away in that very moment). One reminder too many then, never one
  too few.
"""

import datetime
import logging
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.models import Role, User
from scheduling.models import Loan, LoanReminder, LoanStatus, ReminderKind

logger = logging.getLogger(__name__)

# (loan id, kind, due date) → the day the last such reminder was sent.
_Sent = dict[tuple[int, str, datetime.date], datetime.date]


@dataclass
class ReminderSummary:
    """What a run did (or, in a dry run, would have done)."""

    before_due: int = 0
    overdue: int = 0
    student_left: int = 0
    # Loans due a reminder that has nobody to go to: no teacher's and no coordinator's address.
    skipped_no_address: int = 0
    # The mail server refused; the next run tries again.
    failed: int = 0
    dry_run: bool = False

    @property
    def sent(self) -> int:
        return self.before_due + self.overdue + self.student_left

    def count(self, kind: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)

    def as_dict(self) -> dict:
        return {**asdict(self), "sent": self.sent}


def _kind_due(loan: Loan, *, today: datetime.date, sent: _Sent) -> str | None:
    """Which reminder the loan is due today, if any: once, first of all, that the student
    has left the school; one LERNSTATT_LOAN_REMINDER_DAYS_BEFORE days before the last day,
    then one on the first day overdue and again every
    LERNSTATT_LOAN_OVERDUE_REMINDER_EVERY_DAYS days. Counted from the last one sent rather
    than from the due date, so a day without a run delays the next reminder instead of
    skipping it. Reminders before and after the due date are per due date: after an
    extension they start afresh."""
    if loan.student_left_on is not None and not any(
        key[:2] == (loan.pk, ReminderKind.STUDENT_LEFT) for key in sent
    ):
        return ReminderKind.STUDENT_LEFT
    if loan.ends_on is None or loan.ends_on > _horizon(today):
        return None
    if loan.ends_on >= today:
        if (loan.pk, ReminderKind.BEFORE_DUE, loan.ends_on) in sent:
            return None
        return ReminderKind.BEFORE_DUE
    last = sent.get((loan.pk, ReminderKind.OVERDUE, loan.ends_on))
    every = settings.LERNSTATT_LOAN_OVERDUE_REMINDER_EVERY_DAYS
    if last is not None and (today - last).days < every:
        return None
    return ReminderKind.OVERDUE


def _horizon(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=settings.LERNSTATT_LOAN_REMINDER_DAYS_BEFORE)


def _sent(loan_ids: list[int]) -> _Sent:
    rows = (
        LoanReminder.objects.filter(loan_id__in=loan_ids)
        .values("loan_id", "kind", "due_on")
        .annotate(last=Max("sent_on"))
    )
    return {(row["loan_id"], row["kind"], row["due_on"]): row["last"] for row in rows}


def _coordinator_addresses(school_ids: set[int]) -> dict[int, list[str]]:
    """The e-mail addresses of each school's active IT coordinators: one query."""
    through = User.schools.through
    rows = (
        through.objects.filter(
            school_id__in=school_ids, user__role=Role.COORDINATOR, user__is_active=True
        )
        .exclude(user__email="")
        .values_list("school_id", "user__email")
        .order_by("school_id", "user__email")
    )
    addresses: dict[int, list[str]] = {}
    for school_id, email in rows:
        addresses.setdefault(school_id, []).append(email)
    return addresses


def _recipients(loan: Loan, coordinators: dict[int, list[str]]) -> tuple[list[str], list[str]]:
    """(to, cc): the requesting teacher, and the school's coordinators; each address once."""
    teacher = loan.requested_by
    to = [teacher.email] if teacher and teacher.is_active and teacher.email else []
    seen = {address.lower() for address in to}
    cc = []
    for address in coordinators.get(loan.school_id, []):
        if address.lower() not in seen:
            seen.add(address.lower())
            cc.append(address)
    return (to, cc) if to else (cc, [])


def _student_short(loan: Loan) -> str:
    """First name and the initial of the last name: enough for the school to know whom."""
    student = loan.student
    initial = f" {student.last_name[:1]}." if student.last_name else ""
    return f"{student.first_name}{initial}"


def reminder_message(loan: Loan, *, kind: str, today: datetime.date) -> tuple[str, str]:
    """Subject and body of a reminder, in the active language."""
    due = loan.ends_on.strftime("%d.%m.%Y") if loan.ends_on else ""
    device = loan.device
    student = _student_short(loan)
    if loan.student.school_class_id:
        who = _("%(student)s (class %(class)s, %(school)s)") % {
            "student": student,
            "class": loan.student.school_class.name,
            "school": loan.school.name,
        }
    else:
        who = _("%(student)s (%(school)s)") % {"student": student, "school": loan.school.name}
    facts = [
        _("Device: %(model)s") % {"model": device.model},
        _("Asset tag: %(tag)s") % {"tag": device.asset_tag},
    ]
    if due:
        facts.append(_("Due back on: %(date)s") % {"date": due})
    if kind == ReminderKind.STUDENT_LEFT:
        subject = _("Student left the school: please take loan device %(tag)s back") % {
            "tag": device.asset_tag
        }
        intro = _("The loan device of %(who)s is to come back now.") % {"who": who}
        ask = _(
            "Please ask the student and their guardians to bring it back. If the student has "
            "not left the school, please tell your school's IT coordinator."
        )
    elif kind == ReminderKind.BEFORE_DUE:
        subject = _("Reminder: loan device %(tag)s due back on %(date)s") % {
            "tag": device.asset_tag,
            "date": due,
        }
        intro = _("The loan device of %(who)s is due back on %(date)s.") % {
            "who": who,
            "date": due,
        }
        ask = _(
            "Please remind the student and their guardians to bring it back. If the device "
            "is needed for longer, the loan can be extended in Lernstatt."
        )
    else:
        overdue = (today - loan.ends_on).days
        subject = _("Overdue: loan device %(tag)s (due back on %(date)s)") % {
            "tag": device.asset_tag,
            "date": due,
        }
        intro = ngettext(
            "The loan device of %(who)s was due back on %(date)s and is %(days)d day overdue.",
            "The loan device of %(who)s was due back on %(date)s and is %(days)d days overdue.",
            overdue,
        ) % {"who": who, "date": due, "days": overdue}
        facts.append(_("Days overdue: %(days)d") % {"days": overdue})
        ask = _(
            "Please see to it that the device comes back. If it has been lost, please tell "
            "your school's IT coordinator."
        )
    left = []
    if loan.student_left_on is not None:
        left = [
            _(
                "%(student)s has left the school (roster of %(date)s): please take the "
                "device back now."
            )
            % {"student": student, "date": loan.student_left_on.strftime("%d.%m.%Y")}
        ]
    body = "\n\n".join(
        [
            _("Hello,"),
            intro,
            *left,
            "\n".join(facts),
            ask,
            _("This message was sent automatically by Lernstatt."),
        ]
    )
    return subject, body + "\n"


def _send_one(loan: Loan, *, kind: str, to: list[str], cc: list[str], today: datetime.date) -> bool:
    """Record the reminder and send it, all or nothing (see the module's docstring).
    False when another run got there first, or the loan was returned or extended since it
    was read."""
    with transaction.atomic():
        current = (
            Loan.objects.select_for_update()
            .filter(pk=loan.pk, status=LoanStatus.ON_LOAN, ends_on=loan.ends_on)
            .first()
        )
        if current is None or _kind_due(loan, today=today, sent=_sent([loan.pk])) != kind:
            return False
        try:
            with transaction.atomic():
                LoanReminder.objects.create(
                    loan=loan,
                    kind=kind,
                    due_on=loan.ends_on or today,
                    sent_on=today,
                    recipients=to + cc,
                )
        except IntegrityError:
            return False
        subject, body = reminder_message(loan, kind=kind, today=today)
        EmailMessage(subject=subject, body=body, to=to, cc=cc).send()
    return True


def loan_reminders_send(
    *,
    today: datetime.date | None = None,
    dry_run: bool = False,
    students: list[int] | None = None,
) -> ReminderSummary:
    """Send every reminder due today (Europe/Berlin) about the loans on loan (or only those
    of `students`), each at most once: a second run on the same day, or one running at the
    same moment, sends nothing again. A loan without any recipient address is skipped and
    counted; a reminder the mail server refuses is counted as failed and tried again by the
    next run. With `dry_run` nothing is sent or written; the summary says what would have
    been sent."""
    today = today or timezone.localdate()
    due = Q(ends_on__lte=_horizon(today)) | Q(student_left_on__isnull=False)
    loans = Loan.objects.filter(due, status=LoanStatus.ON_LOAN)
    if students is not None:
        loans = loans.filter(student_id__in=students)
    loans = list(
        loans.select_related(
            "student__school_class", "school", "device__model", "requested_by"
        ).order_by("ends_on", "pk")
    )
    sent = _sent([loan.pk for loan in loans])
    coordinators = _coordinator_addresses({loan.school_id for loan in loans})
    summary = ReminderSummary(dry_run=dry_run)
    with translation.override(settings.LANGUAGE_CODE):
        for loan in loans:
            kind = _kind_due(loan, today=today, sent=sent)
            if kind is None:
                continue
            to, cc = _recipients(loan, coordinators)
            if not to:
                logger.warning("Loan %s: no e-mail address to send its reminder to.", loan.pk)
                summary.skipped_no_address += 1
                continue
            if dry_run:
                summary.count(kind)
                continue
            try:
                if _send_one(loan, kind=kind, to=to, cc=cc, today=today):
                    summary.count(kind)
            except OSError:  # smtplib's errors, refused connections and timeouts
                logger.exception("Loan %s: the reminder could not be sent.", loan.pk)
                summary.failed += 1
    return summary
