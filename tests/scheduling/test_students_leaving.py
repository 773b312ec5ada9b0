"""A student who leaves the school while holding a loan device: the roster preview names
the device, the applied import marks the loan for return, and the loan lists and the
teacher's reminder say so."""

import datetime

import pytest
from django.urls import reverse

from accounts.rosters import roster_apply, roster_preview
from scheduling.models import Loan, LoanStatus, ReminderKind
from scheduling.reminders import loan_reminders_send, reminder_message
from tests.accounts.roster_files import csv_bytes
from tests.scheduling.factories import LoanFactory

AUTUMN = datetime.date(2026, 9, 1)  # school year 2026/27, that of class_a
HEADER = ("Klasse", "Nachname", "Vorname", "Geburtsdatum", "Interne ID-Nummer", "Status")


@pytest.fixture
def loans(students_a, lendable, teacher):
    """Mia Becker has laptop 166021-0042 on loan, Ben Wolf one reserved, Lea Koch one too."""
    mia, ben, lea = students_a
    made = {}
    for student, tag, status in [
        (mia, "166021-0042", LoanStatus.ON_LOAN),
        (ben, "166021-0043", LoanStatus.RESERVED),
        (lea, "166021-0044", LoanStatus.ON_LOAN),
    ]:
        made[student.first_name] = LoanFactory(
            student=student,
            device=lendable(student.school, tag),
            status=status,
            requested_by=teacher,
            starts_on=datetime.date(2026, 8, 20),
            ends_on=datetime.date(2026, 12, 20),
        )
    return made


def run(actor, school, *, apply, rows=None):
    # Mia is missing from the file, Ben has left (Abgang), Lea stays.
    rows = rows or [
        ("7b", "Wolf", "Ben", "01.03.2014", "", "Abgang"),
        ("7b", "Koch", "Lea", "01.03.2014", "", "2"),
    ]
    service = roster_apply if apply else roster_preview
    return service(
        actor=actor,
        school=school,
        kind="students",
        data=csv_bytes([HEADER, *rows], encoding="cp1252"),
        filename="SchuelerExport.csv",
        today=AUTUMN,
    )


def test_the_preview_lists_who_leaves_with_a_loan_device_and_changes_nothing(
    it_admin, school_a, loans
):
    report = run(it_admin, school_a, apply=False)

    assert [(each["name"], each["message"]) for each in report.loans] == [
        ("Becker, Mia", "leaves the school with loan device 166021-0042"),
        ("Wolf, Ben", "leaves the school with loan device 166021-0043"),
    ]
    ben = report.rows[0]
    assert ben.outcome == "leave"
    assert "leaves the school with loan device 166021-0043" in ben.notes
    assert not Loan.objects.filter(student_left_on__isnull=False).exists()


def test_applying_marks_the_loans_of_leavers_for_return_once(
    it_admin, school_a, loans, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run(it_admin, school_a, apply=True)

    marked = dict(Loan.objects.values_list("student__first_name", "student_left_on"))
    assert marked == {"Mia": AUTUMN, "Ben": AUTUMN, "Lea": None}

    # The next import (still without Mia) keeps the first date.
    with django_capture_on_commit_callbacks(execute=True):
        run(it_admin, school_a, apply=True, rows=[("7b", "Koch", "Lea", "01.03.2014", "", "2")])
    assert Loan.objects.get(pk=loans["Mia"].pk).student_left_on == AUTUMN


def test_a_student_who_is_back_has_the_mark_taken_back(
    it_admin, school_a, loans, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run(it_admin, school_a, apply=True)
    everyone = [
        ("7b", "Becker", "Mia", "01.03.2014", "", "2"),
        ("7b", "Wolf", "Ben", "01.03.2014", "", "2"),
        ("7b", "Koch", "Lea", "01.03.2014", "", "2"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        run(it_admin, school_a, apply=True, rows=everyone)

    assert not Loan.objects.filter(student_left_on__isnull=False).exists()


def test_the_loan_lists_show_the_mark(client_for, coordinator, loans):
    Loan.objects.filter(pk=loans["Mia"].pk).update(student_left_on=AUTUMN)

    page = client_for(coordinator, language="en").get(reverse("scheduling:loan_on_loan"))

    text = page.content.decode()
    assert text.count("left the school on") == 1
    assert "take the device back" in text


def test_the_reminder_tells_the_teacher_that_the_student_left(loans):
    loan = loans["Mia"]
    loan.student_left_on = AUTUMN

    _subject, body = reminder_message(loan, kind=ReminderKind.BEFORE_DUE, today=AUTUMN)

    assert "Mia B. has left the school (roster of 01.09.2026)" in body
    assert (
        "left the school"
        not in reminder_message(loans["Lea"], kind=ReminderKind.BEFORE_DUE, today=AUTUMN)[1]
    )


def test_the_teacher_hears_at_once_that_a_student_left_with_a_device_on_loan(
    it_admin, school_a, loans, teacher, mailoutbox, django_capture_on_commit_callbacks
):
    teacher.email = "lehrerin@schule.example"
    teacher.save(update_fields=["email"])

    with django_capture_on_commit_callbacks(execute=True):
        run(it_admin, school_a, apply=True)

    # Mia has the device on loan; Ben's is only reserved, and is not out of the school.
    assert [message.to for message in mailoutbox] == [["lehrerin@schule.example"]]
    # The e-mail is German, the product's language.
    assert (
        mailoutbox[0].subject
        == "Schülerin/Schüler hat die Schule verlassen: Bitte Leihgerät 166021-0042 zurücknehmen"
    )
    assert "Mia B. hat die Schule verlassen (Schülerliste vom 01.09.2026)" in mailoutbox[0].body
    assert Loan.objects.get(pk=loans["Mia"].pk).reminders.get().kind == "student_left"

    # The next import, and the daily run, do not say it again.
    with django_capture_on_commit_callbacks(execute=True):
        run(it_admin, school_a, apply=True, rows=[("7b", "Koch", "Lea", "01.03.2014", "", "2")])
    loan_reminders_send()
    assert len(mailoutbox) == 1
