"""No device on two holding loans whose periods overlap: the rules, and the database
keeping them when many people book the same device at the same moment."""

import datetime
import threading

import pytest
from django.db import connection, connections

from core.errors import Conflict
from scheduling.booking import device_hold
from scheduling.models import Loan, LoanStatus
from tests.factories import DeviceFactory
from tests.scheduling.factories import LoanFactory

D = datetime.date


def _book(device, starts_on, ends_on, **kwargs):
    loan = LoanFactory(student__school=device.school, starts_on=starts_on, ends_on=ends_on)
    return device_hold(loan, device, **kwargs)


@pytest.mark.django_db
class TestOverlapRules:
    def test_touching_periods_do_not_overlap(self):
        device = DeviceFactory(lendable=True)
        _book(device, D(2026, 12, 1), D(2026, 12, 9))
        later = _book(device, D(2026, 12, 10), D(2026, 12, 20))
        assert later.status == LoanStatus.RESERVED
        assert later.device == device

    @pytest.mark.parametrize(
        ("starts_on", "ends_on"),
        [
            (D(2026, 12, 9), D(2026, 12, 15)),  # shares the last day
            (D(2026, 11, 20), D(2026, 12, 1)),  # shares the first day
            (D(2026, 12, 3), D(2026, 12, 4)),  # inside
            (D(2026, 11, 1), D(2027, 1, 31)),  # around
            (D(2026, 12, 5), None),  # open-ended, starting inside
        ],
    )
    def test_a_shared_day_is_a_conflict_and_writes_nothing(self, starts_on, ends_on):
        device = DeviceFactory(lendable=True)
        _book(device, D(2026, 12, 1), D(2026, 12, 9))
        loan = LoanFactory(student__school=device.school, starts_on=starts_on, ends_on=ends_on)
        with pytest.raises(Conflict, match=r"already booked from 01\.12\.2026 until 09\.12\.2026"):
            device_hold(loan, device)
        loan.refresh_from_db()
        assert loan.device is None
        assert loan.status == LoanStatus.REQUESTED

    def test_an_open_ended_loan_holds_the_device_for_every_later_day(self):
        device = DeviceFactory(lendable=True)
        _book(device, D(2026, 12, 1), None)
        with pytest.raises(Conflict, match=r"from 01\.12\.2026 with no end"):
            _book(device, D(2030, 6, 1), D(2030, 6, 2))
        earlier = _book(device, D(2026, 11, 1), D(2026, 11, 30))
        assert earlier.status == LoanStatus.RESERVED

    @pytest.mark.parametrize("status", [LoanStatus.CANCELLED, LoanStatus.RETURNED])
    def test_a_cancelled_or_returned_loan_frees_the_device(self, status):
        device = DeviceFactory(lendable=True)
        first = _book(device, D(2026, 12, 1), D(2026, 12, 20))
        Loan.objects.filter(pk=first.pk).update(status=status)
        second = _book(device, D(2026, 12, 5), D(2026, 12, 6))
        assert second.status == LoanStatus.RESERVED

    def test_another_device_is_free_on_the_same_days(self):
        device, other = DeviceFactory(lendable=True), DeviceFactory(lendable=True)
        _book(device, D(2026, 12, 1), D(2026, 12, 20))
        assert _book(other, D(2026, 12, 1), D(2026, 12, 20)).device == other

    def test_an_extension_into_a_later_booking_is_a_conflict(self):
        device = DeviceFactory(lendable=True)
        first = _book(device, D(2026, 12, 1), D(2026, 12, 9))
        _book(device, D(2026, 12, 15), D(2026, 12, 20))
        assert device_hold(first, device, ends_on=D(2026, 12, 14)).ends_on == D(2026, 12, 14)
        with pytest.raises(Conflict):
            device_hold(first, device, ends_on=D(2026, 12, 15))
        first.refresh_from_db()
        assert first.ends_on == D(2026, 12, 14)


@pytest.mark.django_db(transaction=True)
def test_twenty_people_booking_one_device_at_once_get_exactly_one_loan():
    """20 threads, each with its own database connection, book the same device for
    overlapping periods at the same moment: exactly one succeeds, the others get a
    conflict, and the database holds one reserved loan."""
    device = DeviceFactory(lendable=True)
    loans = [
        LoanFactory(
            student__school=device.school,
            starts_on=D(2026, 12, 1) + datetime.timedelta(days=n % 5),
            ends_on=D(2026, 12, 10) + datetime.timedelta(days=n),
        )
        for n in range(20)
    ]
    start = threading.Barrier(len(loans))
    outcomes: list[str] = []

    def book(loan: Loan) -> None:
        try:
            start.wait()
            from django.db import transaction

            with transaction.atomic():
                device_hold(loan, device)
            outcomes.append("booked")
        except Conflict:
            outcomes.append("conflict")
        except Exception as exc:  # anything else is a failure of the test
            outcomes.append(f"error: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(loan,)) for loan in loans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["booked"] + ["conflict"] * 19, (connection.vendor, outcomes)
    assert Loan.objects.filter(device=device, status=LoanStatus.RESERVED).count() == 1
    assert Loan.objects.filter(device__isnull=True, status=LoanStatus.REQUESTED).count() == 19


if connection.vendor == "postgresql":

    @pytest.mark.django_db
    def test_postgresql_itself_refuses_overlapping_holding_loans():
        """Even a write that skips the booking's check cannot double-book: the exclusion
        constraint refuses it (touching periods and cancelled loans stay allowed)."""
        from django.db import IntegrityError, transaction

        device = DeviceFactory(lendable=True)
        LoanFactory(device=device, status=LoanStatus.ON_LOAN, ends_on=D(2026, 12, 9))
        LoanFactory(device=device, status=LoanStatus.CANCELLED, starts_on=D(2026, 12, 5))
        LoanFactory(device=device, status=LoanStatus.RESERVED, starts_on=D(2026, 12, 10))
        with pytest.raises(IntegrityError, match="loan_device_no_overlap"), transaction.atomic():
            LoanFactory(device=device, status=LoanStatus.RESERVED, starts_on=D(2026, 12, 9))
        assert Loan.objects.filter(device=device).count() == 3
