"""The loan pages: a teacher's requests; the queue, handout and return for those who manage
loans; who may open which page; conflicts shown on the page with nothing changed."""

import datetime
import re

import pytest
from django.utils import timezone

from accounts.models import PersonRole
from inventory.models import Category, Status
from scheduling.models import Loan, LoanStatus
from tests.accounts.factories import PersonFactory, SchoolClassFactory, teaches
from tests.factories import DeviceFactory, DeviceModelFactory
from tests.scheduling.factories import LoanFactory

pytestmark = pytest.mark.django_db

ROLES = ("it_admin", "coordinator", "teacher", "city_staff")


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def class_a(school_a, teacher):
    """Class 7b of school A, taught by the teacher."""
    school_class = SchoolClassFactory(school=school_a, name="7b")
    teaches(teacher, school_class)
    return school_class


@pytest.fixture
def students(class_a):
    return [
        PersonFactory(
            school=class_a.school,
            school_class=class_a,
            first_name=first,
            last_name=last,
            role=PersonRole.STUDENT,
        )
        for first, last in [("Mia", "Becker"), ("Ben", "Wolf")]
    ]


@pytest.fixture
def laptop(school_a, laptop_model):
    return DeviceFactory(
        asset_tag="L-1",
        school=school_a,
        model=laptop_model,
        status=Status.IN_STOCK,
        lendable=True,
    )


@pytest.fixture
def loan(students, teacher):
    """A request of the teacher for Mia, waiting for a decision."""
    return LoanFactory(
        student=students[0], requested_by=teacher, starts_on=days(1), ends_on=days(20)
    )


@pytest.fixture
def reserved(loan, laptop):
    Loan.objects.filter(pk=loan.pk).update(status=LoanStatus.RESERVED, device=laptop)
    loan.refresh_from_db()
    return loan


@pytest.fixture
def on_loan(reserved, laptop):
    Loan.objects.filter(pk=reserved.pk).update(
        status=LoanStatus.ON_LOAN, starts_on=days(0), accessories_out=["charger"]
    )
    laptop.status = Status.ON_LOAN
    laptop.save()
    reserved.refresh_from_db()
    return reserved


def request_data(class_a, students, **changes) -> dict:
    data = {
        "school_class": class_a.pk,
        "students": [s.pk for s in students],
        "category": Category.LAPTOP,
        "starts_on": days(1).isoformat(),
        "ends_on": days(30).isoformat(),
        "reason": "distance_learning",
        "note": "Seit Montag zu Hause",
    }
    data.update(changes)
    return data


# Who may open which page

REQUESTERS = {"it_admin", "coordinator", "teacher"}
MANAGERS = {"it_admin", "coordinator"}
PAGES = {
    "/loans/": REQUESTERS,
    "/loans/new/": REQUESTERS,
    "/loans/queue/": MANAGERS,
    "/loans/waiting/": MANAGERS,
    "/loans/on-loan/": MANAGERS,
    "/loans/on-loan/?overdue=1": MANAGERS,
    # The teacher requested the loan: they see its page, as over the API.
    "/loans/{id}/": REQUESTERS,
    "/loans/{id}/handout/": MANAGERS,
    "/loans/{id}/return/": MANAGERS,
    "/loans/{id}/lost/": MANAGERS,
    "/loans/{id}/agreement.pdf": MANAGERS,
}
CASES = [(url, role, role in allowed) for url, allowed in PAGES.items() for role in ROLES]


@pytest.mark.parametrize(("url", "role", "allowed"), CASES)
def test_each_loan_page_opens_for_the_roles_that_may_use_it_and_is_refused_for_others(
    url, role, allowed, role_users, client_for, loan
):
    response = client_for(role_users[role]).get(url.format(id=loan.pk))

    # Handout, return and lost of a loan in another status lead back to its page.
    assert response.status_code == (200 if allowed else 403) or (
        allowed and response.status_code == 302
    )
    if response.status_code == 302:
        assert response["Location"] == f"/loans/{loan.pk}/"
    if response.status_code in (200, 403) and not url.endswith(".pdf"):
        html = response.content.decode()
        assert "<title>" in html and 'aria-label="Sie sind hier"' in html
    if not allowed:
        assert "Diese Seite dürfen Sie nicht öffnen" in response.content.decode()


@pytest.mark.parametrize("suffix", ["", "handout/", "return/", "lost/", "agreement.pdf"])
def test_a_coordinator_guessing_another_schools_loan_gets_404(
    client_for, coordinator, school_b, suffix
):
    other = LoanFactory(student=PersonFactory(school=school_b, first_name="Tom"))

    response = client_for(coordinator).get(f"/loans/{other.pk}/{suffix}")

    assert response.status_code == 404
    assert school_b.name not in response.content.decode()


def test_a_teacher_cannot_cancel_another_teachers_request(client_for, teacher, school_a, loan):
    colleague = type(teacher).objects.create(username="kollegin", role=teacher.role)
    colleague.schools.set([school_a])

    response = client_for(colleague).post(f"/loans/{loan.pk}/cancel/")

    assert response.status_code == 404
    loan.refresh_from_db()
    assert loan.status == LoanStatus.REQUESTED


def test_only_the_closest_navigation_entry_is_current(client_for, coordinator):
    items = client_for(coordinator).get("/loans/queue/").context["nav_items"]

    assert [item["url"] for item in items if item["current"]] == ["/loans/queue/"]


# The teacher's request


def test_a_teacher_requests_devices_for_two_students_at_once_and_sees_them(
    client_for, teacher, class_a, students, laptop
):
    browser = client_for(teacher)
    step_one = browser.get(f"/loans/new/?school_class={class_a.pk}")
    assert "Becker, Mia" in step_one.content.decode()

    response = browser.post("/loans/new/", request_data(class_a, students))

    assert response.status_code == 302
    assert response["Location"] == "/loans/"
    loans = Loan.objects.order_by("student__last_name")
    assert [(x.student.first_name, x.status, x.requested_by) for x in loans] == [
        ("Mia", LoanStatus.REQUESTED, teacher),
        ("Ben", LoanStatus.REQUESTED, teacher),
    ]
    html = browser.get("/loans/").content.decode()
    assert "Mia Becker" in html and "Ben Wolf" in html
    assert "Angefragt" in html
    assert "Ihre Anfrage für Mia Becker, Ben Wolf wurde gesendet." in html


def test_a_request_with_a_student_of_another_class_names_them_and_keeps_the_input(
    client_for, teacher, class_a, students, school_a
):
    other = PersonFactory(school=school_a, first_name="Tom", last_name="Berg")
    teaches(teacher, other.school_class)

    response = client_for(teacher).post("/loans/new/", request_data(class_a, [students[0], other]))

    assert response.status_code == 200
    assert Loan.objects.count() == 0
    html = response.content.decode()
    assert "Tom Berg ist nicht in der Klasse 7b." in html
    assert "Seit Montag zu Hause</textarea>" in html
    assert f'value="{days(30).isoformat()}"' in html
    # Both ticks stay, so the user sees whom the message is about.
    assert html.count("checked") == 2


def test_a_forged_request_for_a_student_the_teacher_does_not_teach_names_no_one(
    client_for, teacher, class_a, students, school_a
):
    other = PersonFactory(school=school_a, first_name="Tom", last_name="Berg")

    response = client_for(teacher).post("/loans/new/", request_data(class_a, [other]))

    assert response.status_code == 200
    assert Loan.objects.count() == 0
    html = response.content.decode()
    assert f"Schülerin/Schüler {other.pk} nicht gefunden." in html
    assert "Berg" not in html


def test_the_request_form_offers_only_what_the_school_lends(
    client_for, teacher, class_a, students, laptop, school_a
):
    DeviceFactory(school=school_a, model=DeviceModelFactory(category=Category.NETWORK))

    html = client_for(teacher).get(f"/loans/new/?school_class={class_a.pk}").content.decode()

    select = html.split('name="category"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\w+)"', select) == ["laptop"]


def test_a_request_the_service_refuses_shows_its_message_at_the_field(
    client_for, teacher, class_a, students, loan, laptop
):
    response = client_for(teacher).post("/loans/new/", request_data(class_a, students))

    assert response.status_code == 200
    assert Loan.objects.count() == 1  # only the one there was
    errors = response.context["form"].errors["students"]
    assert "Mia Becker" in errors[0]


def test_a_request_without_students_or_end_says_what_is_missing(
    client_for, teacher, class_a, students
):
    response = client_for(teacher).post("/loans/new/", request_data(class_a, [], ends_on=""))

    errors = response.context["form"].errors
    assert errors["students"] == [
        "Bitte kreuzen Sie mindestens eine Schülerin oder einen Schüler an."
    ]
    assert "ends_on" in errors
    assert Loan.objects.count() == 0


def test_a_teacher_sees_only_their_own_requests_and_an_empty_state(
    client_for, teacher, coordinator, students
):
    LoanFactory(student=students[1], requested_by=coordinator)

    html = client_for(teacher).get("/loans/").content.decode()

    assert "Ben Wolf" not in html
    assert "Sie haben noch kein Leihgerät angefragt." in html


def test_a_teacher_cancels_their_request(client_for, teacher, loan):
    response = client_for(teacher).post(f"/loans/{loan.pk}/cancel/", {"next": "/loans/"})

    assert response["Location"] == "/loans/"
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CANCELLED


# The queue


def test_the_queue_lists_requests_first_come_first_served(client_for, coordinator, students):
    first = LoanFactory(student=students[1], starts_on=days(1), ends_on=days(5))
    second = LoanFactory(student=students[0], starts_on=days(1), ends_on=days(5))
    Loan.objects.filter(pk=first.pk).update(requested_at=timezone.now() - datetime.timedelta(1))

    response = client_for(coordinator).get("/loans/queue/")

    assert [x.pk for x in response.context["page"]] == [first.pk, second.pk]


def test_an_admin_approves_and_a_device_is_allocated(client_for, it_admin, loan, laptop):
    response = client_for(it_admin).post(
        f"/loans/{loan.pk}/approve/", {"asset_tag": "", "next": "/loans/queue/"}
    )

    assert response["Location"] == "/loans/queue/"
    loan.refresh_from_db()
    assert (loan.status, loan.device) == (LoanStatus.RESERVED, laptop)


def test_approving_with_a_device_of_the_wrong_category_shows_the_message(
    client_for, coordinator, loan, school_a
):
    tablet = DeviceModelFactory(manufacturer="Apple", name="iPad", category=Category.TABLET)
    DeviceFactory(
        asset_tag="T-1", school=school_a, model=tablet, lendable=True, status=Status.IN_STOCK
    )

    response = client_for(coordinator).post(f"/loans/{loan.pk}/approve/", {"asset_tag": "T-1"})

    assert response.status_code == 200
    assert response.context["approve_form"].errors["asset_tag"]
    assert 'value="T-1"' in response.content.decode()
    loan.refresh_from_db()
    assert loan.status == LoanStatus.REQUESTED


def test_a_request_someone_else_decided_meanwhile_shows_a_conflict(
    client_for, coordinator, it_admin, loan, laptop
):
    client_for(it_admin).post(f"/loans/{loan.pk}/reject/", {"reason": "Kein Bedarf"})

    response = client_for(coordinator).post(f"/loans/{loan.pk}/approve/", {"asset_tag": ""})

    assert response.status_code == 200
    assert "Diese Anfrage wurde abgelehnt." in response.content.decode()
    loan.refresh_from_db()
    assert (loan.status, loan.device) == (LoanStatus.REJECTED, None)


def test_rejecting_needs_a_reason(client_for, coordinator, loan):
    response = client_for(coordinator).post(f"/loans/{loan.pk}/reject/", {"reason": " "})

    assert "reason" in response.context["reject_form"].errors
    loan.refresh_from_db()
    assert loan.status == LoanStatus.REQUESTED


def test_the_on_loan_list_filters_the_overdue(client_for, coordinator, students, laptop_model):
    late = LoanFactory(
        student=students[0],
        status=LoanStatus.ON_LOAN,
        device=DeviceFactory(asset_tag="L-7", model=laptop_model),
        starts_on=days(-20),
        ends_on=days(-2),
    )
    LoanFactory(
        student=students[1],
        status=LoanStatus.ON_LOAN,
        device=DeviceFactory(asset_tag="L-8", model=laptop_model),
        starts_on=days(-2),
        ends_on=days(5),
    )
    browser = client_for(coordinator)

    everything = browser.get("/loans/on-loan/")
    overdue = browser.get("/loans/on-loan/?overdue=1")

    assert len(everything.context["page"]) == 2
    assert [x.pk for x in overdue.context["page"]] == [late.pk]
    assert "überfällig" in overdue.content.decode()


def test_empty_lists_say_so(client_for, coordinator):
    browser = client_for(coordinator)

    assert "Es gibt keine neuen Anfragen." in browser.get("/loans/queue/").content.decode()
    assert "Keine Anfrage wartet" in browser.get("/loans/waiting/").content.decode()
    assert "Kein Gerät ist überfällig." in browser.get("/loans/on-loan/?overdue=1").content.decode()


@pytest.mark.parametrize("url", ["/loans/queue/", "/loans/on-loan/", "/loans/"])
def test_the_lists_need_few_queries_however_many_loans_there_are(
    url, client_for, coordinator, teacher, school_a, laptop_model, django_assert_max_num_queries
):
    for _ in range(15):
        student = PersonFactory(school=school_a)
        status = LoanStatus.ON_LOAN if "on-loan" in url else LoanStatus.REQUESTED
        device = DeviceFactory(school=school_a, model=laptop_model) if "on-loan" in url else None
        LoanFactory(student=student, status=status, device=device, requested_by=coordinator)
    browser = client_for(coordinator)

    # session, user, schools, counts, the count, the page
    with django_assert_max_num_queries(6):
        response = browser.get(url)

    assert len(response.context["page"]) == 15


# One loan, handout and return


def test_the_loan_page_shows_its_facts_device_history_and_the_buttons_of_its_status(
    client_for, coordinator, reserved
):
    html = client_for(coordinator).get(f"/loans/{reserved.pk}/").content.decode()

    for text in ("Mia Becker", "7b", "Gymnasium am Park", "L-1", "Reserviert", "Angefragt"):
        assert text in html, text
    assert f'href="/loans/{reserved.pk}/handout/"' in html
    assert f'href="/loans/{reserved.pk}/agreement.pdf"' in html
    assert f'action="/loans/{reserved.pk}/cancel/"' in html
    assert f'href="/loans/{reserved.pk}/return/"' not in html


def test_the_loan_pages_name_the_loan_not_its_number(client_for, coordinator, reserved):
    browser = client_for(coordinator)

    pages = {
        "": "Laptop für Mia Becker (7b)",
        "handout/": "Ausgabe: Laptop für Mia Becker (7b)",
    }
    for suffix, title in pages.items():
        html = browser.get(f"/loans/{reserved.pk}/{suffix}").content.decode()
        assert f"<title>{title} – Lernstatt</title>" in html, suffix
        assert f"Ausleihe {reserved.pk}<" not in html
    Loan.objects.filter(pk=reserved.pk).update(status=LoanStatus.ON_LOAN)
    html = browser.get(f"/loans/{reserved.pk}/return/").content.decode()
    assert "<title>Rücknahme: Laptop für Mia Becker (7b) – Lernstatt</title>" in html


def test_the_loan_agreement_downloads_as_a_pdf(client_for, coordinator, reserved):
    response = client_for(coordinator).get(f"/loans/{reserved.pk}/agreement.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "Leihvertrag-L-1.pdf" in response["Content-Disposition"]


def test_the_agreement_of_a_request_without_device_leads_back_with_a_message(
    client_for, coordinator, loan
):
    browser = client_for(coordinator)

    response = browser.get(f"/loans/{loan.pk}/agreement.pdf", follow=True)

    assert response.redirect_chain == [(f"/loans/{loan.pk}/", 302)]
    assert "Leihvertrag" in response.content.decode()


def test_the_handout_screen_has_the_scan_field_focused(client_for, coordinator, reserved):
    html = client_for(coordinator).get(f"/loans/{reserved.pk}/handout/").content.decode()

    assert 'name="asset_tag"' in html and "autofocus" in html
    assert '<form method="post"' in html


def handout_data(**changes) -> dict:
    data = {
        "asset_tag": "l-1",
        "guardian_name": "Sabine Becker",
        "accessories": ["charger", "case"],
        "condition": "wie neu",
        "agreement_signed": "on",
        "start_today": "on",  # the loans here start tomorrow
    }
    data.update(changes)
    return data


def test_the_handout_with_the_scanned_tag_puts_the_device_on_loan(
    client_for, coordinator, reserved, laptop
):
    response = client_for(coordinator).post(f"/loans/{reserved.pk}/handout/", handout_data())

    assert response["Location"] == f"/loans/{reserved.pk}/"
    reserved.refresh_from_db()
    laptop.refresh_from_db()
    assert reserved.status == LoanStatus.ON_LOAN
    assert (reserved.guardian_name, reserved.accessories_out) == (
        "Sabine Becker",
        ["charger", "case"],
    )
    assert laptop.status == Status.ON_LOAN


def test_handing_out_before_the_first_day_is_said_and_must_be_confirmed(
    client_for, coordinator, reserved, laptop
):
    browser = client_for(coordinator)
    html = browser.get(f"/loans/{reserved.pk}/handout/").content.decode()
    first_day = days(1).strftime("%d.%m.%Y")
    assert f"Diese Ausleihe beginnt erst am {first_day}." in html
    assert 'name="start_today"' in html

    response = browser.post(f"/loans/{reserved.pk}/handout/", handout_data(start_today=""))

    assert response.status_code == 200
    assert 'id="id_start_today_error"' in response.content.decode()
    reserved.refresh_from_db()
    assert (reserved.status, reserved.starts_on) == (LoanStatus.RESERVED, days(1))

    browser.post(f"/loans/{reserved.pk}/handout/", handout_data())
    reserved.refresh_from_db()
    assert (reserved.status, reserved.starts_on) == (LoanStatus.ON_LOAN, days(0))


def test_a_loan_that_starts_today_asks_nothing_about_its_start(client_for, coordinator, reserved):
    Loan.objects.filter(pk=reserved.pk).update(starts_on=days(0))

    html = client_for(coordinator).get(f"/loans/{reserved.pk}/handout/").content.decode()

    assert 'name="start_today"' not in html


def test_enter_in_the_scan_field_checks_the_device_and_submits_nothing_unfinished(
    client_for, coordinator, reserved
):
    browser = client_for(coordinator)
    url = f"/loans/{reserved.pk}/handout/"

    right = browser.post(url, {"step": "scan", "asset_tag": "l-1", "accessories": ["charger"]})
    wrong = browser.post(url, {"step": "scan", "asset_tag": "X-9"})

    html = right.content.decode()
    assert "L-1 ist das Gerät dieser Ausleihe." in html
    assert 'class="errorlist"' not in html
    assert re.search(r'<input[^>]*name="guardian_name"[^>]*autofocus', html)
    html = wrong.content.decode()
    assert "Das Gerät X-9 ist nicht das Gerät dieser Ausleihe; bitte nehmen Sie L-1." in html
    assert "id_guardian_name_error" not in html  # the guardian is not complained about yet
    reserved.refresh_from_db()
    assert reserved.status == LoanStatus.RESERVED


def test_a_damaged_return_needs_the_damage_and_writes_it_into_the_devices_notes(
    client_for, coordinator, reserved, laptop
):
    browser = client_for(coordinator)
    browser.post(f"/loans/{reserved.pk}/handout/", handout_data())
    url = f"/loans/{reserved.pk}/return/"
    data = {"asset_tag": "L-1", "accessories": ["charger", "case"], "damaged": "on"}

    refused = browser.post(url, data)
    assert "Bitte beschreiben Sie den Schaden" in refused.content.decode()
    reserved.refresh_from_db()
    assert reserved.status == LoanStatus.ON_LOAN

    browser.post(url, {**data, "condition": "Display gesprungen"})
    laptop.refresh_from_db()
    assert laptop.status == Status.IN_REPAIR
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert laptop.notes.endswith(f"Bei der Rückgabe am {today} beschädigt: Display gesprungen")
    assert laptop.history.filter(field="notes").count() == 1
    assert "Mia" not in laptop.notes


def test_a_wrong_scanned_tag_shows_the_message_and_changes_nothing(
    client_for, coordinator, reserved, laptop
):
    response = client_for(coordinator).post(
        f"/loans/{reserved.pk}/handout/", handout_data(asset_tag="X-9")
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Das Gerät X-9 ist nicht das Gerät dieser Ausleihe; bitte nehmen Sie L-1." in html
    assert 'value="Sabine Becker"' in html
    reserved.refresh_from_db()
    laptop.refresh_from_db()
    assert (reserved.status, reserved.guardian_name) == (LoanStatus.RESERVED, "")
    assert laptop.status == Status.IN_STOCK


def test_the_handout_without_signed_agreement_says_so(client_for, coordinator, reserved):
    data = handout_data()
    del data["agreement_signed"]

    response = client_for(coordinator).post(f"/loans/{reserved.pk}/handout/", data)

    assert "agreement_signed" in response.context["form"].errors
    reserved.refresh_from_db()
    assert reserved.status == LoanStatus.RESERVED


def test_taking_back_a_damaged_device_sends_it_to_repair(client_for, coordinator, on_loan, laptop):
    response = client_for(coordinator).post(
        f"/loans/{on_loan.pk}/return/",
        {"asset_tag": "L-1", "accessories": ["charger"], "condition": "Display", "damaged": "on"},
    )

    assert response["Location"] == f"/loans/{on_loan.pk}/"
    on_loan.refresh_from_db()
    laptop.refresh_from_db()
    assert on_loan.status == LoanStatus.RETURNED
    assert on_loan.accessories_in == ["charger"]
    assert laptop.status == Status.IN_REPAIR


def test_taking_back_with_a_wrong_tag_changes_nothing(client_for, coordinator, on_loan, laptop):
    response = client_for(coordinator).post(
        f"/loans/{on_loan.pk}/return/", {"asset_tag": "L-2", "accessories": ["charger"]}
    )

    assert "L-2" in response.context["form"].errors["asset_tag"][0]
    on_loan.refresh_from_db()
    assert on_loan.status == LoanStatus.ON_LOAN


def test_marking_lost_asks_first_and_then_marks_loan_and_device(
    client_for, coordinator, on_loan, laptop
):
    browser = client_for(coordinator)

    question = browser.get(f"/loans/{on_loan.pk}/lost/")
    assert "als verloren markieren?" in question.content.decode()
    on_loan.refresh_from_db()
    assert on_loan.status == LoanStatus.ON_LOAN

    browser.post(f"/loans/{on_loan.pk}/lost/", {"note": "Im Bus liegen gelassen"})

    on_loan.refresh_from_db()
    laptop.refresh_from_db()
    assert (on_loan.status, laptop.status) == (LoanStatus.LOST, Status.LOST)


def test_extending_onto_a_booked_day_shows_the_conflict_and_changes_nothing(
    client_for, coordinator, on_loan, laptop, students
):
    LoanFactory(
        student=students[1],
        device=laptop,
        status=LoanStatus.RESERVED,
        starts_on=days(25),
        ends_on=days(30),
    )

    response = client_for(coordinator).post(
        f"/loans/{on_loan.pk}/extend/", {"ends_on": days(27).isoformat()}
    )

    assert response.status_code == 200
    assert response.context["extend_form"].non_field_errors()
    on_loan.refresh_from_db()
    assert on_loan.ends_on == days(20)


def test_the_handout_of_a_loan_already_handed_out_leads_back_with_a_message(
    client_for, coordinator, on_loan
):
    response = client_for(coordinator).get(f"/loans/{on_loan.pk}/handout/", follow=True)

    assert response.redirect_chain == [(f"/loans/{on_loan.pk}/", 302)]
    assert "Verliehen" in response.content.decode()


# The start page and CSRF


def test_the_start_page_shows_the_queue_and_overdue_counts_to_managers(
    client_for, coordinator, loan
):
    response = client_for(coordinator).get("/")

    [section] = [s for s in response.context["sections"] if "counts" in s]
    assert (section["counts"]["requested"], section["counts"]["overdue"]) == (1, 0)
    assert 'href="/loans/on-loan/?overdue=1"' in response.content.decode()


def test_the_handout_form_refuses_a_post_without_the_csrf_token(client_for, coordinator, reserved):
    browser = client_for(coordinator, csrf=True)

    response = browser.post(f"/loans/{reserved.pk}/handout/", handout_data())

    assert response.status_code == 403
    reserved.refresh_from_db()
    assert reserved.status == LoanStatus.RESERVED
    browser.get(f"/loans/{reserved.pk}/handout/")
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        f"/loans/{reserved.pk}/handout/", {**handout_data(), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("suffix", ["", "handout/"])
def test_a_loans_own_page_marks_loans_current_for_a_coordinator(
    client_for, coordinator, reserved, suffix
):
    page = client_for(coordinator).get(f"/loans/{reserved.pk}/{suffix}")

    assert page.status_code == 200
    current = [item["url"] for item in page.context["nav_items"] if item["current"]]
    assert current == ["/loans/queue/"]


def test_a_coordinators_own_requests_stay_my_requests(client_for, coordinator):
    items = client_for(coordinator).get("/loans/").context["nav_items"]

    assert [item["url"] for item in items if item["current"]] == ["/loans/"]


def test_a_teachers_loan_pages_count_as_my_requests(client_for, teacher, loan):
    items = client_for(teacher).get(f"/loans/{loan.pk}/").context["nav_items"]

    assert [item["url"] for item in items if item["current"]] == ["/loans/"]
