"""Handout to the guardian, return, loss and extension: statuses, device history, the queue."""

import pytest

from inventory.models import Device, DeviceHistory, Status
from scheduling import services
from scheduling.models import LoanStatus
from tests.scheduling.conftest import days


def post(client, loan, step, data=None):
    return client.post(
        f"/api/v1/loans/{loan.pk}/{step}", data or {}, content_type="application/json"
    )


HANDOUT = {
    "asset_tag": "a-1",
    "guardian_name": "Petra Becker",
    "accessories": ["charger", "case"],
    "condition": "wie neu",
    "agreement_signed": True,
    "start_today": True,  # the loans here start in a few days
}


@pytest.fixture
def device(school_a, lendable):
    return lendable(school_a, "A-1")


@pytest.fixture
def reserved(teacher, coordinator, students_a, device):
    loan = services.loan_request(
        actor=teacher,
        student_ids=[students_a[0].pk],
        category="laptop",
        starts_on=days(2),
        ends_on=days(14),
        reason="quarantine",
    )[0]
    return services.loan_approve(actor=coordinator, loan=loan)


@pytest.fixture
def on_loan(client_for, coordinator, reserved):
    assert post(client_for(coordinator), reserved, "handout", HANDOUT).status_code == 200
    reserved.refresh_from_db()
    return reserved


def history(device):
    return [
        (h.field, h.old, h.new.split(" ")[2] if h.field == "loan" else h.new)
        for h in DeviceHistory.objects.filter(device=device).order_by("id")
    ]


@pytest.mark.django_db
class TestHandout:
    def test_handing_out_before_the_first_day_asks_first_and_moves_nothing(
        self, client_for, coordinator, reserved, device
    ):
        data = {**HANDOUT, "start_today": False}
        response = post(client_for(coordinator, language="en"), reserved, "handout", data)

        assert response.status_code == 422
        [error] = response.json()["errors"]
        assert error["field"] == "start_today"
        assert error["message"] == (
            f"This loan starts on {days(2):%m/%d/%Y}. Handed out today, it starts today "
            "instead: please confirm."
        )
        reserved.refresh_from_db()
        device.refresh_from_db()
        assert (reserved.status, reserved.starts_on, device.status) == (
            LoanStatus.RESERVED,
            days(2),
            Status.IN_STOCK,
        )

    def test_handout_records_everything_and_the_device_is_on_loan(
        self, client_for, coordinator, reserved, device
    ):
        response = post(client_for(coordinator), reserved, "handout", HANDOUT)
        assert response.status_code == 200, response.json()
        got = response.json()
        assert got["status"] == "on_loan"
        assert got["guardian_name"] == "Petra Becker"
        assert got["accessories_out"] == ["charger", "case"]
        assert got["agreement_signed"] is True
        assert got["handed_out_at"]
        # handed out before the first day: the loan starts today
        assert got["starts_on"] == days(0).isoformat()
        device.refresh_from_db()
        assert device.status == Status.ON_LOAN
        assert history(device) == [
            ("loan", "", "reserved"),
            ("status", "in_stock", "on_loan"),
            ("loan", "", "handed_out"),
        ]

    def test_another_device_than_the_reserved_one_is_refused(
        self, client_for, coordinator, reserved, school_a, lendable
    ):
        lendable(school_a, "A-2")
        data = {**HANDOUT, "asset_tag": "A-2"}
        response = post(client_for(coordinator, language="en"), reserved, "handout", data)
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {
                "field": "asset_tag",
                "message": "Device A-2 is not the device of this loan; please take A-1.",
            }
        ]
        reserved.refresh_from_db()
        assert reserved.status == LoanStatus.RESERVED
        assert Device.objects.get(asset_tag="A-2").status == Status.IN_STOCK

    def test_without_a_signed_agreement_and_a_guardian_nothing_is_handed_out(
        self, client_for, coordinator, reserved, device
    ):
        data = {**HANDOUT, "agreement_signed": False, "guardian_name": " "}
        response = post(client_for(coordinator, language="en"), reserved, "handout", data)
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == [
            "guardian_name",
            "agreement_signed",
        ]
        device.refresh_from_db()
        assert device.status == Status.IN_STOCK

    def test_unknown_accessories_are_422(self, client_for, coordinator, reserved):
        data = {**HANDOUT, "accessories": ["charger", "joystick"]}
        response = post(client_for(coordinator), reserved, "handout", data)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "accessories.1"

    def test_a_request_without_a_device_cannot_be_handed_out(
        self, client_for, coordinator, teacher, students_a, lends_laptops
    ):
        loan = services.loan_request(
            actor=teacher,
            student_ids=[students_a[1].pk],
            category="laptop",
            starts_on=days(2),
            ends_on=days(4),
            reason="other",
        )[0]
        response = post(client_for(coordinator, language="en"), loan, "handout", HANDOUT)
        assert response.status_code == 409
        assert response.json()["message"] == "This request has not been approved yet."


@pytest.mark.django_db
class TestReturn:
    def test_return_in_good_order_puts_the_device_in_stock_and_gives_it_to_the_next(
        self, client_for, coordinator, teacher, on_loan, device, students_a
    ):
        waiting = services.loan_request(
            actor=teacher,
            student_ids=[students_a[1].pk],
            category="laptop",
            starts_on=days(3),
            ends_on=days(10),
            reason="other",
        )[0]
        assert services.loan_approve(actor=coordinator, loan=waiting).status == "waiting"
        data = {"asset_tag": "A-1", "accessories": ["charger"], "condition": "Kratzer"}
        got = post(client_for(coordinator), on_loan, "return", data).json()
        assert (got["status"], got["accessories_in"], got["condition_in"]) == (
            "returned",
            ["charger"],
            "Kratzer",
        )
        device.refresh_from_db()
        assert device.status == Status.IN_STOCK
        waiting.refresh_from_db()
        assert (waiting.status, waiting.device) == (LoanStatus.RESERVED, device)
        assert history(device)[-3:] == [
            ("loan", "", "returned"),
            ("status", "on_loan", "in_stock"),
            ("loan", "", "reserved"),
        ]

    def test_a_damaged_device_goes_to_repair_and_to_nobody(
        self, client_for, coordinator, on_loan, device
    ):
        post(client_for(coordinator), on_loan, "return", {"damaged": True, "condition": "Display"})
        device.refresh_from_db()
        assert device.status == Status.IN_REPAIR
        assert post(client_for(coordinator), on_loan, "return", {}).status_code == 409

    def test_a_lost_device_is_lost_with_its_loan(self, client_for, coordinator, on_loan, device):
        got = post(client_for(coordinator), on_loan, "lost", {"note": "Nicht zurück"}).json()
        assert got["status"] == "lost"
        device.refresh_from_db()
        assert device.status == Status.LOST
        assert history(device)[-1] == ("status", "on_loan", "lost")


@pytest.mark.django_db
class TestExtend:
    def test_extend_until_a_later_booking_and_not_into_it(
        self, client_for, coordinator, teacher, on_loan, students_a, device
    ):
        later = services.loan_request(
            actor=teacher,
            student_ids=[students_a[1].pk],
            category="laptop",
            starts_on=days(20),
            ends_on=days(30),
            reason="other",
        )[0]
        services.loan_approve(actor=coordinator, loan=later, asset_tag="A-1")
        client = client_for(coordinator, language="en")
        ok = post(client, on_loan, "extend", {"ends_on": days(19).isoformat()})
        assert ok.json()["ends_on"] == days(19).isoformat()
        clash = post(client, on_loan, "extend", {"ends_on": days(21).isoformat()})
        assert clash.status_code == 409
        assert "already booked" in clash.json()["message"]
        on_loan.refresh_from_db()
        assert on_loan.ends_on == days(19)
        earlier = post(client, on_loan, "extend", {"ends_on": days(5).isoformat()})
        assert earlier.status_code == 422
        assert earlier.json()["errors"][0]["field"] == "ends_on"
        assert history(device)[-1] == ("loan", "", "extended")

    def test_a_teacher_may_not_extend_hand_out_or_take_back(self, client_for, teacher, on_loan):
        client = client_for(teacher)
        for step, data in [
            ("extend", {"ends_on": days(30).isoformat()}),
            ("handout", HANDOUT),
            ("return", {}),
            ("lost", {}),
        ]:
            assert post(client, on_loan, step, data).status_code == 403, step
