"""E-mail reminders about loans: before the last day once, overdue every N days, to the
teacher and the school's coordinators, in German, each one sent once however often or
however many times at once the job runs."""

import datetime
import smtplib
import threading
from io import StringIO

import pytest
from celery.schedules import crontab
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from core.models import Role
from scheduling import handling, tasks
from scheduling.models import LoanReminder, LoanStatus, ReminderKind
from scheduling.reminders import loan_reminders_send
from tests.factories import UserFactory
from tests.scheduling.conftest import days
from tests.scheduling.factories import LoanFactory


@pytest.fixture
def teacher_mail(teacher):
    teacher.email = "lehrer@schule.example.org"
    teacher.save()
    return teacher


@pytest.fixture
def coordinator_mail(coordinator):
    coordinator.email = "koord@schule.example.org"
    coordinator.save()
    return coordinator


@pytest.fixture
def device(school_a, lendable):
    return lendable(school_a, "A-1")


@pytest.fixture
def on_loan(students_a, device, teacher_mail, coordinator_mail):
    """Mia Becker's laptop, handed out, due back in two days."""

    def make(*, ends_on=None, **fields):
        fields.setdefault("student", students_a[0])
        fields.setdefault("device", device)
        fields.setdefault("requested_by", teacher_mail)
        return LoanFactory(
            status=LoanStatus.ON_LOAN, starts_on=days(-20), ends_on=ends_on or days(2), **fields
        )

    return make


def kinds(**filters) -> list[tuple[str, datetime.date]]:
    return list(
        LoanReminder.objects.filter(**filters).order_by("sent_on").values_list("kind", "sent_on")
    )


@pytest.mark.django_db
class TestBeforeTheDueDate:
    def test_a_loan_due_within_the_days_before_gets_one_reminder_and_a_second_run_none(
        self, on_loan
    ):
        loan = on_loan(ends_on=days(3))

        first = loan_reminders_send()
        second = loan_reminders_send()

        assert (first.before_due, first.overdue, first.sent) == (1, 0, 1)
        assert second.sent == 0
        assert len(mail.outbox) == 1
        assert kinds(loan=loan) == [(ReminderKind.BEFORE_DUE, days(0))]

    def test_no_second_before_due_reminder_on_the_following_days(self, on_loan):
        on_loan(ends_on=days(3))

        sent = [loan_reminders_send(today=days(n)).sent for n in range(4)]

        assert sent == [1, 0, 0, 0]

    def test_a_loan_due_later_gets_its_reminder_when_the_day_comes(self, on_loan, settings):
        settings.LERNSTATT_LOAN_REMINDER_DAYS_BEFORE = 3
        on_loan(ends_on=days(5))

        assert loan_reminders_send().sent == 0
        assert loan_reminders_send(today=days(1)).sent == 0
        assert loan_reminders_send(today=days(2)).before_due == 1
        assert len(mail.outbox) == 1

    def test_an_extension_gets_a_reminder_for_the_new_last_day(self, on_loan, coordinator_mail):
        loan = on_loan(ends_on=days(1))
        assert loan_reminders_send().before_due == 1

        handling.loan_extend(actor=coordinator_mail, loan=loan, ends_on=days(10))

        assert loan_reminders_send(today=days(7)).before_due == 1
        assert [r.due_on for r in LoanReminder.objects.order_by("pk")] == [days(1), days(10)]
        assert "Rückgabe bis: " + days(10).strftime("%d.%m.%Y") in mail.outbox[1].body

    def test_a_loan_without_a_last_day_gets_no_reminder(self, on_loan):
        loan = on_loan()
        loan.ends_on = None
        loan.save()

        assert loan_reminders_send(today=days(100)).sent == 0
        assert mail.outbox == []


@pytest.mark.django_db
class TestOverdue:
    def test_an_overdue_loan_is_reminded_on_its_first_day_overdue_and_again_every_n_days(
        self, on_loan, settings
    ):
        settings.LERNSTATT_LOAN_OVERDUE_REMINDER_EVERY_DAYS = 3
        loan = on_loan(ends_on=days(-1))

        sent = [loan_reminders_send(today=days(n)).overdue for n in range(8)]

        assert sent == [1, 0, 0, 1, 0, 0, 1, 0]
        assert kinds(loan=loan) == [(ReminderKind.OVERDUE, days(n)) for n in (0, 3, 6)]
        assert len(mail.outbox) == 3

    def test_the_default_repeats_after_seven_days(self, on_loan):
        on_loan(ends_on=days(-1))

        sent = [loan_reminders_send(today=days(n)).overdue for n in range(9)]

        assert sent == [1, 0, 0, 0, 0, 0, 0, 1, 0]

    def test_a_day_without_a_run_delays_the_next_reminder_instead_of_skipping_it(
        self, on_loan, settings
    ):
        settings.LERNSTATT_LOAN_OVERDUE_REMINDER_EVERY_DAYS = 3
        on_loan(ends_on=days(-1))
        loan_reminders_send()

        # no run on day 3 (the server was down): day 4 sends it
        assert loan_reminders_send(today=days(4)).overdue == 1
        assert loan_reminders_send(today=days(6)).overdue == 0
        assert loan_reminders_send(today=days(7)).overdue == 1

    def test_the_before_due_reminder_is_followed_by_the_overdue_ones(self, on_loan):
        loan = on_loan(ends_on=days(1))

        for n in range(3):
            loan_reminders_send(today=days(n))

        assert kinds(loan=loan) == [
            (ReminderKind.BEFORE_DUE, days(0)),
            (ReminderKind.OVERDUE, days(2)),
        ]

    def test_a_returned_loan_gets_no_more_reminders(self, on_loan, coordinator_mail, device):
        loan = on_loan(ends_on=days(-1))
        assert loan_reminders_send().overdue == 1

        handling.loan_return(actor=coordinator_mail, loan=loan, accessories=[])

        assert [loan_reminders_send(today=days(n)).sent for n in range(1, 15)] == [0] * 14
        assert len(mail.outbox) == 1

    @pytest.mark.parametrize(
        "status",
        [LoanStatus.RETURNED, LoanStatus.LOST, LoanStatus.RESERVED, LoanStatus.CANCELLED],
    )
    def test_loans_that_are_not_out_get_no_reminder(self, on_loan, status):
        loan = on_loan(ends_on=days(-3))
        loan.status = status
        loan.save()

        assert loan_reminders_send().sent == 0
        assert mail.outbox == []


@pytest.mark.django_db
class TestRecipients:
    def test_the_teacher_gets_it_and_the_schools_coordinators_in_copy(
        self, on_loan, school_a, school_b
    ):
        UserFactory(role=Role.COORDINATOR, schools=[school_a], email="zweite@schule.example.org")
        UserFactory(
            role=Role.COORDINATOR,
            schools=[school_a],
            email="alt@schule.example.org",
            is_active=False,
        )
        UserFactory(role=Role.COORDINATOR, schools=[school_b], email="andere@schule.example.org")
        UserFactory(role=Role.IT_ADMIN, email="it@stadt.example.org")
        UserFactory(role=Role.TEACHER, schools=[school_a], email="kollege@schule.example.org")
        loan = on_loan()

        loan_reminders_send()

        (message,) = mail.outbox
        assert message.to == ["lehrer@schule.example.org"]
        assert message.cc == ["koord@schule.example.org", "zweite@schule.example.org"]
        assert LoanReminder.objects.get(loan=loan).recipients == [
            "lehrer@schule.example.org",
            "koord@schule.example.org",
            "zweite@schule.example.org",
        ]

    def test_without_the_teachers_address_it_goes_to_the_coordinators(self, on_loan, teacher_mail):
        teacher_mail.email = ""
        teacher_mail.save()
        on_loan()

        loan_reminders_send()

        (message,) = mail.outbox
        assert (message.to, message.cc) == (["koord@schule.example.org"], [])

    def test_a_coordinator_who_requested_it_gets_it_once(self, on_loan, coordinator_mail):
        on_loan(requested_by=coordinator_mail)

        loan_reminders_send()

        (message,) = mail.outbox
        assert (message.to, message.cc) == (["koord@schule.example.org"], [])

    def test_a_loan_without_any_address_is_skipped_counted_and_not_recorded(
        self, on_loan, teacher_mail, coordinator_mail, students_a, lendable, school_a
    ):
        reached = on_loan()
        nobody = on_loan(student=students_a[1], device=lendable(school_a, "A-2"), requested_by=None)
        coordinator_mail.email = ""
        coordinator_mail.save()
        teacher_mail.email = ""
        teacher_mail.save()

        summary = loan_reminders_send()

        assert (summary.sent, summary.skipped_no_address) == (0, 2)
        assert mail.outbox == []
        assert not LoanReminder.objects.filter(loan__in=[reached, nobody]).exists()


@pytest.mark.django_db
class TestText:
    def test_the_reminder_before_the_due_date_is_german_and_names_only_what_is_needed(
        self, on_loan, students_a
    ):
        # The tests run in English (conftest); the e-mail is German all the same.
        on_loan(ends_on=days(3))
        due = days(3).strftime("%d.%m.%Y")

        loan_reminders_send()

        (message,) = mail.outbox
        assert message.subject == f"Erinnerung: Leihgerät A-1 bis zum {due} zurückgeben"
        body = message.body
        assert body.startswith("Guten Tag,\n\ndas Leihgerät von Mia B. (Klasse 7b, ")
        assert "Gymnasium am Park" in body
        assert "Gerät: Lenovo ThinkPad E14" in body
        assert "Inventarnummer: A-1" in body
        assert f"Rückgabe bis: {due}" in body
        assert "überfällig" not in body
        student = students_a[0]
        for private in (
            student.last_name,
            student.login,
            student.birth_date.strftime("%d.%m.%Y"),
            student.birth_date.isoformat(),
        ):
            assert private not in message.subject + body

    def test_the_overdue_reminder_says_how_many_days(self, on_loan):
        on_loan(ends_on=days(-5))
        due = days(-5).strftime("%d.%m.%Y")

        loan_reminders_send()

        (message,) = mail.outbox
        assert message.subject == f"Überfällig: Leihgerät A-1 (Rückgabe bis {due})"
        assert f"hätte bis zum {due} zurückgegeben werden müssen" in message.body
        assert "ist seit 5 Tagen überfällig" in message.body
        assert "Tage überfällig: 5" in message.body

    def test_one_day_overdue_is_singular(self, on_loan):
        on_loan(ends_on=days(-1))

        loan_reminders_send()

        assert "ist seit 1 Tag überfällig" in mail.outbox[0].body

    def test_a_student_without_a_class_is_named_with_the_school(self, on_loan, students_a):
        student = students_a[0]
        student.school_class = None
        student.save()
        on_loan()

        loan_reminders_send()

        assert "das Leihgerät von Mia B. (Gymnasium am Park) muss" in mail.outbox[0].body


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.mark.django_db
class TestFailures:
    def test_a_refused_reminder_is_not_recorded_and_the_next_run_sends_it(self, on_loan, settings):
        loan = on_loan()
        settings.EMAIL_BACKEND = "tests.scheduling.test_reminders.RefusingBackend"

        refused = loan_reminders_send()

        assert (refused.sent, refused.failed) == (0, 1)
        assert not LoanReminder.objects.filter(loan=loan).exists()
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert loan_reminders_send().sent == 1
        assert len(mail.outbox) == 1

    def test_the_database_refuses_a_second_record_of_the_same_reminder(self, on_loan):
        loan = on_loan()
        LoanReminder.objects.create(
            loan=loan, kind=ReminderKind.OVERDUE, due_on=loan.ends_on, sent_on=days(0)
        )

        with pytest.raises(IntegrityError), transaction.atomic():
            LoanReminder.objects.create(
                loan=loan, kind=ReminderKind.OVERDUE, due_on=loan.ends_on, sent_on=days(0)
            )
        with pytest.raises(IntegrityError), transaction.atomic():
            for sent_on in (days(0), days(1)):
                LoanReminder.objects.create(
                    loan=loan, kind=ReminderKind.BEFORE_DUE, due_on=loan.ends_on, sent_on=sent_on
                )
        assert LoanReminder.objects.count() == 1


class HeldBackend(LocmemBackend):
    """The mail server takes its time: the first reminder waits until the test lets it go."""

    entered = threading.Event()
    release = threading.Event()

    def send_messages(self, messages):
        HeldBackend.entered.set()
        assert HeldBackend.release.wait(20)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_send_each_reminder_once(on_loan, settings):
    on_loan()
    settings.EMAIL_BACKEND = "tests.scheduling.test_reminders.HeldBackend"
    HeldBackend.entered.clear()
    HeldBackend.release.clear()
    summaries, errors = [], []

    def run():
        try:
            summaries.append(loan_reminders_send())
        except Exception as exc:  # shown by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=run)
    first.start()
    assert HeldBackend.entered.wait(20)  # the first run is sending, its record not committed
    second = threading.Thread(target=run)
    second.start()
    second.join(0.5)  # the second run waits for the first one's transaction
    HeldBackend.release.set()
    first.join(20)
    second.join(20)

    assert errors == []
    assert sorted(summary.sent for summary in summaries) == [0, 1]
    assert len(mail.outbox) == 1
    assert LoanReminder.objects.count() == 1


@pytest.mark.django_db
class TestEntryPoints:
    def test_the_command_sends_and_says_how_many_in_german(self, on_loan, students_a, lendable):
        on_loan(ends_on=days(1))
        on_loan(
            student=students_a[1], device=lendable(students_a[1].school, "A-2"), ends_on=days(-2)
        )
        out = StringIO()

        call_command("send_loan_reminders", stdout=out)

        assert out.getvalue() == (
            "Erinnerungen verschickt: 2 (vor dem Rückgabetermin: 1, überfällig: 1).\n"
        )
        assert len(mail.outbox) == 2

    def test_the_dry_run_sends_and_records_nothing(self, on_loan):
        on_loan()
        out = StringIO()

        call_command("send_loan_reminders", "--dry-run", stdout=out)

        assert out.getvalue() == (
            "Probelauf: Es wurde nichts verschickt. Fällige Erinnerungen: 1 "
            "(vor dem Rückgabetermin: 1, überfällig: 0).\n"
        )
        assert mail.outbox == []
        assert not LoanReminder.objects.exists()
        # The real run afterwards still sends it.
        assert loan_reminders_send().sent == 1

    def test_the_command_names_skipped_loans_and_speaks_english_on_request(
        self, on_loan, teacher_mail, coordinator_mail
    ):
        on_loan()
        for user in (teacher_mail, coordinator_mail):
            user.email = ""
            user.save()
        out = StringIO()

        call_command("send_loan_reminders", "--language", "en", stdout=out)

        assert out.getvalue() == (
            "Reminders sent: 0 (before the due date: 0, overdue: 0).\n"
            "Skipped, no e-mail address: 1.\n"
        )

    def test_the_command_fails_when_the_mail_server_refuses(self, on_loan, settings):
        on_loan()
        settings.EMAIL_BACKEND = "tests.scheduling.test_reminders.RefusingBackend"

        with pytest.raises(CommandError, match="erneut versucht: 1"):
            call_command("send_loan_reminders", stdout=StringIO())

    def test_the_beat_task_sends_the_reminders_and_returns_the_counts(self, on_loan):
        on_loan(ends_on=days(-1))

        counts = tasks.send_loan_reminders.delay().get()

        assert counts["overdue"] == 1
        assert counts["sent"] == 1
        assert len(mail.outbox) == 1

    def test_beat_sends_the_reminders_every_morning_at_seven_by_default(self, settings):
        entry = settings.CELERY_BEAT_SCHEDULE["loan-reminders"]

        assert entry["task"] == "scheduling.tasks.send_loan_reminders"
        assert entry["schedule"] == crontab(minute="0", hour="7")

    def test_the_admin_shows_a_loans_reminders(self, client_for, it_admin, on_loan):
        it_admin.is_staff = True
        it_admin.save()
        loan = on_loan()
        loan_reminders_send()

        page = client_for(it_admin).get(f"/admin/scheduling/loan/{loan.pk}/change/")

        assert page.status_code == 200
        assert "lehrer@schule.example.org" in page.content.decode()
