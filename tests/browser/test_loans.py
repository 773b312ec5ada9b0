import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import PersonRole
from core.models import Role
from inventory.models import Category, DeviceHistory, Status
from scheduling import services
from scheduling.models import Loan, LoanStatus
from tests.accounts.factories import PersonFactory, SchoolClassFactory, teaches
from tests.browser.conftest import log_in, shot
from tests.factories import DeviceFactory, DeviceModelFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.integration


@pytest.fixture
def school_with_class():
    school = SchoolFactory(name="Gymnasium am Stadtgarten", number="166021")
    school_class = SchoolClassFactory(school=school, name="7b")
    # The school lends laptops (only those can be requested); this one is in repair.
    DeviceFactory(
        asset_tag="166021-9999",
        school=school,
        model=DeviceModelFactory(category=Category.LAPTOP),
        status=Status.IN_REPAIR,
        lendable=True,
    )
    students = [
        PersonFactory(school=school, school_class=school_class, first_name=first, last_name=last)
        for first, last in [
            ("Jörg", "Öztürk"),
            ("Siobhán", "O'Brien"),
            ("Lea", "Müller-Lüdenscheidt"),
        ]
    ]
    return school, school_class, students


def test_teacher_requests_a_device_for_two_students_of_her_class_and_sees_the_requests(
    page, school_with_class
):
    school, _school_class, _students = school_with_class
    teacher = UserFactory(
        username="lehrer", role=Role.TEACHER, schools=[school], first_name="Katrin"
    )
    teaches(teacher, _school_class)
    start = timezone.localdate() + datetime.timedelta(days=3)

    log_in(page, "lehrer")
    page.goto("/loans/new/")
    page.get_by_label("Class", exact=True).select_option(label=f"7b (2026/27) – {school.name}")
    page.get_by_role("button", name="Show students").click()
    page.get_by_label("Öztürk, Jörg", exact=True).check()
    page.get_by_label("O'Brien, Siobhán", exact=True).check()
    page.get_by_label("Device", exact=True).select_option("laptop")
    page.get_by_label("From", exact=True).fill(start.isoformat())
    page.get_by_label("Until", exact=True).fill((start + datetime.timedelta(days=20)).isoformat())
    page.get_by_label("Reason", exact=True).select_option("no_device_at_home")
    shot(page, "loan-request")
    page.get_by_role("button", name="Send the request").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("My requests")
    table = page.locator("table")
    expect(table).to_contain_text("Öztürk")
    expect(table).to_contain_text("O'Brien")
    expect(table).not_to_contain_text("Müller-Lüdenscheidt")
    expect(table).to_contain_text("Requested")
    shot(page, "my-requests")
    loans = Loan.objects.filter(status=LoanStatus.REQUESTED, category=Category.LAPTOP)
    assert sorted(loan.student.last_name for loan in loans) == ["O'Brien", "Öztürk"]


def test_teacher_who_ticks_nobody_is_told_at_the_students_field_and_nothing_is_saved(
    page, school_with_class
):
    school, _school_class, _students = school_with_class
    teaches(UserFactory(username="lehrer", role=Role.TEACHER, schools=[school]), _school_class)

    log_in(page, "lehrer")
    page.goto("/loans/new/")
    page.get_by_label("Class", exact=True).select_option(index=1)
    page.get_by_role("button", name="Show students").click()
    page.get_by_role("button", name="Send the request").click()

    expect(page.locator("fieldset.has-error")).to_contain_text("Please tick at least one student.")
    assert not Loan.objects.exists()


def test_coordinator_approves_from_the_queue_hands_out_by_scanning_and_takes_it_back(
    page, school_with_class
):
    school, _school_class, students = school_with_class
    teacher = UserFactory(username="lehrer", role=Role.TEACHER, schools=[school])
    teaches(teacher, _school_class)
    UserFactory(username="koord", role=Role.COORDINATOR, schools=[school])
    laptop = DeviceFactory(
        asset_tag="166021-0042",
        school=school,
        model=DeviceModelFactory(category=Category.LAPTOP),
        status=Status.IN_STOCK,
        lendable=True,
    )
    today = timezone.localdate()
    (loan,) = services.loan_request(
        actor=teacher,
        student_ids=[students[0].pk],
        category=Category.LAPTOP,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=14),
        reason="distance_learning",
    )

    log_in(page, "koord")
    page.goto("/loans/queue/")
    row = page.locator("tr", has_text="Öztürk")
    shot(page, "loan-queue")
    row.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("There are no new requests. Well done!")).to_be_visible()

    page.goto(f"/loans/{loan.pk}/")
    expect(page.locator("main")).to_contain_text("166021-0042")
    shot(page, "loan-detail-reserved")
    page.get_by_role("link", name="Hand out").click()
    scan = page.get_by_label("Asset tag (scan)", exact=True)
    # The scanner's field has the focus: scanning needs no click first.
    expect(scan).to_be_focused()
    page.get_by_label("Guardian", exact=True).fill("Ayşe Öztürk")
    page.get_by_label("Charger", exact=True).check()
    page.get_by_label("The loan agreement is signed", exact=True).check()
    shot(page, "loan-handout")
    # A barcode scanner types the tag and presses Enter.
    scan.fill("166021-0042")
    scan.press("Enter")

    expect(page.locator("main")).to_contain_text("On loan")
    laptop.refresh_from_db()
    assert laptop.status == Status.ON_LOAN
    page.get_by_role("link", name="Take back").click()
    scan = page.get_by_label("Asset tag (scan)", exact=True)
    scan.fill("166021-0042")
    scan.press("Enter")  # checks the scan; the accessories are still to be ticked
    expect(page.get_by_role("status")).to_contain_text("166021-0042 is the device of this loan.")
    page.get_by_role("button", name="Take back", exact=True).click()

    expect(page.locator("main")).to_contain_text("Returned")
    shot(page, "loan-detail-returned")
    loan.refresh_from_db()
    laptop.refresh_from_db()
    assert loan.status == LoanStatus.RETURNED
    assert loan.guardian_name == "Ayşe Öztürk"
    assert loan.accessories_out == ["charger"]
    assert laptop.status == Status.IN_STOCK
    events = DeviceHistory.objects.filter(device=laptop, field="loan").order_by("at", "pk")
    assert [row.new.split()[2] for row in events] == ["reserved", "handed_out", "returned"]


def test_scanning_the_wrong_device_at_handout_is_refused_and_the_device_stays(
    page, school_with_class
):
    school, _school_class, students = school_with_class
    coordinator = UserFactory(username="koord", role=Role.COORDINATOR, schools=[school])
    model = DeviceModelFactory(category=Category.LAPTOP)
    for tag in ("166021-0001", "166021-0002"):
        DeviceFactory(
            asset_tag=tag, school=school, model=model, status=Status.IN_STOCK, lendable=True
        )
    today = timezone.localdate()
    (loan,) = services.loan_request(
        actor=coordinator,
        student_ids=[students[1].pk],
        category=Category.LAPTOP,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=7),
        reason="quarantine",
    )
    services.loan_approve(actor=coordinator, loan=loan)

    log_in(page, "koord")
    page.goto(f"/loans/{loan.pk}/handout/")
    page.get_by_label("Guardian", exact=True).fill("Mary O'Brien")
    page.get_by_label("The loan agreement is signed", exact=True).check()
    page.get_by_label("Asset tag (scan)", exact=True).fill("166021-0002")
    page.get_by_label("Asset tag (scan)", exact=True).press("Enter")

    expect(page.locator("main")).to_contain_text("please take 166021-0001")
    expect(page.get_by_label("Guardian", exact=True)).to_have_value("Mary O'Brien")
    loan.refresh_from_db()
    assert loan.status == LoanStatus.RESERVED
    assert loan.student.role == PersonRole.STUDENT


def test_an_approved_loan_is_found_by_clicking_from_the_start_page_and_handed_out(
    page, school_with_class
):
    school, _school_class, students = school_with_class
    teacher = UserFactory(username="lehrer", role=Role.TEACHER, schools=[school])
    teaches(teacher, _school_class)
    UserFactory(username="koord", role=Role.COORDINATOR, schools=[school])
    DeviceFactory(
        asset_tag="166021-0042",
        school=school,
        model=DeviceModelFactory(category=Category.LAPTOP),
        status=Status.IN_STOCK,
        lendable=True,
    )
    today = timezone.localdate()
    for student in students[:2]:
        services.loan_request(
            actor=teacher,
            student_ids=[student.pk],
            category=Category.LAPTOP,
            starts_on=today,
            ends_on=today + datetime.timedelta(days=14),
            reason="distance_learning",
        )

    log_in(page, "koord")
    page.get_by_role("link", name="Requests to decide").click()
    page.locator("tr", has_text="Öztürk").get_by_role("button", name="Approve").click()
    # The message says where the device went and leads on to its hand-out.
    message = page.locator(".messages")
    expect(message).to_contain_text("Device 166021-0042 is reserved for Jörg Öztürk.")
    expect(message.get_by_role("link", name="Hand it out")).to_be_visible()

    # Later, from the start page: the tile counts it and the tab lists it.
    page.get_by_role("link", name="Start").first.click()
    tile = page.get_by_role("link", name="Ready for hand-out")
    expect(tile).to_contain_text("1")
    tile.click()
    expect(page.get_by_role("link", name="Ready for hand-out (1)")).to_have_attribute(
        "aria-current", "page"
    )
    shot(page, "loans-ready-for-handout")
    page.get_by_role("link", name="Print today's list: Gymnasium am Stadtgarten").click()
    expect(page.locator("table")).to_contain_text("Öztürk, Jörg")
    expect(page.locator("table")).to_contain_text("166021-0042")
    expect(page.locator("table")).not_to_contain_text("O'Brien")
    shot(page, "loans-to-hand-out-today")
    page.get_by_role("link", name="Öztürk, Jörg").click()

    scan = page.get_by_label("Asset tag (scan)", exact=True)
    expect(scan).to_be_focused()
    expect(page.locator("main")).to_contain_text("166021-0042")
    # Scan first: the scanner types the tag and presses Enter. That checks the device at
    # once and moves on to the guardian; nothing is complained about yet.
    scan.fill("166021-0042")
    scan.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("166021-0042 is the device of this loan.")
    guardian = page.get_by_label("Guardian", exact=True)
    expect(guardian).to_be_focused()
    expect(page.locator(".errorlist")).to_have_count(0)
    shot(page, "loan-handout-scanned")
    guardian.fill("Ayşe Öztürk")
    page.get_by_label("The loan agreement is signed", exact=True).check()
    # Enter in a complete form hands the device out.
    guardian.press("Enter")
    expect(page.locator(".messages")).to_contain_text(
        "Device 166021-0042 has been handed out to Jörg Öztürk."
    )

    # It comes back damaged: the scan is checked first, then the damage is described.
    page.get_by_role("link", name="Take back").click()
    scan = page.get_by_label("Asset tag (scan)", exact=True)
    scan.fill("166021-0042")
    scan.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("166021-0042 is the device of this loan.")
    expect(page.locator("main")).to_contain_text("On loan")  # not taken back by the Enter
    page.get_by_label("The device is damaged", exact=True).check()
    page.get_by_label("Condition").fill("Display gesprungen")
    page.get_by_role("button", name="Take back", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("goes to repair")
    page.get_by_role("link", name="166021-0042").first.click()
    expect(page.locator("main")).to_contain_text("Damaged at return on")
    expect(page.locator("main")).to_contain_text("Display gesprungen")
    shot(page, "device-damaged-at-return")
