"""A loan event in a device's history is read back as it was written, and other history
text is never taken for one."""

import datetime

from scheduling.history import LoanEvent, loan_event_read, loan_event_text
from scheduling.models import Loan


def test_an_event_reads_back_with_its_loan_and_period():
    loan = Loan(pk=12, starts_on=datetime.date(2026, 12, 1), ends_on=datetime.date(2026, 12, 20))

    text = loan_event_text(loan, "handed_out")

    assert loan_event_read(text) == LoanEvent(12, "handed_out", "2026-12-01..2026-12-20")


def test_an_open_ended_loan_reads_back_as_open():
    loan = Loan(pk=3, starts_on=datetime.date(2026, 12, 1), ends_on=None)

    assert loan_event_read(loan_event_text(loan, "reserved")).period == "2026-12-01..open"


def test_text_that_is_no_loan_event_is_none():
    for text in ("", "in_stock", "loan twelve reserved 2026-12-01..open", "loan 12 reserved"):
        assert loan_event_read(text) is None
