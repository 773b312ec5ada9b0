import datetime
from decimal import Decimal

import factory

from core.models import Role, User
from inventory.models import Category, Device, DeviceModel, Room, School, SchoolType, Status


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"Gesamtschule Nord {n}")
    number = factory.Sequence(lambda n: f"{190000 + n:06d}")
    school_type = SchoolType.GESAMTSCHULE
    city = "Musterstadt"


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"R{100 + n}")
    building = "Hauptgebäude"


class DeviceModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeviceModel

    manufacturer = "Lenovo"
    name = factory.Sequence(lambda n: f"ThinkPad L{n}")
    category = Category.LAPTOP


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    asset_tag = factory.Sequence(lambda n: f"INV-{n:06d}")
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    model = factory.SubFactory(DeviceModelFactory)
    manufacturer = factory.LazyAttribute(lambda o: o.model.manufacturer)
    school = factory.SubFactory(SchoolFactory)
    room = None
    status = Status.IN_USE
    purchase_date = datetime.date(2021, 8, 1)
    purchase_price = Decimal("649.00")
    funding_programme = "DigitalPakt Schule"
    warranty_end = datetime.date(2025, 7, 31)
    lendable = False


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Erika"
    last_name = "Mustermann"
    role = Role.TEACHER
    password = factory.django.Password("test-pass-123")

    @factory.post_generation
    def schools(self, create, extracted, **kwargs):
        if create and extracted:
            self.schools.set(extracted)
