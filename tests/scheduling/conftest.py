import datetime

import pytest
from django.utils import timezone, translation

from accounts.models import PersonRole
from inventory.models import Category, Status
from tests.accounts.factories import PersonFactory, SchoolClassFactory, teaches
from tests.factories import DeviceFactory, DeviceModelFactory, SchoolFactory


@pytest.fixture(autouse=True)
def _english():
    """The services' messages are checked in English; the API tests ask for their
    language with Accept-Language."""
    with translation.override("en"):
        yield


def days(n: int) -> datetime.date:
    """The day n days from today (Europe/Berlin)."""
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def laptop_model(db):
    return DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad E14", category=Category.LAPTOP)


@pytest.fixture
def tablet_model(db):
    return DeviceModelFactory(manufacturer="Apple", name="iPad 10", category=Category.TABLET)


@pytest.fixture
def lendable(laptop_model):
    """Make a lendable device in stock: lendable(school, "L-1", model=...)."""

    def make(school, asset_tag, *, model=None, **fields):
        fields.setdefault("status", Status.IN_STOCK)
        fields.setdefault("lendable", True)
        return DeviceFactory(
            school=school, asset_tag=asset_tag, model=model or laptop_model, **fields
        )

    return make


@pytest.fixture
def lends_laptops(school_a, lendable):
    """School A lends laptops (only what a school lends can be requested); this one is in
    repair, so no allocation ever takes it."""
    return lendable(school_a, "LEIH-0", status=Status.IN_REPAIR)


@pytest.fixture
def class_a(school_a, teacher):
    """Class 7b of school A, taught by the teacher (who requests for its students)."""
    school_class = SchoolClassFactory(school=school_a, name="7b")
    teaches(teacher, school_class)
    return school_class


@pytest.fixture
def students_a(class_a):
    return [
        PersonFactory(
            school=class_a.school,
            school_class=class_a,
            first_name=first,
            last_name=last,
            role=PersonRole.STUDENT,
        )
        for first, last in [("Mia", "Becker"), ("Ben", "Wolf"), ("Lea", "Koch")]
    ]


@pytest.fixture
def student_b(school_b):
    return PersonFactory(school=school_b, first_name="Tom", last_name="Berg")


@pytest.fixture
def pool_school(db):
    return SchoolFactory(name="Medienzentrum", number="199999", loan_pool=True)
