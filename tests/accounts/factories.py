import datetime

import factory

from accounts.models import ClassTeacher, Person, PersonRole, SchoolClass
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


def teaches(user, *classes: SchoolClass, class_teacher: bool = False) -> Person:
    """Make the Lernstatt `user` a teacher (a Person linked to the user, at the first
    class's school) who teaches `classes`; returns that Person."""
    person = Person.objects.filter(user=user).first() or PersonFactory(
        role=PersonRole.TEACHER,
        school=classes[0].school,
        first_name=user.first_name or "Lehrkraft",
        last_name=user.last_name or user.username,
        birth_date=datetime.date(1980, 5, 5),
        login=f"lk-{user.username}",
        user=user,
    )
    for school_class in classes:
        ClassTeacher.objects.get_or_create(
            school_class=school_class, teacher=person, defaults={"is_class_teacher": class_teacher}
        )
    return person
