"""A device's page, its edit form and the report of devices per school."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory import services
from inventory.models import DeviceHistory, Status
from scheduling.history import loan_event_write
from scheduling.models import LoanStatus
from tests.accounts.factories import PersonFactory, SchoolClassFactory
from tests.factories import DeviceFactory, DeviceModelFactory, RoomFactory
from tests.scheduling.factories import LoanFactory
from tests.web.helpers import form_data

pytestmark = pytest.mark.django_db


# The device page


def test_the_device_page_shows_every_field(client_for, coordinator, device_a):
    device_a.mac_addresses = ["AA:BB:CC:DD:EE:FF"]
    device_a.save()

    response = client_for(coordinator).get("/devices/gym-0001/")  # any case

    html = response.content.decode()
    for text in (
        "GYM-0001",
        "PF12345",
        "Lenovo ThinkPad E14",
        "AA:BB:CC:DD:EE:FF",
        "Gymnasium am Park",
        "Medienraum",
        "In Benutzung",
        "649,00 €",
        "DigitalPakt Schule",
        "31.07.2025",
        "01.08.2021",
        "Im Medienraum",
    ):
        assert text in html, text
    assert "<title>Gerät GYM-0001 – Lernstatt</title>" in html
    assert 'href="/devices/GYM-0001/edit/"' in html


def test_the_device_page_shows_the_history_who_when_field_old_and_new(
    client_for, coordinator, device_a
):
    services.device_update(actor=coordinator, device=device_a, status=Status.IN_REPAIR)

    response = client_for(coordinator).get("/devices/GYM-0001/")

    [entry] = response.context["history"]
    assert (entry["actor"], entry["field"], entry["old"].text, entry["new"].text) == (
        coordinator,
        "Status",
        "In Benutzung",
        "In Reparatur",
    )
    html = response.content.decode()
    assert "Erika Mustermann" in html  # the coordinator's name
    assert timezone.localtime(entry["at"]).strftime("%d.%m.%Y") in html


def test_the_history_writes_prices_and_dates_as_a_person_reads_them(
    client_for, coordinator, device_a
):
    services.device_update(
        actor=coordinator,
        device=device_a,
        purchase_price=Decimal("1234.50"),
        warranty_end=datetime.date(2027, 7, 31),
        lendable=True,
    )

    html = client_for(coordinator).get("/devices/GYM-0001/").content.decode()

    for text in ("649,00 €", "1.234,50 €", "31.07.2025", "31.07.2027", ">ja<", ">nein<"):
        assert text in html, text
    for stored in ("1234.50", "2027-07-31", ">true<"):
        assert stored not in html, stored


def test_the_history_says_which_student_had_the_device_and_links_the_loan(
    client_for, coordinator, device_a, school_a
):
    student = PersonFactory(
        school=school_a,
        first_name="Lena",
        last_name="Vogel",
        school_class=SchoolClassFactory(school=school_a, name="5a", school_year=2026),
    )
    loan = LoanFactory(
        student=student,
        device=device_a,
        status=LoanStatus.ON_LOAN,
        starts_on=datetime.date(2026, 10, 21),
        ends_on=datetime.date(2026, 11, 18),
    )
    loan_event_write(loan=loan, device=device_a, event="handed_out", actor=coordinator)

    html = client_for(coordinator).get("/devices/GYM-0001/").content.decode()

    assert (
        f'<a href="/loans/{loan.pk}/">an Lena Vogel (5a) ausgegeben, '
        "21. Oktober – 18. November 2026</a>"
    ) in html
    assert "handed_out" not in html and "2026-10-21" not in html
    assert "(2026/27)" not in html


def test_the_history_of_a_loan_in_another_school_names_no_student(
    client_for, coordinator, device_a, school_b
):
    """A device that came over from another school keeps its past loans in its history;
    the coordinator of its new school does not see who had it there."""
    student = PersonFactory(school=school_b, first_name="Mia", last_name="Brandt")
    loan = LoanFactory(
        student=student,
        starts_on=datetime.date(2026, 12, 21),
        ends_on=datetime.date(2027, 1, 8),
    )
    loan_event_write(loan=loan, device=device_a, event="returned", actor=None)

    html = client_for(coordinator).get("/devices/GYM-0001/").content.decode()

    assert "nach einer Ausleihe zurückgegeben, 21. Dezember 2026 – 8. Januar 2027" in html
    assert "Brandt" not in html and f"/loans/{loan.pk}/" not in html


def test_the_device_page_lists_the_devices_loans(client_for, coordinator, device_a, school_a):
    student = PersonFactory(school=school_a, first_name="Lena", last_name="Vogel")
    LoanFactory(student=student, device=device_a, status=LoanStatus.RETURNED)

    html = client_for(coordinator).get("/devices/GYM-0001/").content.decode()

    assert "Lena Vogel" in html
    assert "Zurückgegeben" in html


def test_a_device_without_history_or_loans_says_so(client_for, coordinator, device_a):
    html = client_for(coordinator).get("/devices/GYM-0001/").content.decode()

    assert "Für dieses Gerät wurden noch keine Änderungen erfasst." in html
    assert "Dieses Gerät wurde noch nicht verliehen." in html


def test_the_device_page_needs_few_queries_with_a_long_history_and_many_loans(
    client_for, coordinator, device_a, school_a, django_assert_max_num_queries
):
    DeviceHistory.objects.bulk_create(
        DeviceHistory(
            device=device_a,
            asset_tag=device_a.asset_tag,
            actor=coordinator,
            at=timezone.now(),
            action="update",
            field="notes",
            old=str(i),
            new=str(i + 1),
        )
        for i in range(90)
    )
    for _ in range(10):
        loan = LoanFactory(
            student=PersonFactory(school=school_a), device=device_a, status=LoanStatus.RETURNED
        )
        loan_event_write(loan=loan, device=device_a, event="returned", actor=None)
    browser = client_for(coordinator)

    # session, user, schools, device, history, the history's loans, loans, last seen
    with django_assert_max_num_queries(8):
        response = browser.get("/devices/GYM-0001/")

    assert len(response.context["history"]) == 100
    assert len(response.context["loans"]) == 10


def test_asset_tags_with_slashes_have_their_pages(client_for, coordinator, school_a, laptop_model):
    DeviceFactory(asset_tag="INV/2021/001", school=school_a, model=laptop_model)
    browser = client_for(coordinator)

    assert browser.get("/devices/INV/2021/001/").status_code == 200
    assert browser.get("/devices/INV/2021/001/edit/").status_code == 200


# The edit form


def test_the_edit_form_shows_the_current_values(client_for, coordinator, device_a):
    response = client_for(coordinator).get("/devices/GYM-0001/edit/")

    html = response.content.decode()
    assert 'value="GYM-0001"' in html
    assert 'value="649,00"' in html  # German decimal comma
    assert 'value="2025-07-31"' in html  # the date picker's format
    assert "Im Medienraum</textarea>" in html


def test_saving_the_form_changes_the_device_and_writes_a_history_row(
    client_for, coordinator, device_a
):
    browser = client_for(coordinator)

    response = browser.post(
        "/devices/GYM-0001/edit/",
        form_data(
            device_a,
            status=Status.IN_REPAIR,
            purchase_price="1.234,50 €",
            mac_addresses="aa-bb-cc-dd-ee-ff",
            lendable="on",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == "/devices/GYM-0001/"
    device_a.refresh_from_db()
    assert device_a.status == Status.IN_REPAIR
    assert device_a.purchase_price == Decimal("1234.50")
    assert device_a.mac_addresses == ["AA:BB:CC:DD:EE:FF"]
    assert device_a.lendable is True
    history = {row.field: (row.old, row.new, row.actor) for row in device_a.history.all()}
    assert history == {
        "status": ("in_use", "in_repair", coordinator),
        "purchase_price": ("649.00", "1234.50", coordinator),
        "mac_addresses": ("", "AA:BB:CC:DD:EE:FF", coordinator),
        "lendable": ("false", "true", coordinator),
    }
    page = browser.get(response["Location"])
    assert "Das Gerät GYM-0001 wurde gespeichert." in page.content.decode()


def test_saving_without_changes_writes_no_history(client_for, coordinator, device_a):
    response = client_for(coordinator).post("/devices/GYM-0001/edit/", form_data(device_a))

    assert response.status_code == 302
    assert not device_a.history.exists()


def test_a_duplicate_asset_tag_is_an_error_at_the_field_and_keeps_what_was_typed(
    client_for, coordinator, device_a, school_a, laptop_model
):
    DeviceFactory(asset_tag="GYM-0002", school=school_a, model=laptop_model)

    response = client_for(coordinator).post(
        "/devices/GYM-0001/edit/",
        form_data(device_a, asset_tag="GYM-0002", notes="Neue Notiz", status=Status.LOST),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["asset_tag"] == [
        "Die Inventarnummer GYM-0002 ist bereits an ein anderes Gerät vergeben."
    ]
    html = response.content.decode()
    assert 'value="GYM-0002"' in html
    assert "Neue Notiz</textarea>" in html
    assert '<option value="lost" selected>' in html
    assert 'aria-invalid="true"' in html
    assert "Bitte prüfen Sie Ihre Eingaben" in html
    # Nothing written; the page still names the device by its stored tag.
    device_a.refresh_from_db()
    assert (device_a.asset_tag, device_a.status, device_a.notes) == (
        "GYM-0001",
        Status.IN_USE,
        "Im Medienraum",
    )
    assert not DeviceHistory.objects.exists()
    assert response.context["device"].asset_tag == "GYM-0001"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("purchase_price", "teuer", "Bitte eine Zahl eingeben."),
        ("purchase_price", "-5", "Dieser Wert muss größer oder gleich 0 sein."),
        ("mac_addresses", "00:11:22", "„00:11:22“ ist keine MAC-Adresse."),
        ("purchase_date", "gestern", "Bitte ein gültiges Datum eingeben."),
        ("asset_tag", "", "Dieses Feld ist zwingend erforderlich."),
    ],
)
def test_bad_input_is_an_error_naming_the_field_and_nothing_is_saved(
    client_for, coordinator, device_a, field, value, message
):
    response = client_for(coordinator).post(
        "/devices/GYM-0001/edit/", form_data(device_a, **{field: value, "notes": "geändert"})
    )

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    device_a.refresh_from_db()
    assert device_a.notes == "Im Medienraum"
    assert not DeviceHistory.objects.exists()


def test_a_coordinator_cannot_move_a_device_to_a_school_they_do_not_reach(
    client_for, coordinator, device_a, school_b
):
    response = client_for(coordinator).post(
        "/devices/GYM-0001/edit/", form_data(device_a, school=school_b.id)
    )

    assert response.status_code == 200
    assert response.context["form"].errors["school"] == [
        "Bitte wählen Sie eine Schule aus der Liste."
    ]
    device_a.refresh_from_db()
    assert device_a.school_id != school_b.id


def test_the_room_must_be_one_of_the_devices_school(client_for, it_admin, device_a, school_b):
    other_room = RoomFactory(school=school_b)

    response = client_for(it_admin).post(
        "/devices/GYM-0001/edit/", form_data(device_a, room=other_room.id)
    )

    assert response.status_code == 200
    assert "room" in response.context["form"].errors


def test_moving_a_device_to_another_school_clears_its_room(
    client_for, it_admin, device_a, school_b
):
    response = client_for(it_admin).post(
        "/devices/GYM-0001/edit/", form_data(device_a, school=school_b.id)
    )

    assert response.status_code == 302
    device_a.refresh_from_db()
    assert (device_a.school, device_a.room) == (school_b, None)
    assert set(device_a.history.values_list("field", flat=True)) == {"school", "room"}


def test_the_model_can_be_changed_to_another_from_the_list(client_for, coordinator, device_a):
    ipad = DeviceModelFactory(manufacturer="Apple", name="iPad 10", category="tablet")

    response = client_for(coordinator).post(
        "/devices/GYM-0001/edit/", form_data(device_a, model=ipad.id)
    )

    assert response.status_code == 302
    device_a.refresh_from_db()
    assert (device_a.model, device_a.manufacturer) == (ipad, "Apple")


# The report


def test_the_report_counts_the_devices_of_each_school_by_status(
    client_for, city_staff, school_a, school_b, laptop_model, django_assert_max_num_queries
):
    DeviceFactory.create_batch(2, school=school_a, model=laptop_model, status=Status.IN_USE)
    DeviceFactory(school=school_a, model=laptop_model, status=Status.LOST)
    browser = client_for(city_staff)

    with django_assert_max_num_queries(4):
        response = browser.get("/reports/devices-per-school/")

    [row] = response.context["rows"]  # a school without devices has no row of a category
    assert (row["school_number"], row["category"]) == ("165432", "laptop")
    assert (row[Status.IN_USE], row[Status.LOST], row["total"]) == (2, 1, 3)


def test_the_coordinators_report_has_their_schools_only(
    client_for, coordinator, device_a, device_b
):
    response = client_for(coordinator).get("/reports/devices-per-school/")

    assert [row["school_number"] for row in response.context["rows"]] == ["165432"]
    assert device_b.school.name not in response.content.decode()
