import pytest

from inventory.models import Category, Status
from tests.factories import DeviceFactory, DeviceModelFactory, RoomFactory


@pytest.fixture
def laptop_model(db):
    return DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad E14", category=Category.LAPTOP)


@pytest.fixture
def device_a(school_a, laptop_model):
    """A device of school_a, the coordinator's and the teacher's school."""
    return DeviceFactory(
        asset_tag="GYM-0001",
        serial_number="PF12345",
        school=school_a,
        room=RoomFactory(school=school_a, name="Medienraum"),
        model=laptop_model,
        status=Status.IN_USE,
        notes="Im Medienraum",
    )


@pytest.fixture
def device_b(school_b, laptop_model):
    """A device of school_b, outside the coordinator's schools."""
    return DeviceFactory(asset_tag="GS-0001", school=school_b, model=laptop_model)
