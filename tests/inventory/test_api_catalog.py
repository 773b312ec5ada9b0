import pytest

from inventory.models import DeviceModel, Room, School
from tests.factories import DeviceFactory, DeviceModelFactory, RoomFactory, SchoolFactory


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def error_fields(response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


# Schools


def test_an_it_admin_creates_a_school(client_for, it_admin):
    response = post(
        client_for(it_admin),
        "/api/v1/schools",
        {
            "number": "177001",
            "name": "Realschule Süd",
            "short_name": "RS Süd",
            "school_type": "realschule",
        },
    )
    assert response.status_code == 201
    assert response.json() == {
        "number": "177001",
        "name": "Realschule Süd",
        "short_name": "RS Süd",
        "school_type": "realschule",
        "street": "",
        "postal_code": "",
        "city": "",
    }
    assert School.objects.filter(number="177001").exists()


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"number": "12345", "name": "Kurz"}, ["number"]),
        ({"number": "165432", "name": "Doppelt"}, ["number"]),
        ({"number": "177001"}, ["name"]),
        ({"number": "177001", "name": "X", "school_type": "uni"}, ["school_type"]),
    ],
)
def test_a_school_that_cannot_be_saved_is_422_naming_the_field(
    client_for, it_admin, school_a, payload, fields
):
    response = post(client_for(it_admin), "/api/v1/schools", payload)
    assert response.status_code == 422
    assert error_fields(response) == fields
    assert School.objects.count() == 1


def test_patching_a_school_changes_only_what_was_sent(client_for, it_admin, school_a):
    response = patch(client_for(it_admin), "/api/v1/schools/165432", {"city": "Neustadt"})
    assert response.status_code == 200
    school_a.refresh_from_db()
    assert (school_a.name, school_a.city) == ("Gymnasium am Park", "Neustadt")


def test_an_empty_school_can_be_deleted(client_for, it_admin):
    SchoolFactory(number="177002")
    assert client_for(it_admin).delete("/api/v1/schools/177002").status_code == 204
    assert not School.objects.filter(number="177002").exists()


def test_a_coordinator_sees_only_their_schools_and_city_staff_see_all(
    client_for, coordinator, city_staff, school_a, school_b
):
    mine = client_for(coordinator).get("/api/v1/schools").json()
    assert [s["number"] for s in mine["items"]] == ["165432"]
    everything = client_for(city_staff).get("/api/v1/schools").json()
    assert everything["count"] == 2


# Rooms


def test_a_coordinator_creates_a_room_in_their_school(client_for, coordinator, school_a):
    response = post(
        client_for(coordinator),
        "/api/v1/rooms",
        {"school": "165432", "name": "Informatik 1", "building": "Neubau"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["school"] == {"number": "165432", "name": "Gymnasium am Park"}
    assert Room.objects.get(id=body["id"]).building == "Neubau"


def test_a_coordinator_cannot_create_a_room_in_another_school(client_for, coordinator, school_b):
    response = post(client_for(coordinator), "/api/v1/rooms", {"school": "123456", "name": "1"})
    assert response.status_code == 404
    assert not Room.objects.exists()


def test_room_names_are_unique_in_a_school_whatever_the_case(client_for, it_admin, school_a):
    RoomFactory(school=school_a, name="Aula")
    response = post(client_for(it_admin), "/api/v1/rooms", {"school": "165432", "name": "AULA"})
    assert response.status_code == 422
    assert error_fields(response) == ["name"]
    assert Room.objects.count() == 1


def test_the_same_room_name_is_fine_in_another_school(client_for, it_admin, school_a, school_b):
    RoomFactory(school=school_a, name="Aula")
    response = post(client_for(it_admin), "/api/v1/rooms", {"school": "123456", "name": "Aula"})
    assert response.status_code == 201


def test_rooms_are_listed_by_school_number(client_for, it_admin, school_a, school_b):
    RoomFactory(school=school_a, name="A1")
    RoomFactory(school=school_b, name="B1")
    response = client_for(it_admin).get("/api/v1/rooms", {"school": "123456"})
    assert [r["name"] for r in response.json()["items"]] == ["B1"]


def test_renaming_a_room_keeps_its_school(client_for, coordinator, school_a):
    room = RoomFactory(school=school_a, name="E12")
    response = patch(client_for(coordinator), f"/api/v1/rooms/{room.id}", {"name": "E 12"})
    assert response.status_code == 200
    room.refresh_from_db()
    assert (room.name, room.school) == ("E 12", school_a)


def test_a_room_with_devices_cannot_be_deleted_but_an_empty_one_can(
    client_for, coordinator, school_a
):
    full = RoomFactory(school=school_a)
    DeviceFactory(school=school_a, room=full)
    empty = RoomFactory(school=school_a)
    client = client_for(coordinator)
    assert client.delete(f"/api/v1/rooms/{full.id}").status_code == 409
    assert client.delete(f"/api/v1/rooms/{empty.id}").status_code == 204
    assert list(Room.objects.all()) == [full]


# Device models


def test_a_coordinator_adds_a_device_model_but_only_an_it_admin_renames_it(
    client_for, coordinator, it_admin
):
    created = post(
        client_for(coordinator),
        "/api/v1/device-models",
        {"manufacturer": "Dell", "name": "Latitude 3540", "category": "laptop"},
    )
    assert created.status_code == 201
    model_id = created.json()["id"]
    refused = patch(
        client_for(coordinator), f"/api/v1/device-models/{model_id}", {"name": "Latitude 3550"}
    )
    assert refused.status_code == 403
    renamed = patch(
        client_for(it_admin), f"/api/v1/device-models/{model_id}", {"name": "Latitude 3550"}
    )
    assert renamed.json() == {
        "id": model_id,
        "manufacturer": "Dell",
        "name": "Latitude 3550",
        "category": "laptop",
    }


def test_a_device_model_is_listed_once_whatever_the_case(client_for, it_admin):
    DeviceModelFactory(manufacturer="Dell", name="Latitude 3540")
    response = post(
        client_for(it_admin),
        "/api/v1/device-models",
        {"manufacturer": "DELL", "name": "latitude 3540", "category": "laptop"},
    )
    assert response.status_code == 422
    assert error_fields(response) == ["name"]
    assert DeviceModel.objects.count() == 1


def test_a_device_model_needs_a_known_category(client_for, it_admin):
    response = post(
        client_for(it_admin),
        "/api/v1/device-models",
        {"manufacturer": "Dell", "name": "X", "category": "toaster"},
    )
    assert response.status_code == 422
    assert error_fields(response) == ["category"]


def test_a_device_model_in_use_cannot_be_deleted_but_an_unused_one_can(
    client_for, it_admin, school_a
):
    used = DeviceFactory(school=school_a).model
    unused = DeviceModelFactory()
    client = client_for(it_admin)
    assert client.delete(f"/api/v1/device-models/{used.id}").status_code == 409
    assert client.delete(f"/api/v1/device-models/{unused.id}").status_code == 204
    assert list(DeviceModel.objects.all()) == [used]


def test_a_coordinator_lists_only_the_rooms_of_their_schools(
    client_for, coordinator, school_a, school_b
):
    RoomFactory(school=school_a, name="A1")
    RoomFactory(school=school_b, name="B1")
    response = client_for(coordinator).get("/api/v1/rooms")
    assert [r["name"] for r in response.json()["items"]] == ["A1"]


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/api/v1/schools", lambda n, school: SchoolFactory.create_batch(n)),
        ("/api/v1/rooms", lambda n, school: RoomFactory.create_batch(n, school=school)),
        ("/api/v1/device-models", lambda n, school: DeviceModelFactory.create_batch(n)),
    ],
)
def test_lists_take_the_same_number_of_queries_for_5_or_120_rows(
    client_for, it_admin, school_a, url, make, django_assert_max_num_queries
):
    client = client_for(it_admin)

    def count_queries() -> int:
        with django_assert_max_num_queries(4) as queries:  # session, user, count, page
            assert client.get(url, {"limit": 500}).status_code == 200
        return len(queries)

    make(5, school_a)
    few = count_queries()
    make(115, school_a)
    assert count_queries() == few
