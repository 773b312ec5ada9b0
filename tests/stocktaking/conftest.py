"""A school with two buildings, its rooms and devices, and the people who count them."""

import uuid
from types import SimpleNamespace

import pytest
from django.utils import translation

from core.models import Role
from inventory.models import Status
from stocktaking import services
from tests.accounts.factories import SchoolClassFactory, teaches
from tests.factories import DeviceFactory, DeviceModelFactory, RoomFactory, UserFactory


@pytest.fixture(autouse=True)
def _english():
    """The messages in English, the product's second language: the German catalogue is
    compiled from locale/, which these tests do not depend on."""
    with translation.override("en"):
        yield


@pytest.fixture
def place(school_a, school_b):
    """School A: rooms 101 and 102 in the main building, the physics lab in the new one;
    devices in each, one without a room and one retired. School B: one device."""
    model = DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad E14")
    r101 = RoomFactory(school=school_a, name="101", building="Hauptgebäude")
    r102 = RoomFactory(school=school_a, name="102", building="Hauptgebäude")
    lab = RoomFactory(school=school_a, name="Physik", building="Neubau")
    b_room = RoomFactory(school=school_b, name="B1", building="")
    devices = {
        "GYM-1": DeviceFactory(asset_tag="GYM-1", school=school_a, room=r101, model=model),
        "GYM-2": DeviceFactory(asset_tag="GYM-2", school=school_a, room=r101, model=model),
        "GYM-3": DeviceFactory(asset_tag="GYM-3", school=school_a, room=r102, model=model),
        "GYM-4": DeviceFactory(asset_tag="GYM-4", school=school_a, room=lab, model=model),
        "GYM-5": DeviceFactory(asset_tag="GYM-5", school=school_a, room=None, model=model),
        "GYM-OLD": DeviceFactory(
            asset_tag="GYM-OLD", school=school_a, room=r101, model=model, status=Status.RETIRED
        ),
        "GS-1": DeviceFactory(asset_tag="GS-1", school=school_b, room=b_room, model=model),
    }
    return SimpleNamespace(
        r101=r101, r102=r102, lab=lab, b_room=b_room, devices=devices, model=model
    )


@pytest.fixture
def class_teacher(school_a, place):
    """A teacher who leads class 7b, whose classroom is room 101."""
    user = UserFactory(username="klassenlehrerin", role=Role.TEACHER, schools=[school_a])
    school_class = SchoolClassFactory(school=school_a, name="7b", room=place.r101)
    teaches(user, school_class, class_teacher=True)
    return user


@pytest.fixture
def coordinator_b(school_b):
    return UserFactory(username="koord-b", role=Role.COORDINATOR, schools=[school_b])


@pytest.fixture
def whole_school(coordinator, school_a, place):
    return services.stocktaking_start(actor=coordinator, school_number=school_a.number)


def scan(actor, stocktaking, code, room=None, client_id=None):
    """Record a scan as the API does; returns the ScanRecorded."""
    return services.scan_record(
        actor=actor,
        stocktaking=stocktaking,
        client_id=client_id or str(uuid.uuid4()),
        code=code,
        room_id=room.pk if room is not None else None,
    )
