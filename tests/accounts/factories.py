import datetime

import factory

from accounts.models import Person, PersonRole, SchoolClass
from tests.factories import SchoolFactory


class SchoolClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolClass

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"{5 + n % 6}{'abcd'[n % 4]}{n}")
    school_year = 2026


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    role = PersonRole.STUDENT
    first_name = "Anna"
    last_name = factory.Sequence(lambda n: f"Schmidt{n}")
    birth_date = datetime.date(2014, 3, 1)
    school = factory.SubFactory(SchoolFactory)
    school_class = factory.LazyAttribute(
        lambda o: SchoolClassFactory(school=o.school) if o.role == PersonRole.STUDENT else None
    )
    login = factory.Sequence(lambda n: f"person{n}")
