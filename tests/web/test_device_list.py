"""The device list: search, filters, sorting, pages, empty states, and its query count."""

import pytest

from inventory.models import Category, Device, Status
from tests.factories import DeviceFactory, DeviceModelFactory, RoomFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def tags(response) -> list[str]:
    return [device.asset_tag for device in response.context["page"]]


@pytest.fixture
def devices(school_a, school_b, laptop_model):
    tablet = DeviceModelFactory(manufacturer="Apple", name="iPad 10", category=Category.TABLET)
    return {
        "laptop": DeviceFactory(
            asset_tag="A-1",
            serial_number="PF001",
            school=school_a,
            model=laptop_model,
            status=Status.IN_USE,
        ),
        "repair": DeviceFactory(
            asset_tag="A-2",
            serial_number="PF002",
            school=school_a,
            model=laptop_model,
            status=Status.IN_REPAIR,
        ),
        "tablet": DeviceFactory(
            asset_tag="A-3",
            serial_number="DMP77",
            school=school_a,
            model=tablet,
            status=Status.IN_STOCK,
            lendable=True,
        ),
        "other_school": DeviceFactory(
            asset_tag="B-1",
            serial_number="PF003",
            school=school_b,
            model=laptop_model,
            status=Status.IN_USE,
        ),
    }


def test_the_list_shows_the_devices_of_the_coordinators_schools_only(
    client_for, coordinator, devices
):
    response = client_for(coordinator).get("/devices/")

    assert tags(response) == ["A-1", "A-2", "A-3"]
    school_choices = [value for value, _label in response.context["form"].fields["school"].choices]
    assert school_choices == ["", "165432"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=a-2", ["A-2"]),  # asset tag, any case
        ("q=DMP", ["A-3"]),  # serial number
        ("q=ipad", ["A-3"]),  # model
        ("q=lenovo", ["A-1", "A-2", "B-1"]),  # manufacturer
        ("school=123456", ["B-1"]),
        ("status=in_repair", ["A-2"]),
        ("category=tablet", ["A-3"]),
        ("lendable=yes", ["A-3"]),
        ("lendable=no", ["A-1", "A-2", "B-1"]),
        ("q=PF&school=165432&status=in_use", ["A-1"]),
    ],
)
def test_the_search_and_the_filters_narrow_the_list(client_for, it_admin, devices, query, expected):
    response = client_for(it_admin).get(f"/devices/?{query}")

    assert response.status_code == 200
    assert tags(response) == expected


def test_a_filter_value_that_is_not_offered_is_ignored_and_shown_as_an_error(
    client_for, it_admin, devices
):
    response = client_for(it_admin).get("/devices/?status=kaputt&q=A-")

    assert response.status_code == 200
    assert tags(response) == ["A-1", "A-2", "A-3"]
    assert "status" in response.context["form"].errors


def test_a_coordinator_cannot_filter_their_way_into_another_school(
    client_for, coordinator, devices
):
    response = client_for(coordinator).get("/devices/?school=123456")

    assert tags(response) == ["A-1", "A-2", "A-3"]  # the unknown school is ignored
    assert "B-1" not in response.content.decode()


def test_columns_sort_both_ways_and_say_so(client_for, it_admin, devices):
    browser = client_for(it_admin)

    descending = browser.get("/devices/?sort=-asset_tag")
    by_status = browser.get("/devices/?sort=status")

    assert tags(descending) == ["B-1", "A-3", "A-2", "A-1"]
    html = descending.content.decode()
    assert 'aria-sort="descending"' in html
    # The heading of the current column sorts the other way next; the others keep the filters.
    assert 'href="?sort=asset_tag"' in html
    assert [Device.objects.get(asset_tag=t).status for t in tags(by_status)] == sorted(
        [Status.IN_USE, Status.IN_REPAIR, Status.IN_STOCK, Status.IN_USE]
    )


def test_sorting_keeps_the_filters_and_starts_at_the_first_page(client_for, it_admin, devices):
    html = client_for(it_admin).get("/devices/?status=in_use&page=1").content.decode()

    assert 'href="?status=in_use&amp;sort=-asset_tag"' in html


def test_the_list_is_paged(client_for, it_admin, school_a, laptop_model):
    Device.objects.bulk_create(
        Device(asset_tag=f"P-{i:03d}", school=school_a, model=laptop_model, manufacturer="Lenovo")
        for i in range(60)
    )
    browser = client_for(it_admin)

    first = browser.get("/devices/")
    second = browser.get("/devices/?page=2")
    beyond = browser.get("/devices/?page=99")

    assert len(tags(first)) == 50
    assert tags(second) == [f"P-{i:03d}" for i in range(50, 60)]
    assert "Seite 2 von 2" in second.content.decode()
    assert 'rel="prev"' in second.content.decode()
    assert tags(beyond) == tags(second)  # a page past the end shows the last one


def test_a_search_without_results_says_so_and_offers_the_whole_list(client_for, it_admin, devices):
    html = client_for(it_admin).get("/devices/?q=gibtsnicht").content.decode()

    assert "Zu dieser Suche wurde kein Gerät gefunden." in html
    assert "<table" not in html


def test_a_school_without_devices_gets_an_explanation(client_for, coordinator):
    html = client_for(coordinator).get("/devices/").content.decode()

    assert "Ihre Schulen haben noch keine Geräte." in html


def test_the_list_needs_few_queries_however_many_devices_there_are(
    client_for, coordinator, school_a, django_assert_max_num_queries
):
    schools = [school_a, SchoolFactory()]
    coordinator.schools.set(schools)
    models = [DeviceModelFactory() for _ in range(5)]
    rooms = [RoomFactory(school=school) for school in schools for _ in range(3)]
    Device.objects.bulk_create(
        Device(
            asset_tag=f"Q-{i:04d}",
            school=rooms[i % len(rooms)].school,
            room=rooms[i % len(rooms)],
            model=models[i % len(models)],
            manufacturer=models[i % len(models)].manufacturer,
            status=Status.values[i % len(Status.values)],
        )
        for i in range(300)
    )
    browser = client_for(coordinator)

    # session, user, the user's schools, the school filter, the count, the page
    with django_assert_max_num_queries(6):
        response = browser.get("/devices/?sort=school")

    assert len(tags(response)) == 50
