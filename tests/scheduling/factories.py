import datetime

import factory

from scheduling.models import Loan, LoanReason
from tests.accounts.factories import PersonFactory


class LoanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Loan

    student = factory.SubFactory(PersonFactory)
    school = factory.LazyAttribute(lambda o: o.student.school)
    category = "laptop"
    starts_on = datetime.date(2026, 12, 1)
    ends_on = datetime.date(2026, 12, 20)
    reason = LoanReason.DISTANCE_LEARNING
