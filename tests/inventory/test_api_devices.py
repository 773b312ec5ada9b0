import datetime

import pytest

from core.models import Role
from inventory import services
from inventory.models import Category, Device, DeviceHistory, Status
from tests.factories import DeviceFactory, DeviceModelFactory, RoomFactory, UserFactory

URL = "/api/v1/devices"


@pytest.fixture
def laptop(db):
    return DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad L14", category=Category.LAPTOP)


@pytest.fixture
def room_a(school_a):
    return RoomFactory(school=school_a, name="E12")


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def tags(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["asset_tag"] for item in response.json()["items"]]


def test_creating_a_device_answers_201_with_school_model_and_room(
    client_for, coordinator, school_a, room_a, laptop
):
    response = post(
        client_for(coordinator),
        URL,
        {
            "asset_tag": "INV-7",
            "serial_number": "PF3X",
            "mac_addresses": ["aa-bb-cc-dd-ee-ff"],
            "model": laptop.id,
            "school": "165432",
            "room": room_a.id,
            "purchase_price": "899.90",
            "purchase_date": "2024-03-01",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["school"] == {"number": "165432", "name": "Gymnasium am Park"}
    assert body["model"] == {
        "id": laptop.id,
        "manufacturer": "Lenovo",
        "name": "ThinkPad L14",
        "category": "laptop",
    }
    assert body["room"] == {"id": room_a.id, "name": "E12"}
    assert body["mac_addresses"] == ["AA:BB:CC:DD:EE:FF"]
    assert body["status"] == "in_stock"
    assert body["purchase_price"] == "899.90"
    device = Device.objects.get(asset_tag="INV-7")
    assert str(device.purchase_price) == "899.90"
    assert DeviceHistory.objects.filter(device=device, action="create", actor=coordinator).exists()


def test_a_coordinator_creating_a_device_for_another_school_gets_404_and_nothing_is_saved(
    client_for, coordinator, school_b, laptop
):
    response = post(
        client_for(coordinator, language="en"),
        URL,
        {"asset_tag": "INV-8", "model": laptop.id, "school": school_b.number},
    )
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "school"
    assert not Device.objects.exists()


def test_a_coordinator_asking_for_a_device_of_another_school_gets_404(
    client_for, coordinator, school_b
):
    DeviceFactory(asset_tag="INV-B1", school=school_b)
    response = client_for(coordinator).get(f"{URL}/INV-B1")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_device_is_found_by_its_asset_tag_in_any_case(client_for, coordinator, school_a):
    DeviceFactory(asset_tag="INV-A1", school=school_a)
    response = client_for(coordinator).get(f"{URL}/inv-a1")
    assert response.status_code == 200
    assert response.json()["asset_tag"] == "INV-A1"


def test_patch_changes_only_the_fields_sent_and_records_them(
    client_for, coordinator, school_a, room_a
):
    device = DeviceFactory(asset_tag="INV-1", school=school_a, notes="Ladekabel fehlt")
    response = patch(
        client_for(coordinator), f"{URL}/INV-1", {"status": "in_repair", "room": room_a.id}
    )
    assert response.status_code == 200, response.content
    device.refresh_from_db()
    assert (device.status, device.room, device.notes) == ("in_repair", room_a, "Ladekabel fehlt")
    assert str(device.purchase_price) == "649.00"
    assert set(DeviceHistory.objects.filter(device=device).values_list("field", "old", "new")) == {
        ("status", "in_use", "in_repair"),
        ("room", "", "E12"),
    }


def test_patch_with_null_room_takes_the_device_out_of_its_room(
    client_for, coordinator, school_a, room_a
):
    device = DeviceFactory(asset_tag="INV-1", school=school_a, room=room_a)
    response = patch(client_for(coordinator), f"{URL}/INV-1", {"room": None})
    assert response.status_code == 200
    assert response.json()["room"] is None
    device.refresh_from_db()
    assert device.room is None


def test_patch_with_null_for_a_field_that_cannot_be_empty_is_422_naming_it(
    client_for, coordinator, school_a
):
    DeviceFactory(asset_tag="INV-1", school=school_a)
    response = patch(client_for(coordinator), f"{URL}/INV-1", {"status": None, "notes": "ok"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["status"]
    assert Device.objects.get().notes == ""


def test_moving_a_device_to_a_school_the_coordinator_does_not_reach_is_404_for_the_school(
    client_for, coordinator, school_a, school_b
):
    device = DeviceFactory(asset_tag="INV-1", school=school_a)
    response = patch(client_for(coordinator), f"{URL}/INV-1", {"school": school_b.number})
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "school"
    device.refresh_from_db()
    assert device.school == school_a
    assert not DeviceHistory.objects.exists()


def test_an_it_admin_moves_a_device_between_schools(client_for, it_admin, school_a, school_b):
    DeviceFactory(asset_tag="INV-1", school=school_a)
    response = patch(client_for(it_admin), f"{URL}/INV-1", {"school": school_b.number})
    assert response.status_code == 200
    assert response.json()["school"]["number"] == school_b.number


def test_a_room_of_another_school_is_refused_naming_the_room(
    client_for, it_admin, school_a, school_b
):
    DeviceFactory(asset_tag="INV-1", school=school_a)
    foreign = RoomFactory(school=school_b)
    response = patch(client_for(it_admin), f"{URL}/INV-1", {"room": foreign.id})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["room"]


def test_an_it_admin_deletes_a_device_and_the_history_keeps_it(client_for, it_admin, school_a):
    DeviceFactory(asset_tag="INV-1", school=school_a)
    response = client_for(it_admin).delete(f"{URL}/INV-1")
    assert response.status_code == 204
    assert not Device.objects.exists()
    entry = DeviceHistory.objects.get()
    assert (entry.asset_tag, entry.action, entry.actor) == ("INV-1", "delete", it_admin)


def test_a_coordinator_may_not_delete_a_device(client_for, coordinator, school_a):
    DeviceFactory(asset_tag="INV-1", school=school_a)
    response = client_for(coordinator).delete(f"{URL}/INV-1")
    assert response.status_code == 403
    assert Device.objects.exists()


def test_the_history_says_who_changed_which_field_when_from_what_to_what(
    client_for, coordinator, school_a
):
    DeviceFactory(asset_tag="INV-1", school=school_a, status=Status.IN_USE)
    client = client_for(coordinator)
    patch(client, f"{URL}/INV-1", {"status": "on_loan"})
    patch(client, f"{URL}/INV-1", {"status": "in_use", "lendable": True})
    response = client.get(f"{URL}/INV-1/history")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    newest_first = [(h["field"], h["old"], h["new"], h["actor"]) for h in body["items"]]
    assert sorted(newest_first[:2]) == [
        ("lendable", "false", "true", "koord"),
        ("status", "on_loan", "in_use", "koord"),
    ]
    assert newest_first[2] == ("status", "in_use", "on_loan", "koord")
    assert body["items"][0]["at"] >= body["items"][2]["at"]


def test_asset_tags_with_slashes_work_in_urls(client_for, it_admin, school_a, laptop):
    created = post(
        client_for(it_admin),
        URL,
        {"asset_tag": "INV/2021/001", "model": laptop.id, "school": school_a.number},
    )
    assert created.status_code == 201
    client = client_for(it_admin)
    assert client.get(f"{URL}/INV/2021/001").json()["asset_tag"] == "INV/2021/001"
    assert patch(client, f"{URL}/INV/2021/001", {"notes": "x"}).status_code == 200
    assert client.get(f"{URL}/INV/2021/001/history").json()["count"] == 2


def test_a_coordinator_lists_only_the_devices_of_their_schools(
    client_for, coordinator, school_a, school_b
):
    DeviceFactory(asset_tag="A-1", school=school_a)
    DeviceFactory(asset_tag="B-1", school=school_b)
    assert tags(client_for(coordinator).get(URL)) == ["A-1"]
    assert tags(client_for(coordinator).get(URL, {"school": school_b.number})) == []


@pytest.fixture
def catalogue(school_a, school_b, room_a):
    tablet = DeviceModelFactory(manufacturer="Apple", name="iPad 9", category=Category.TABLET)
    printer = DeviceModelFactory(manufacturer="Brother", name="HL-L2350", category="printer")
    DeviceFactory(
        asset_tag="A-LAPTOP",
        serial_number="PF1ABC",
        school=school_a,
        room=room_a,
        lendable=True,
        warranty_end=datetime.date(2024, 12, 31),
        purchase_date=datetime.date(2020, 1, 1),
    )
    DeviceFactory(
        asset_tag="A-TABLET",
        serial_number="DMPX99",
        model=tablet,
        school=school_a,
        status=Status.ON_LOAN,
        funding_programme="Sofortausstattungsprogramm",
        warranty_end=datetime.date(2026, 6, 30),
        purchase_date=datetime.date(2023, 5, 2),
    )
    DeviceFactory(
        asset_tag="B-PRINTER",
        serial_number="E7812",
        model=printer,
        school=school_b,
        status=Status.IN_REPAIR,
        warranty_end=None,
        purchase_date=datetime.date(2022, 9, 9),
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["A-LAPTOP", "A-TABLET", "B-PRINTER"]),
        ({"school": "165432"}, ["A-LAPTOP", "A-TABLET"]),
        ({"status": "in_repair"}, ["B-PRINTER"]),
        ({"category": "tablet"}, ["A-TABLET"]),
        ({"lendable": "true"}, ["A-LAPTOP"]),
        ({"lendable": "false"}, ["A-TABLET", "B-PRINTER"]),
        ({"funding_programme": "sofortausstattungsprogramm"}, ["A-TABLET"]),
        ({"warranty_before": "2025-01-01"}, ["A-LAPTOP"]),
        ({"q": "dmpx"}, ["A-TABLET"]),
        ({"q": "printer"}, ["B-PRINTER"]),
        ({"q": "hl-l2350"}, ["B-PRINTER"]),
        ({"q": "ipad"}, ["A-TABLET"]),
        ({"school": "165432", "category": "laptop"}, ["A-LAPTOP"]),
        ({"ordering": "-purchase_date"}, ["A-TABLET", "B-PRINTER", "A-LAPTOP"]),
        ({"ordering": "purchase_date"}, ["A-LAPTOP", "B-PRINTER", "A-TABLET"]),
        ({"ordering": "-asset_tag"}, ["B-PRINTER", "A-TABLET", "A-LAPTOP"]),
    ],
)
def test_the_device_list_filters_searches_and_sorts(
    client_for, it_admin, catalogue, query, expected
):
    assert tags(client_for(it_admin).get(URL, query)) == expected


def test_the_room_filter_takes_a_room_id(client_for, it_admin, catalogue, room_a):
    assert tags(client_for(it_admin).get(URL, {"room": room_a.id})) == ["A-LAPTOP"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"ordering": "password"}, "ordering"),
        ({"status": "kaputt"}, "status"),
        ({"warranty_before": "31.12.2024"}, "warranty_before"),
        ({"limit": "501"}, "limit"),
    ],
)
def test_bad_list_parameters_are_422_naming_the_parameter(client_for, it_admin, query, field):
    response = client_for(it_admin).get(URL, query)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_list_is_paginated_with_a_total_count(client_for, it_admin, school_a):
    for n in range(7):
        DeviceFactory(asset_tag=f"P-{n}", school=school_a)
    response = client_for(it_admin).get(URL, {"limit": 3, "offset": 3})
    assert response.json()["count"] == 7
    assert tags(response) == ["P-3", "P-4", "P-5"]


@pytest.mark.parametrize("role", ["it_admin", "coordinator"])
def test_listing_devices_takes_the_same_number_of_queries_for_5_or_120_devices(
    client_for, role_users, role, school_a, django_assert_max_num_queries
):
    client = client_for(role_users[role])
    room = RoomFactory(school=school_a)
    models = DeviceModelFactory.create_batch(3)

    def count_queries(expected_items: int) -> int:
        # session, user, (the coordinator's schools), count, page
        with django_assert_max_num_queries(5) as queries:
            response = client.get(URL, {"limit": 500})
        assert len(response.json()["items"]) == expected_items
        return len(queries)

    DeviceFactory.create_batch(5, school=school_a, room=room, model=models[0])
    few = count_queries(5)
    for n in range(115):
        DeviceFactory(school=school_a, room=room, model=models[n % 3])
    assert count_queries(120) == few


def test_unknown_fields_in_a_payload_are_refused(client_for, it_admin, school_a):
    DeviceFactory(asset_tag="INV-1", school=school_a)
    response = patch(client_for(it_admin), f"{URL}/INV-1", {"stauts": "lost"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["stauts"]


def test_mac_addresses_that_are_not_mac_addresses_are_refused(
    client_for, it_admin, school_a, laptop
):
    response = post(
        client_for(it_admin),
        URL,
        {"asset_tag": "X", "model": laptop.id, "school": school_a.number, "mac_addresses": ["1"]},
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["mac_addresses"]


def test_the_history_takes_the_same_number_of_queries_for_5_or_120_entries(
    client_for, coordinator, school_a, django_assert_max_num_queries
):
    DeviceFactory(asset_tag="INV-1", school=school_a)
    client = client_for(coordinator)
    editors = [UserFactory(role=Role.IT_ADMIN) for _ in range(3)]

    def record(n: int) -> None:
        device = Device.objects.get()
        for i in range(n):
            services.device_update(actor=editors[i % 3], device=device, notes=f"{n}-{i}")

    def count_queries() -> int:
        # session, user, the coordinator's schools, the device, count, page
        with django_assert_max_num_queries(6) as queries:
            assert client.get(f"{URL}/INV-1/history", {"limit": 500}).status_code == 200
        return len(queries)

    record(5)
    few = count_queries()
    record(115)
    assert count_queries() == few
