"""Approving, rejecting and cancelling requests; automatic allocation and the queue."""

import threading

import pytest
from django.db import connections

from core.errors import Conflict
from inventory.models import DeviceHistory, Status
from scheduling import services
from scheduling.models import Loan, LoanStatus
from tests.scheduling.conftest import days


def request(actor, students, *, starts=1, ends=14, category="laptop"):
    return services.loan_request(
        actor=actor,
        student_ids=[s.pk for s in students],
        category=category,
        starts_on=days(starts),
        ends_on=days(ends),
        reason="distance_learning",
    )


def approve(client, loan, device=None):
    data = {"device": device} if device else {}
    return client.post(f"/api/v1/loans/{loan.pk}/approve", data, content_type="application/json")


@pytest.mark.django_db
class TestAutomaticAllocation:
    def test_own_school_first_in_asset_tag_order_then_the_pool(
        self,
        client_for,
        teacher,
        coordinator,
        students_a,
        school_a,
        school_b,
        pool_school,
        lendable,
    ):
        lendable(pool_school, "P-1")
        lendable(school_a, "A-2")
        lendable(school_a, "A-1")
        lendable(school_b, "B-1")  # another school's: never
        lendable(school_a, "A-0", lendable=False)  # not lendable
        lendable(school_a, "A-00", status=Status.IN_REPAIR)
        loans = request(teacher, students_a)
        client = client_for(coordinator)
        got = [approve(client, loan).json() for loan in loans]
        assert [(g["status"], g["device"]["asset_tag"]) for g in got] == [
            ("reserved", "A-1"),
            ("reserved", "A-2"),
            ("reserved", "P-1"),
        ]
        history = DeviceHistory.objects.get(device__asset_tag="A-1", field="loan")
        assert history.actor == coordinator
        assert history.new == f"loan {loans[0].pk} reserved {days(1)}..{days(14)}"

    def test_nothing_free_means_waiting_and_the_next_return_serves_the_first_come(
        self, client_for, teacher, coordinator, students_a, school_a, lendable
    ):
        device = lendable(school_a, "A-1")
        first, second, third = request(teacher, students_a)
        client = client_for(coordinator)
        assert approve(client, first).json()["status"] == "reserved"
        assert approve(client, third).json()["status"] == "waiting"
        assert approve(client, second).json()["status"] == "waiting"
        # the first loan is cancelled: its device goes to the request made first
        assert client.post(f"/api/v1/loans/{first.pk}/cancel").json()["status"] == "cancelled"
        second.refresh_from_db()
        third.refresh_from_db()
        assert (second.status, second.device) == (LoanStatus.RESERVED, device)
        assert third.status == LoanStatus.WAITING

    def test_a_device_booked_for_the_period_is_not_allocated(
        self, client_for, teacher, coordinator, students_a, school_a, lendable
    ):
        lendable(school_a, "A-1")
        early, late = request(teacher, students_a[:1], ends=10)[0], None
        late = request(teacher, students_a[1:2], starts=11, ends=20)[0]
        overlapping = request(teacher, students_a[2:], starts=5, ends=12)[0]
        client = client_for(coordinator)
        assert approve(client, early).json()["device"]["asset_tag"] == "A-1"
        assert approve(client, late).json()["device"]["asset_tag"] == "A-1"
        assert approve(client, overlapping).json()["status"] == "waiting"

    def test_a_device_out_on_an_overdue_loan_is_not_allocated(
        self, client_for, teacher, coordinator, students_a, school_a, lendable
    ):
        device = lendable(school_a, "A-1", status=Status.ON_LOAN)
        Loan.objects.create(
            student=students_a[0],
            school=school_a,
            category="laptop",
            starts_on=days(-20),
            ends_on=days(-2),
            reason="other",
            status=LoanStatus.ON_LOAN,
            device=device,
        )
        loan = request(teacher, students_a[1:2], starts=3, ends=9)[0]
        assert approve(client_for(coordinator), loan).json()["status"] == "waiting"


@pytest.mark.django_db
class TestPickedByHand:
    @pytest.fixture
    def loan(self, teacher, students_a, lends_laptops):
        return request(teacher, students_a[:1])[0]

    def test_a_picked_device_of_the_pool_is_reserved(
        self, client_for, coordinator, loan, pool_school, school_a, lendable
    ):
        lendable(school_a, "A-1")
        lendable(pool_school, "p-7")
        response = approve(client_for(coordinator), loan, device="P-7")
        assert response.status_code == 200
        assert response.json()["device"]["asset_tag"] == "p-7"

    @pytest.mark.parametrize(
        ("fields", "status", "message"),
        [
            ({"model": "tablet"}, 422, "Device X-1 is a Tablet; the request is for a Laptop."),
            ({"lendable": False}, 422, "Device X-1 is not marked as lendable."),
            ({"status": Status.IN_REPAIR}, 422, "Device X-1 cannot be lent: In repair."),
            ({"status": Status.LOST}, 422, "Device X-1 cannot be lent: Lost."),
            ({"school": "b"}, 404, "Device X-1 not found at the student's school or in the"),
        ],
    )
    def test_a_device_that_cannot_serve_the_loan_is_refused_naming_why(
        self,
        client_for,
        coordinator,
        loan,
        school_a,
        school_b,
        lendable,
        tablet_model,
        fields,
        status,
        message,
    ):
        if fields.pop("model", None):
            fields["model"] = tablet_model
        school = school_b if fields.pop("school", None) else school_a
        lendable(school, "X-1", **fields)
        response = approve(client_for(coordinator, language="en"), loan, device="X-1")
        assert response.status_code == status
        assert response.json()["message"].startswith(message)
        assert response.json()["errors"][0]["field"] == "device"
        loan.refresh_from_db()
        assert (loan.status, loan.device) == (LoanStatus.REQUESTED, None)

    def test_a_picked_device_booked_for_the_period_is_409(
        self, client_for, coordinator, teacher, loan, students_a, school_a, lendable
    ):
        lendable(school_a, "A-1")
        other = request(teacher, students_a[1:2], starts=10, ends=20)[0]
        client = client_for(coordinator, language="en")
        assert approve(client, other, device="A-1").status_code == 200
        response = approve(client, loan, device="A-1")
        assert response.status_code == 409
        assert response.json()["code"] == "device_booked"
        loan.refresh_from_db()
        assert loan.status == LoanStatus.REQUESTED
        assert not DeviceHistory.objects.filter(new__startswith=f"loan {loan.pk} ").exists()

    def test_a_waiting_request_can_be_given_a_device_by_hand(
        self, client_for, coordinator, loan, school_a, lendable
    ):
        client = client_for(coordinator)
        assert approve(client, loan).json()["status"] == "waiting"
        assert approve(client, loan).status_code == 409  # automatically: the queue does it
        lendable(school_a, "A-1")
        assert approve(client, loan, device="A-1").json()["status"] == "reserved"


@pytest.mark.django_db
@pytest.mark.usefixtures("lends_laptops")
class TestRejectAndCancel:
    def test_reject_needs_a_reason_and_the_teacher_reads_it(
        self, client_for, coordinator, teacher, students_a
    ):
        loan = request(teacher, students_a[:1])[0]
        client = client_for(coordinator, language="en")
        url = f"/api/v1/loans/{loan.pk}/reject"
        response = client.post(url, {"reason": "  "}, content_type="application/json")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "reason"
        client.post(url, {"reason": "Gerät der Schule nutzen"}, content_type="application/json")
        seen = client_for(teacher).get(f"/api/v1/loans/{loan.pk}").json()
        assert (seen["status"], seen["rejection_reason"]) == ("rejected", "Gerät der Schule nutzen")
        assert client.post(url, {"reason": "x"}, content_type="application/json").status_code == 409

    def test_a_teacher_may_not_approve_or_reject(self, client_for, teacher, students_a):
        loan = request(teacher, students_a[:1])[0]
        client = client_for(teacher)
        assert approve(client, loan).status_code == 403
        response = client.post(
            f"/api/v1/loans/{loan.pk}/reject", {"reason": "x"}, content_type="application/json"
        )
        assert response.status_code == 403

    def test_the_requester_cancels_a_reserved_loan_and_the_device_is_free_again(
        self, client_for, coordinator, teacher, students_a, school_a, lendable
    ):
        device = lendable(school_a, "A-1")
        loan = request(teacher, students_a[:1])[0]
        approve(client_for(coordinator), loan)
        response = client_for(teacher).post(f"/api/v1/loans/{loan.pk}/cancel")
        assert response.json()["status"] == "cancelled"
        assert [h.new.split()[2] for h in device.history.filter(field="loan").order_by("id")] == [
            "reserved",
            "cancelled",
        ]
        again = request(teacher, students_a[1:2])[0]
        assert approve(client_for(coordinator), again).json()["device"]["asset_tag"] == "A-1"

    def test_a_handed_out_loan_cannot_be_cancelled(
        self, coordinator, teacher, students_a, school_a, lendable
    ):
        lendable(school_a, "A-1")
        loan = request(teacher, students_a[:1])[0]
        services.loan_approve(actor=coordinator, loan=loan)
        Loan.objects.filter(pk=loan.pk).update(status=LoanStatus.ON_LOAN)
        with pytest.raises(Conflict, match="already been handed out"):
            services.loan_cancel(actor=teacher, loan=loan)


@pytest.mark.django_db(transaction=True)
def test_two_managers_approving_one_request_at_once_one_wins_the_other_gets_409(
    teacher, coordinator, it_admin, students_a, school_a, lendable
):
    lendable(school_a, "A-1")
    lendable(school_a, "A-2")
    loan = request(teacher, students_a[:1])[0]
    start = threading.Barrier(2)
    outcomes = []

    def act(actor):
        try:
            start.wait()
            services.loan_approve(actor=actor, loan=Loan.objects.get(pk=loan.pk))
            outcomes.append("approved")
        except Conflict as exc:
            outcomes.append(exc.code)
        except Exception as exc:
            outcomes.append(f"error: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(user,)) for user in (coordinator, it_admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved", "loan_status"], outcomes
    assert Loan.objects.filter(status=LoanStatus.RESERVED).count() == 1
    assert DeviceHistory.objects.filter(field="loan").count() == 1
