"""The start page shows each role what it needs today, with few queries."""

import pytest

from inventory.models import Status
from tests.accounts.factories import PersonFactory
from tests.factories import DeviceFactory
from tests.scheduling.factories import LoanFactory

pytestmark = pytest.mark.django_db


def test_a_coordinator_sees_the_counts_of_their_schools_and_the_devices_in_repair(
    client_for, coordinator, school_a, school_b, laptop_model, django_assert_max_num_queries
):
    DeviceFactory(
        asset_tag="R-1",
        school=school_a,
        model=laptop_model,
        status=Status.IN_REPAIR,
        notes="Display gebrochen",
    )
    DeviceFactory.create_batch(3, school=school_a, model=laptop_model, status=Status.IN_USE)
    DeviceFactory(asset_tag="R-OTHER", school=school_b, model=laptop_model, status=Status.IN_REPAIR)
    browser = client_for(coordinator)

    # The device sections' queries, and one for the loan queue's counts.
    with django_assert_max_num_queries(8):
        response = browser.get("/")

    html = response.content.decode()
    section = response.context["sections"][0]
    assert dict((status.value, n) for status, n in section["status_counts"]) == {
        **dict.fromkeys(Status.values, 0),
        Status.IN_USE: 3,
        Status.IN_REPAIR: 1,
    }
    assert "Ihre Schulen haben 4 Geräte." in html
    assert "R-1" in html and "Display gebrochen" in html
    assert "R-OTHER" not in html
    assert 'href="/devices/?status=in_repair"' in html
    assert school_a.name in html  # "your schools"


def test_a_teacher_sees_their_school_and_their_open_loan_requests(client_for, teacher, school_a):
    student = PersonFactory(school=school_a, first_name="Mia", last_name="Berg")
    LoanFactory(student=student, requested_by=teacher)
    someone_elses = PersonFactory(school=school_a, first_name="Tom", last_name="Anders")
    LoanFactory(student=someone_elses)

    html = client_for(teacher).get("/").content.decode()

    assert school_a.name in html
    assert "Mia Berg" in html
    assert "Tom Anders" not in html
    assert "/devices/" not in html


def test_a_teacher_without_requests_gets_a_plain_sentence(client_for, teacher):
    html = client_for(teacher).get("/").content.decode()

    assert "Sie haben keine offenen Anfragen für Leihgeräte." in html


def test_city_staff_see_totals_of_all_schools_and_no_device_or_person(
    client_for, city_staff, school_a, school_b, laptop_model
):
    DeviceFactory(asset_tag="X-1", school=school_a, model=laptop_model, status=Status.IN_REPAIR)
    DeviceFactory(asset_tag="X-2", school=school_b, model=laptop_model, status=Status.IN_USE)

    html = client_for(city_staff).get("/").content.decode()

    assert "Die Schulen haben 2 Geräte." in html
    assert 'href="/reports/"' in html
    assert "X-1" not in html and "/devices/" not in html
