"""The bulk change of the device list: tick devices, choose one change, apply it to all of
them or to none, with one history row per device and changed field."""

import html
import re

import pytest

from core.errors import NotFound, ValidationFailed
from core.models import Role
from core.permissions import GRANTS, Perm
from inventory import services
from inventory.models import Device, DeviceHistory, Status
from tests.factories import DeviceFactory, RoomFactory

pytestmark = pytest.mark.django_db

BULK = "/device-changes/"


@pytest.fixture
def three_devices(school_a, laptop_model):
    return [
        DeviceFactory(asset_tag=f"GYM-10{i}", school=school_a, model=laptop_model)
        for i in range(1, 4)
    ]


def page_of(response) -> str:
    return response.content.decode()


def bulk_form(page: str) -> str:
    start = page.find(f'action="{BULK}"')
    assert start >= 0, "the device list has no bulk form"
    return page[start : page.index("</form>", start)]


def hidden_next(page: str) -> str:
    """The `next` the bulk form sends, as a browser reads it from the page."""
    found = re.search(r'<input type="hidden" name="next" value="([^"]*)">', bulk_form(page))
    assert found, "the bulk form has no next"
    return html.unescape(found.group(1))


def option_value(page: str, label: str) -> str:
    """The value of the bulk form's option `label`."""
    pattern = rf'<option value="([^"]*)"[^>]*>{re.escape(label)}</option>'
    found = re.search(pattern, bulk_form(page))
    assert found, f"no option {label!r}"
    return found.group(1)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_coordinator_sets_the_status_of_three_devices_with_one_history_row_each(
    client_for, coordinator, three_devices
):
    browser = client_for(coordinator, csrf=True)
    page = page_of(browser.get("/devices/?status=in_use&sort=-asset_tag"))
    for device in three_devices:
        assert f'name="devices" value="{device.pk}"' in page
    data = {
        "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        "next": hidden_next(page),
        "devices": [device.pk for device in three_devices],
        "change": option_value(page, "In Reparatur"),
    }

    response = browser.post(BULK, data, follow=True)

    assert response.redirect_chain == [("/devices/?status=in_use&sort=-asset_tag", 302)]
    assert messages_of(response) == ["3 Geräte geändert."]
    assert Device.objects.filter(status=Status.IN_REPAIR).count() == 3
    rows = DeviceHistory.objects.order_by("asset_tag")
    assert [(r.asset_tag, r.field, r.old, r.new, r.actor) for r in rows] == [
        (device.asset_tag, "status", "in_use", "in_repair", coordinator) for device in three_devices
    ]
    assert {row.action for row in rows} == {DeviceHistory.Action.UPDATE}


def test_the_rows_are_those_a_single_edit_writes(client_for, coordinator, device_a, school_a):
    other = DeviceFactory(school=school_a, room=device_a.room, status=Status.IN_USE)
    room = RoomFactory(school=school_a, name="Bibliothek")
    services.device_update(actor=coordinator, device=other, room=room, lendable=True)
    single = list(DeviceHistory.objects.values_list("action", "field", "old", "new"))
    DeviceHistory.objects.all().delete()

    client_for(coordinator).post(BULK, {"devices": [device_a.pk], "change": f"room:{room.pk}"})
    client_for(coordinator).post(BULK, {"devices": [device_a.pk], "change": "lendable:yes"})

    bulk = list(DeviceHistory.objects.order_by("id").values_list("action", "field", "old", "new"))
    assert sorted(bulk) == sorted(single)
    device_a.refresh_from_db()
    assert (device_a.room, device_a.lendable) == (room, True)


def test_a_room_of_another_school_is_refused_with_a_message_and_nothing_is_written(
    client_for, it_admin, device_a, device_b, school_b
):
    room_b = RoomFactory(school=school_b, name="Turnhalle")

    response = client_for(it_admin).post(
        BULK,
        {"devices": [device_a.pk, device_b.pk], "change": f"room:{room_b.pk}", "next": "/devices/"},
        follow=True,
    )

    assert response.redirect_chain == [("/devices/", 302)]
    (message,) = messages_of(response)
    assert "Die Geräte wurden nicht geändert." in message
    assert "Turnhalle" in message and "Grundschule Lindenweg" in message
    assert "GYM-0001" in message and "GS-0001" not in message
    assert not DeviceHistory.objects.exists()
    device_b.refresh_from_db()
    assert device_b.room is None  # the device of the room's school was not moved either


def test_a_coordinator_is_not_offered_and_cannot_send_the_room_of_another_school(
    client_for, coordinator, device_a, school_b
):
    room_b = RoomFactory(school=school_b, name="Turnhalle")
    browser = client_for(coordinator)
    assert "Turnhalle" not in page_of(browser.get("/devices/"))

    response = browser.post(
        BULK, {"devices": [device_a.pk], "change": f"room:{room_b.pk}"}, follow=True
    )

    assert messages_of(response) == ["Bitte wählen Sie eine Änderung aus der Liste."]
    assert not DeviceHistory.objects.exists()
    device_a.refresh_from_db()
    assert device_a.room.name == "Medienraum"


def test_a_device_of_another_school_in_the_post_is_not_found_and_nothing_is_written(
    client_for, coordinator, device_a, device_b
):
    response = client_for(coordinator).post(
        BULK, {"devices": [device_a.pk, device_b.pk], "change": "status:lost"}
    )

    assert response.status_code == 404
    assert not DeviceHistory.objects.exists()
    assert set(Device.objects.values_list("status", flat=True)) == {Status.IN_USE}


def test_an_id_that_is_no_device_is_not_found_either(client_for, coordinator, device_a):
    response = client_for(coordinator).post(
        BULK, {"devices": [device_a.pk, 999_999], "change": "status:lost"}
    )

    assert response.status_code == 404
    device_a.refresh_from_db()
    assert device_a.status == Status.IN_USE


@pytest.mark.parametrize("role", ["teacher", "city_staff"])
def test_roles_that_may_not_edit_devices_get_403_and_nothing_is_written(
    client_for, role_users, role, device_a
):
    response = client_for(role_users[role]).post(
        BULK, {"devices": [device_a.pk], "change": "status:lost"}
    )

    assert response.status_code == 403
    device_a.refresh_from_db()
    assert device_a.status == Status.IN_USE


def test_an_anonymous_post_goes_to_the_login_page(client, device_a):
    response = client.post(BULK, {"devices": [device_a.pk], "change": "status:lost"})

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    device_a.refresh_from_db()
    assert device_a.status == Status.IN_USE


def test_a_get_is_not_allowed(client_for, coordinator):
    assert client_for(coordinator).get(BULK).status_code == 405


def test_nothing_ticked_is_a_message_and_nothing_is_written(client_for, coordinator, device_a):
    response = client_for(coordinator).post(
        BULK, {"change": "status:lost", "next": "/devices/?q=gym"}, follow=True
    )

    assert response.redirect_chain == [("/devices/?q=gym", 302)]
    assert messages_of(response) == ["Bitte wählen Sie mindestens ein Gerät aus."]
    assert not DeviceHistory.objects.exists()


def test_no_change_chosen_is_a_message(client_for, coordinator, device_a):
    response = client_for(coordinator).post(
        BULK, {"devices": [device_a.pk], "change": ""}, follow=True
    )

    assert messages_of(response) == ["Bitte wählen Sie eine Änderung für die ausgewählten Geräte."]
    assert not DeviceHistory.objects.exists()


def test_devices_that_already_have_the_value_write_nothing(client_for, coordinator, device_a):
    response = client_for(coordinator).post(
        BULK, {"devices": [device_a.pk], "change": "status:in_use"}, follow=True
    )

    assert messages_of(response) == [
        "Nichts geändert: Die ausgewählten Geräte hatten diesen Wert schon."
    ]
    assert not DeviceHistory.objects.exists()


def test_only_the_devices_whose_value_changes_count_and_get_a_row(
    client_for, coordinator, three_devices
):
    three_devices[0].status = Status.IN_REPAIR
    three_devices[0].save()

    response = client_for(coordinator).post(
        BULK,
        {"devices": [device.pk for device in three_devices], "change": "status:in_repair"},
        follow=True,
    )

    assert messages_of(response) == ["2 Geräte geändert."]
    assert DeviceHistory.objects.count() == 2


def test_no_room_takes_the_devices_out_of_their_room(client_for, coordinator, device_a):
    response = client_for(coordinator).post(
        BULK, {"devices": [device_a.pk], "change": "room:"}, follow=True
    )

    assert messages_of(response) == ["1 Gerät geändert."]
    device_a.refresh_from_db()
    assert device_a.room is None
    (row,) = DeviceHistory.objects.all()
    assert (row.field, row.old, row.new) == ("room", "Medienraum", "")


def test_a_next_off_the_site_goes_back_to_the_plain_list(client_for, coordinator, device_a):
    response = client_for(coordinator).post(
        BULK,
        {"devices": [device_a.pk], "change": "lendable:yes", "next": "https://evil.example/"},
    )

    assert response["Location"] == "/devices/"


def test_select_all_ticks_every_device_of_the_page_and_the_form_returns_without_it(
    client_for, coordinator, three_devices
):
    page = page_of(client_for(coordinator).get("/devices/?status=in_use&select=page"))

    assert page.count(" checked>") == 3
    assert hidden_next(page) == "/devices/?status=in_use"
    assert "Auswahl aufheben" in page


def test_the_list_of_a_role_that_may_see_but_not_edit_has_no_checkboxes(
    client_for, city_staff, device_a, monkeypatch
):
    monkeypatch.setitem(GRANTS, Role.CITY_STAFF, GRANTS[Role.CITY_STAFF] | {Perm.DEVICE_VIEW})

    page = page_of(client_for(city_staff).get("/devices/"))

    assert "GYM-0001" in page
    assert 'name="devices"' not in page and BULK not in page


def test_the_service_names_the_bad_value_and_refuses_foreign_ids(coordinator, device_a, device_b):
    with pytest.raises(ValidationFailed) as refused:
        services.device_bulk_update(
            actor=coordinator, device_ids=[device_a.pk], values={"status": "broken"}
        )
    assert refused.value.errors[0]["field"] == "status"
    with pytest.raises(ValidationFailed) as refused:
        services.device_bulk_update(actor=coordinator, device_ids=[], values={"lendable": True})
    assert refused.value.errors[0]["field"] == "device_ids"
    with pytest.raises(NotFound):
        services.device_bulk_update(
            actor=coordinator, device_ids=[device_b.pk], values={"lendable": True}
        )
    assert not DeviceHistory.objects.exists()
