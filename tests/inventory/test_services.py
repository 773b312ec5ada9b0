import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from inventory import services
from inventory.models import Device, DeviceHistory, Status
from tests.factories import DeviceFactory, DeviceModelFactory, RoomFactory


def rows(device_or_tag) -> list[tuple[str, str, str, str]]:
    tag = getattr(device_or_tag, "asset_tag", device_or_tag)
    return [
        (h.action, h.field, h.old, h.new)
        for h in DeviceHistory.objects.filter(asset_tag=tag).order_by("id")
    ]


@pytest.fixture
def device(school_a):
    return DeviceFactory(asset_tag="INV-1", school=school_a, status=Status.IN_USE)


def test_creating_a_device_writes_a_created_row_with_who_and_when(it_admin, school_a):
    before = timezone.now()
    device = services.device_create(
        actor=it_admin,
        asset_tag="INV-100",
        serial_number="PF-1",
        model=DeviceModelFactory(),
        school=school_a,
    )
    entry = DeviceHistory.objects.get(device=device)
    assert (entry.action, entry.actor, entry.asset_tag) == ("create", it_admin, "INV-100")
    assert before <= entry.at <= timezone.now()
    assert Device.objects.get(pk=device.pk).manufacturer == "Lenovo"


def test_each_changed_field_gets_one_history_row_with_old_and_new(coordinator, device, school_a):
    room = RoomFactory(school=school_a, name="Aula")
    services.device_update(
        actor=coordinator, device=device, status=Status.IN_REPAIR, room=room, notes="Akku"
    )
    changes = DeviceHistory.objects.filter(device=device, action="update")
    assert {(h.field, h.old, h.new) for h in changes} == {
        ("status", "in_use", "in_repair"),
        ("room", "", "Aula"),
        ("notes", "", "Akku"),
    }
    assert {h.actor for h in changes} == {coordinator}
    assert len({h.at for h in changes}) == 1


def test_an_update_that_changes_nothing_writes_no_history(it_admin, device):
    services.device_update(
        actor=it_admin,
        device=device,
        status=device.status,
        purchase_price=Decimal("649"),  # stored as 649.00: the same price
        purchase_date=datetime.date(2021, 8, 1),
        school=device.school,
        notes="",
    )
    assert rows(device) == []


def test_retiring_is_a_status_change_and_the_device_stays(it_admin, device):
    services.device_update(actor=it_admin, device=device, status=Status.RETIRED)
    assert Device.objects.get(pk=device.pk).status == Status.RETIRED
    assert rows(device) == [("update", "status", "in_use", "retired")]


def test_only_it_admins_may_delete_a_device(coordinator, device):
    with pytest.raises(PermissionDenied):
        services.device_delete(actor=coordinator, device=device)
    assert Device.objects.filter(pk=device.pk).exists()
    assert rows(device) == []


def test_deleting_a_device_is_recorded_and_its_past_keeps_the_asset_tag(it_admin, device):
    services.device_update(actor=it_admin, device=device, status=Status.LOST)
    services.device_delete(actor=it_admin, device=device)
    assert not Device.objects.filter(asset_tag="INV-1").exists()
    assert [r[:2] for r in rows("INV-1")] == [("update", "status"), ("delete", "")]
    deletion = DeviceHistory.objects.get(asset_tag="INV-1", action="delete")
    assert deletion.actor == it_admin
    assert deletion.device is None
    assert deletion.old.endswith(device.serial_number)


def test_serial_numbers_are_unique_per_manufacturer_only(it_admin, school_a):
    lenovo = DeviceModelFactory(manufacturer="Lenovo")
    apple = DeviceModelFactory(manufacturer="Apple", name="iPad 9")
    DeviceFactory(serial_number="ABC123", model=lenovo, school=school_a)

    other_maker = services.device_create(
        actor=it_admin, asset_tag="INV-2", serial_number="ABC123", model=apple, school=school_a
    )
    assert other_maker.pk

    with pytest.raises(ValidationFailed) as caught:
        services.device_create(
            actor=it_admin,
            asset_tag="INV-3",
            serial_number="abc123",
            model=DeviceModelFactory(manufacturer="LENOVO"),
            school=school_a,
        )
    assert [e["field"] for e in caught.value.errors] == ["serial_number"]
    assert not Device.objects.filter(asset_tag="INV-3").exists()


def test_asset_tags_are_unique_whatever_the_case(it_admin, device, school_a):
    with pytest.raises(ValidationFailed) as caught:
        services.device_create(
            actor=it_admin, asset_tag="inv-1", model=DeviceModelFactory(), school=school_a
        )
    assert [e["field"] for e in caught.value.errors] == ["asset_tag"]
    assert Device.objects.count() == 1


def test_a_device_room_must_belong_to_the_device_school(it_admin, device, school_b):
    foreign_room = RoomFactory(school=school_b)
    with pytest.raises(ValidationFailed) as caught:
        services.device_update(actor=it_admin, device=device, room=foreign_room)
    assert [e["field"] for e in caught.value.errors] == ["room"]
    assert Device.objects.get(pk=device.pk).room is None
    assert rows(device) == []

    with pytest.raises(ValidationFailed):
        services.device_create(
            actor=it_admin,
            asset_tag="INV-9",
            model=DeviceModelFactory(),
            school=device.school,
            room=foreign_room,
        )


def test_a_coordinator_cannot_move_a_device_into_a_school_they_do_not_reach(
    coordinator, device, school_a, school_b
):
    with pytest.raises(NotFound):
        services.device_update(actor=coordinator, device=device, school=school_b)
    assert Device.objects.get(pk=device.pk).school == device.school == school_a
    assert rows(device) == []


def test_a_coordinator_cannot_create_a_device_in_another_school(coordinator, school_b):
    with pytest.raises(NotFound):
        services.device_create(
            actor=coordinator, asset_tag="INV-5", model=DeviceModelFactory(), school=school_b
        )
    assert not Device.objects.exists()


def test_moving_to_another_school_takes_the_device_out_of_its_old_room(
    it_admin, school_a, school_b
):
    device = DeviceFactory(school=school_a, room=RoomFactory(school=school_a, name="E12"))
    services.device_update(actor=it_admin, device=device, school=school_b)
    assert Device.objects.get(pk=device.pk).room is None
    assert set(rows(device)) == {
        ("update", "school", str(school_a), str(school_b)),
        ("update", "room", "E12", ""),
    }


def test_moving_into_the_same_named_room_of_another_school_keeps_that_room(
    it_admin, school_a, school_b
):
    device = DeviceFactory(school=school_a, room=RoomFactory(school=school_a, name="101"))
    new_room = RoomFactory(school=school_b, name="101")
    services.device_update(actor=it_admin, device=device, school=school_b, room=new_room)
    assert Device.objects.get(pk=device.pk).room == new_room
    assert {r[1] for r in rows(device)} == {"school", "room"}


def test_renaming_a_manufacturer_carries_over_to_its_devices(it_admin, device):
    device.model.manufacturer = "Lenovo PC"
    services.device_model_save(actor=it_admin, device_model=device.model)
    assert Device.objects.get(pk=device.pk).manufacturer == "Lenovo PC"


def test_renaming_a_manufacturer_onto_a_clashing_serial_number_is_a_conflict(it_admin, school_a):
    DeviceFactory(serial_number="S1", model=DeviceModelFactory(manufacturer="Dell"))
    clashing = DeviceFactory(serial_number="S1", model=DeviceModelFactory(manufacturer="Del"))
    clashing.model.manufacturer = "Dell"
    with pytest.raises(Conflict):
        services.device_model_save(actor=it_admin, device_model=clashing.model)
    assert Device.objects.get(pk=clashing.pk).manufacturer == "Del"
