"""A waiting request gets a device as soon as one becomes available through the inventory
(made lendable, back in stock from repair, added as lendable), and beat runs the queue
regularly besides."""

import pytest
from celery.schedules import crontab

from inventory import services as inventory
from inventory.importing import device_import_apply
from inventory.models import Status
from scheduling import services
from scheduling.models import LoanStatus
from tests.factories import DeviceFactory
from tests.scheduling.conftest import days


@pytest.fixture
def waiting(teacher, coordinator, students_a, lends_laptops):
    loan = services.loan_request(
        actor=teacher,
        student_ids=[students_a[0].pk],
        category="laptop",
        starts_on=days(1),
        ends_on=days(10),
        reason="quarantine",
    )[0]
    loan = services.loan_approve(actor=coordinator, loan=loan)
    assert loan.status == LoanStatus.WAITING
    return loan


@pytest.mark.django_db
class TestTrigger:
    def test_a_device_made_lendable_through_the_api_goes_to_the_waiting_request(
        self,
        client_for,
        it_admin,
        waiting,
        school_a,
        laptop_model,
        django_capture_on_commit_callbacks,
    ):
        DeviceFactory(school=school_a, asset_tag="A-7", model=laptop_model, lendable=False)

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client_for(it_admin).patch(
                "/api/v1/devices/A-7", {"lendable": True}, content_type="application/json"
            )

        assert response.status_code == 200, response.json()
        assert len(callbacks) == 1
        waiting.refresh_from_db()
        assert (waiting.status, waiting.device.asset_tag) == (LoanStatus.RESERVED, "A-7")
        assert waiting.starts_on == days(1)

    def test_a_lendable_device_back_from_repair_goes_to_the_waiting_request(
        self, it_admin, waiting, lendable, school_a, django_capture_on_commit_callbacks
    ):
        device = lendable(school_a, "A-8", status=Status.IN_REPAIR)

        with django_capture_on_commit_callbacks(execute=True):
            inventory.device_update(actor=it_admin, device=device, status=Status.IN_STOCK)

        waiting.refresh_from_db()
        assert (waiting.status, waiting.device) == (LoanStatus.RESERVED, device)

    def test_a_new_lendable_device_goes_to_the_waiting_request(
        self, it_admin, waiting, school_a, laptop_model, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            device = inventory.device_create(
                actor=it_admin, school=school_a, asset_tag="A-9", model=laptop_model, lendable=True
            )

        waiting.refresh_from_db()
        assert (waiting.status, waiting.device) == (LoanStatus.RESERVED, device)

    def test_an_import_of_lendable_devices_gives_the_waiting_request_one_at_once(
        self, it_admin, waiting, school_a, laptop_model, django_capture_on_commit_callbacks
    ):
        data = (
            "Inventarnummer;Hersteller;Modell;Schulnummer;Status;Ausleihbar\r\n"
            "A-10;Lenovo;ThinkPad E14;165432;Auf Lager;ja\r\n"
        ).encode("cp1252")

        with django_capture_on_commit_callbacks(execute=True):
            report = device_import_apply(actor=it_admin, data=data, filename="geraete.csv")

        assert report.applied
        waiting.refresh_from_db()
        assert (waiting.status, waiting.device.asset_tag) == (LoanStatus.RESERVED, "A-10")

    def test_an_import_that_makes_a_stored_device_lendable_gives_it_to_the_waiting_request(
        self, it_admin, waiting, school_a, laptop_model, django_capture_on_commit_callbacks
    ):
        DeviceFactory(school=school_a, asset_tag="A-12", model=laptop_model, lendable=False)
        data = (
            "Inventarnummer;Hersteller;Modell;Schulnummer;Status;Ausleihbar\r\n"
            "A-12;Lenovo;ThinkPad E14;165432;Auf Lager;ja\r\n"
        ).encode("cp1252")

        with django_capture_on_commit_callbacks(execute=True):
            report = device_import_apply(actor=it_admin, data=data, filename="geraete.csv")

        assert report.applied
        waiting.refresh_from_db()
        assert (waiting.status, waiting.device.asset_tag) == (LoanStatus.RESERVED, "A-12")

    def test_an_import_without_lendable_devices_enqueues_nothing(
        self, it_admin, waiting, school_a, laptop_model, django_capture_on_commit_callbacks
    ):
        data = (
            "Inventarnummer;Hersteller;Modell;Schulnummer;Status;Ausleihbar\r\n"
            "A-11;Lenovo;ThinkPad E14;165432;Auf Lager;nein\r\n"
        ).encode("cp1252")

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            report = device_import_apply(actor=it_admin, data=data, filename="geraete.csv")

        assert report.applied
        assert callbacks == []
        waiting.refresh_from_db()
        assert waiting.status == LoanStatus.WAITING

    @pytest.mark.parametrize(
        ("before", "change"),
        [
            ({"lendable": True}, {"notes": "Akku schwach"}),
            ({"lendable": False, "status": Status.IN_REPAIR}, {"status": Status.IN_STOCK}),
            ({"lendable": True}, {"lendable": False}),
        ],
    )
    def test_other_changes_enqueue_nothing(
        self,
        it_admin,
        waiting,
        school_a,
        laptop_model,
        before,
        change,
        django_capture_on_commit_callbacks,
    ):
        # Put there around the services, so that the queue has not seen it yet.
        device = DeviceFactory(school=school_a, asset_tag="A-5", model=laptop_model, **before)

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            inventory.device_update(actor=it_admin, device=device, **change)

        assert callbacks == []
        waiting.refresh_from_db()
        assert waiting.status == LoanStatus.WAITING

    def test_a_refused_change_enqueues_nothing(
        self,
        client_for,
        it_admin,
        waiting,
        school_a,
        laptop_model,
        django_capture_on_commit_callbacks,
    ):
        DeviceFactory(school=school_a, asset_tag="A-6", model=laptop_model, lendable=False)

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client_for(it_admin).patch(
                "/api/v1/devices/A-6",
                {"lendable": True, "purchase_price": "-5"},
                content_type="application/json",
            )

        assert response.status_code == 422
        assert [error["field"] for error in response.json()["errors"]] == ["purchase_price"]
        assert callbacks == []
        waiting.refresh_from_db()
        assert waiting.status == LoanStatus.WAITING


def test_beat_allocates_the_waiting_requests_every_quarter_hour_by_default(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["loan-allocate"]

    assert entry["task"] == "scheduling.tasks.allocate_waiting"
    assert entry["schedule"] == crontab(minute="*/15")
