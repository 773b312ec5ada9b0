"""Adding devices, schools, rooms and device models by hand: what is typed is stored as it
was typed, each value follows the device import's rule for it, duplicates are errors at
their field, and who may not add gets 403 (or 404 for a school out of reach), with nothing
written."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from core.models import Role
from inventory.importing.parse import read_value
from inventory.models import Category, Device, DeviceHistory, DeviceModel, Room, School, Status
from tests.factories import (
    DeviceFactory,
    DeviceModelFactory,
    RoomFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Device, DeviceHistory, School, Room, DeviceModel)
    )


def import_message(column: str, value: str) -> str:
    """What the device import's preview says about a cell with `value`, in German."""
    with translation.override("de"), pytest.raises(ValueError) as refused:
        read_value(column, value)
    return str(refused.value)


# A new device


def device_data(model: DeviceModel, school: School, /, **changes) -> dict:
    data = {
        "asset_tag": "GYM-0100",
        "model": model.pk,
        "serial_number": "",
        "mac_addresses": "",
        "status": Status.IN_STOCK,
        "school": school.pk,
        "room": "",
        "purchase_date": "",
        "purchase_price": "",
        "funding_programme": "",
        "warranty_end": "",
        "notes": "",
    }
    data.update(changes)
    return data


def test_a_coordinator_creates_a_device_with_exactly_the_values_typed(
    client_for, coordinator, school_a, laptop_model
):
    room = RoomFactory(school=school_a, name="Bücherei 1.02")
    browser = client_for(coordinator)

    response = browser.post(
        "/new-device/",
        device_data(
            laptop_model,
            school_a,
            asset_tag="  GYM-Ä/0100 ",
            serial_number="PF-ß'12,3",
            mac_addresses="aa-bb-cc-dd-ee-ff; 00:11:22:33:44:55",
            status=Status.IN_USE,
            room=room.pk,
            purchase_date="2024-08-01",
            purchase_price="1.234,50",
            funding_programme="DigitalPakt Schule, Säule 2",
            warranty_end="31.07.2027",
            lendable="on",
            notes="Für die 7b – O'Brien's Klasse, mit Hülle",
        ),
    )

    device = Device.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inventory:device_detail", args=[device.asset_tag])
    assert (device.asset_tag, device.serial_number) == ("GYM-Ä/0100", "PF-ß'12,3")
    assert device.mac_addresses == ["AA:BB:CC:DD:EE:FF", "00:11:22:33:44:55"]
    assert (device.model, device.manufacturer) == (laptop_model, "Lenovo")
    assert (device.school, device.room, device.status) == (school_a, room, Status.IN_USE)
    assert device.purchase_date == datetime.date(2024, 8, 1)
    assert device.warranty_end == datetime.date(2027, 7, 31)
    assert device.purchase_price == Decimal("1234.50")
    assert device.funding_programme == "DigitalPakt Schule, Säule 2"
    assert device.notes == "Für die 7b – O'Brien's Klasse, mit Hülle"
    assert device.lendable is True
    history = list(device.history.values_list("action", "field", "actor"))
    assert history == [(DeviceHistory.Action.CREATE, "", coordinator.pk)]
    page = browser.get(response["Location"])
    assert page.status_code == 200
    assert "GYM-Ä/0100" in page.content.decode()


def test_a_device_with_only_the_required_values_gets_the_defaults(
    client_for, coordinator, school_a, laptop_model
):
    response = client_for(coordinator).post(
        "/new-device/", device_data(laptop_model, school_a, asset_tag="GYM-0101")
    )

    assert response.status_code == 302
    device = Device.objects.get()
    assert (device.status, device.room, device.lendable) == (Status.IN_STOCK, None, False)
    assert (device.purchase_date, device.purchase_price, device.mac_addresses) == (None, None, [])


@pytest.mark.parametrize(
    ("field", "value", "column"),
    [
        ("purchase_price", "teuer", "purchase_price"),
        ("purchase_price", "-5", "purchase_price"),
        ("purchase_price", "100000000", "purchase_price"),
        ("purchase_date", "gestern", "purchase_date"),
        ("purchase_date", "2021", "purchase_date"),
        ("warranty_end", "31.02.2027", "warranty_end"),
        ("mac_addresses", "00:11:22", "mac_addresses"),
        ("asset_tag", "G" * 51, "asset_tag"),
        ("serial_number", "SN\x00123", "serial_number"),
        ("funding_programme", "F" * 101, "funding_programme"),
    ],
)
def test_a_value_the_import_refuses_is_refused_at_its_field_with_the_imports_words(
    client_for, coordinator, school_a, laptop_model, field, value, column
):
    before = counts()

    response = client_for(coordinator).post(
        "/new-device/", device_data(laptop_model, school_a, **{field: value})
    )

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [import_message(column, value)]
    assert counts() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("asset_tag", "  ", "Die Inventarnummer fehlt."),
        ("purchase_price", "-5", "Ein Preis kann nicht negativ sein."),
        ("purchase_date", "2021", "2021 ist eine Jahreszahl, kein Datum."),
        ("status", "kaputt", "Bitte wählen Sie einen Status aus der Liste."),
        ("model", "", "Bitte wählen Sie ein Modell aus der Liste."),
    ],
)
def test_bad_values_of_a_new_device_are_errors_in_german_and_nothing_is_stored(
    client_for, coordinator, school_a, laptop_model, field, value, message
):
    response = client_for(coordinator).post(
        "/new-device/", device_data(laptop_model, school_a, **{field: value})
    )

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert "Bitte prüfen Sie Ihre Eingaben" in response.content.decode()
    assert not Device.objects.exists()
    assert not DeviceHistory.objects.exists()


def test_a_taken_asset_tag_is_an_error_at_the_field_and_keeps_what_was_typed(
    client_for, coordinator, device_a, school_a, laptop_model
):
    before = counts()

    response = client_for(coordinator).post(
        "/new-device/",
        device_data(laptop_model, school_a, asset_tag="gym-0001", notes="Neu, mit Hülle"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["asset_tag"] == [
        "Die Inventarnummer gym-0001 ist bereits an ein anderes Gerät vergeben."
    ]
    html = response.content.decode()
    assert 'value="gym-0001"' in html
    assert "Neu, mit Hülle</textarea>" in html
    assert counts() == before


def test_a_taken_asset_tag_of_another_school_is_refused_without_naming_that_school(
    client_for, coordinator, device_b, school_a, laptop_model
):
    response = client_for(coordinator).post(
        "/new-device/", device_data(laptop_model, school_a, asset_tag=device_b.asset_tag)
    )

    assert response.status_code == 200
    assert "asset_tag" in response.context["form"].errors
    assert device_b.school.name not in response.content.decode()
    assert Device.objects.count() == 1


def test_a_serial_number_the_manufacturer_has_already_is_an_error_at_the_field(
    client_for, coordinator, device_a, school_a, laptop_model
):
    response = client_for(coordinator).post(
        "/new-device/", device_data(laptop_model, school_a, serial_number="pf12345")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["serial_number"] == [
        "Die Seriennummer pf12345 von Lenovo ist bereits vergeben."
    ]
    assert Device.objects.count() == 1


def test_a_room_of_another_school_than_the_devices_is_an_error_at_the_room(
    client_for, it_admin, school_a, school_b, laptop_model
):
    room_b = RoomFactory(school=school_b, name="Aula")

    response = client_for(it_admin).post(
        "/new-device/", device_data(laptop_model, school_a, room=room_b.pk)
    )

    assert response.status_code == 200
    assert response.context["form"].errors["room"] == ["Der Raum gehört zu einer anderen Schule."]
    assert not Device.objects.exists()


def test_the_form_offers_only_the_coordinators_schools_and_their_rooms(
    client_for, coordinator, school_a, school_b, laptop_model
):
    RoomFactory(school=school_a, name="Medienraum")
    RoomFactory(school=school_b, name="Aula Lindenweg")

    response = client_for(coordinator).get("/new-device/")

    form = response.context["form"]
    assert list(form.fields["school"].queryset) == [school_a]
    html = response.content.decode()
    assert "Medienraum" in html
    assert school_b.name not in html
    assert "Aula Lindenweg" not in html


@pytest.mark.parametrize("field", ["school", "room"])
def test_a_coordinator_cannot_create_a_device_at_another_school_by_a_forged_post(
    client_for, coordinator, school_a, school_b, laptop_model, field
):
    room_b = RoomFactory(school=school_b)
    forged = {"school": school_b.pk} if field == "school" else {"room": room_b.pk}

    response = client_for(coordinator).post(
        "/new-device/", device_data(laptop_model, school_a, **forged)
    )

    assert response.status_code == 200
    expected = {
        "school": "Bitte wählen Sie eine Schule aus der Liste.",
        "room": "Bitte wählen Sie einen Raum aus der Liste.",
    }
    assert response.context["form"].errors[field] == [expected[field]]
    assert not Device.objects.exists()
    assert school_b.name not in response.content.decode()


def test_the_device_list_shows_the_new_device_button_and_the_catalogue_links(
    client_for, coordinator
):
    html = client_for(coordinator, language="en").get("/devices/").content.decode()

    assert 'href="/new-device/"' in html and ">New device</a>" in html
    assert 'href="/schools/"' in html and ">Schools and rooms</a>" in html
    assert 'href="/device-models/"' in html and ">Device models</a>" in html


# Schools and rooms


def test_a_coordinator_sees_their_schools_with_their_rooms_and_may_add_rooms_only(
    client_for, coordinator, school_a, school_b
):
    RoomFactory(school=school_a, name="Medienraum", building="Altbau")
    RoomFactory(school=school_b, name="Aula Lindenweg")

    response = client_for(coordinator, language="en").get("/schools/")

    assert response.status_code == 200
    html = response.content.decode()
    assert school_a.name in html and "Medienraum" in html and "Altbau" in html
    assert school_b.name not in html and "Aula Lindenweg" not in html
    assert f'href="/schools/{school_a.number}/rooms/new/"' in html
    assert "/schools/new/" not in html
    assert f"/schools/{school_a.number}/edit/" not in html


def test_an_it_admin_sees_every_school_and_may_add_and_rename_schools(
    client_for, it_admin, school_a, school_b
):
    html = client_for(it_admin, language="en").get("/schools/").content.decode()

    assert school_a.name in html and school_b.name in html
    assert 'href="/schools/new/"' in html and ">New school</a>" in html
    assert f'href="/schools/{school_b.number}/edit/"' in html
    assert f'href="/schools/{school_b.number}/rooms/new/"' in html


def test_the_schools_page_searches_by_name_or_number(client_for, it_admin, school_a, school_b):
    browser = client_for(it_admin)

    by_name = browser.get("/schools/", {"q": "lindenweg"}).context["page"]
    by_number = browser.get("/schools/", {"q": "1654"}).context["page"]

    assert list(by_name) == [school_b]
    assert list(by_number) == [school_a]


def test_the_schools_page_takes_the_same_number_of_queries_for_2_or_12_schools(
    client_for, it_admin
):
    browser = client_for(it_admin)

    def queries_for(n: int) -> int:
        for _ in range(n):
            RoomFactory.create_batch(3, school=SchoolFactory())
        with CaptureQueriesContext(connection) as captured:
            assert browser.get("/schools/").status_code == 200
        return len(captured)

    assert queries_for(2) == queries_for(10)


def test_a_coordinator_creates_a_room_with_exactly_the_name_typed(
    client_for, coordinator, school_a
):
    response = client_for(coordinator).post(
        f"/schools/{school_a.number}/rooms/new/",
        {"name": " Bücherei d'Ünterricht, Süd ", "building": "Neubau, 2. OG"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/schools/?q={school_a.number}"
    room = Room.objects.get()
    assert (room.school, room.name, room.building) == (
        school_a,
        "Bücherei d'Ünterricht, Süd",
        "Neubau, 2. OG",
    )


def test_a_room_name_the_school_has_already_is_an_error_at_the_field(
    client_for, coordinator, school_a
):
    RoomFactory(school=school_a, name="Medienraum")

    response = client_for(coordinator).post(
        f"/schools/{school_a.number}/rooms/new/", {"name": "MEDIENRAUM", "building": ""}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "Diese Schule hat bereits einen Raum mit dem Namen MEDIENRAUM."
    ]
    assert Room.objects.count() == 1


def test_another_school_may_have_a_room_of_the_same_name(client_for, it_admin, school_a, school_b):
    RoomFactory(school=school_a, name="Medienraum")

    response = client_for(it_admin).post(
        f"/schools/{school_b.number}/rooms/new/", {"name": "Medienraum"}
    )

    assert response.status_code == 302
    assert Room.objects.filter(name="Medienraum").count() == 2


@pytest.mark.parametrize("name", ["R" * 101, "Raum\x001"])
def test_a_room_name_the_import_refuses_is_refused_with_the_imports_words(
    client_for, coordinator, school_a, name
):
    response = client_for(coordinator).post(
        f"/schools/{school_a.number}/rooms/new/", {"name": name}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [import_message("room", name)]
    assert not Room.objects.exists()


def test_a_coordinator_renames_a_room_of_their_school(client_for, coordinator, school_a):
    room = RoomFactory(school=school_a, name="R101", building="")

    response = client_for(coordinator).post(
        f"/rooms/{room.pk}/edit/", {"name": "Werkraum „Holz“", "building": "Altbau"}
    )

    assert response.status_code == 302
    room.refresh_from_db()
    assert (room.name, room.building) == ("Werkraum „Holz“", "Altbau")


def test_renaming_a_room_to_a_name_the_school_has_is_an_error_and_changes_nothing(
    client_for, coordinator, school_a
):
    RoomFactory(school=school_a, name="Aula")
    room = RoomFactory(school=school_a, name="R101")

    response = client_for(coordinator).post(f"/rooms/{room.pk}/edit/", {"name": "aula"})

    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert response.context["room"].name == "R101"
    room.refresh_from_db()
    assert room.name == "R101"


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_coordinator_cannot_add_or_rename_rooms_of_another_school(
    client_for, coordinator, school_b, method
):
    room_b = RoomFactory(school=school_b, name="Aula")
    browser = client_for(coordinator)
    send = getattr(browser, method)

    created = send(f"/schools/{school_b.number}/rooms/new/", {"name": "Geschmuggelt"})
    renamed = send(f"/rooms/{room_b.pk}/edit/", {"name": "Geschmuggelt"})

    assert (created.status_code, renamed.status_code) == (404, 404)
    assert school_b.name not in created.content.decode()
    assert list(Room.objects.values_list("name", flat=True)) == ["Aula"]


def test_an_it_admin_creates_a_school_with_exactly_the_values_typed(client_for, it_admin):
    response = client_for(it_admin).post(
        "/schools/new/",
        {
            "number": " 177001 ",
            "name": "Grundschule „Am Bach“, O'Neill-Straße",
            "school_type": "grundschule",
            "street": "Mühlenweg 3",
            "postal_code": "12345",
            "city": "Musterstadt",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/schools/?q=177001"
    school = School.objects.get()
    assert (school.number, school.name, school.school_type) == (
        "177001",
        "Grundschule „Am Bach“, O'Neill-Straße",
        "grundschule",
    )
    assert (school.street, school.postal_code, school.city) == (
        "Mühlenweg 3",
        "12345",
        "Musterstadt",
    )
    assert school.loan_pool is False


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("12345", "Eine Schulnummer hat genau 6 Ziffern."),
        ("1234567", "Eine Schulnummer hat genau 6 Ziffern."),
        ("16543a", "Eine Schulnummer hat genau 6 Ziffern."),
        ("", "Dieses Feld ist zwingend erforderlich."),
    ],
)
def test_a_school_number_that_is_not_six_digits_is_an_error_at_the_field(
    client_for, it_admin, number, message
):
    response = client_for(it_admin).post(
        "/schools/new/", {"number": number, "name": "Realschule Süd", "school_type": "realschule"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["number"] == [message]
    assert not School.objects.exists()


def test_a_school_number_that_is_taken_is_an_error_at_the_field(client_for, it_admin, school_a):
    response = client_for(it_admin, language="en").post(
        "/schools/new/", {"number": school_a.number, "name": "Doppelt", "school_type": "other"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["number"] == [
        f"School number {school_a.number} is already used by another school."
    ]
    assert School.objects.count() == 1


def test_an_it_admin_gives_a_school_the_short_name_its_labels_print(client_for, it_admin, school_a):
    client = client_for(it_admin)
    form = client.get(f"/schools/{school_a.number}/edit/").content.decode()
    assert 'name="short_name"' in form and "Kurzname" in form

    response = client.post(
        f"/schools/{school_a.number}/edit/",
        {
            "number": school_a.number,
            "name": school_a.name,
            "short_name": "  Käthe-Kollwitz-GS ",
            "school_type": school_a.school_type,
        },
    )

    assert response.status_code == 302
    school_a.refresh_from_db()
    assert school_a.short_name == "Käthe-Kollwitz-GS"
    assert school_a.label_name == "Käthe-Kollwitz-GS"


def test_an_it_admin_renames_a_school_and_its_number_stays_its_own(client_for, it_admin, school_a):
    response = client_for(it_admin).post(
        f"/schools/{school_a.number}/edit/",
        {"number": school_a.number, "name": "Gymnasium am Schloss", "school_type": "gymnasium"},
    )

    assert response.status_code == 302
    school_a.refresh_from_db()
    assert (school_a.number, school_a.name) == ("165432", "Gymnasium am Schloss")


def test_renaming_a_school_to_a_taken_number_is_an_error_and_changes_nothing(
    client_for, it_admin, school_a, school_b
):
    response = client_for(it_admin).post(
        f"/schools/{school_a.number}/edit/",
        {"number": school_b.number, "name": "Neu", "school_type": "gymnasium"},
    )

    assert response.status_code == 200
    assert "number" in response.context["form"].errors
    assert response.context["school"].name == "Gymnasium am Park"
    school_a.refresh_from_db()
    assert (school_a.number, school_a.name) == ("165432", "Gymnasium am Park")


# Device models


def test_a_coordinator_creates_a_device_model_with_exactly_the_values_typed(
    client_for, coordinator
):
    response = client_for(coordinator).post(
        "/device-models/new/",
        {"manufacturer": " Dell ", "name": "Latitude 3440, 14\" Grün'", "category": "tablet"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/device-models/"
    device_model = DeviceModel.objects.get()
    assert (device_model.manufacturer, device_model.name, device_model.category) == (
        "Dell",
        "Latitude 3440, 14\" Grün'",
        Category.TABLET,
    )


def test_a_new_model_sent_from_the_device_form_goes_back_to_it(client_for, coordinator):
    browser = client_for(coordinator)

    form = browser.get("/device-models/new/", {"next": "/new-device/"})
    response = browser.post(
        "/device-models/new/",
        {"manufacturer": "HP", "name": "ProBook", "category": "laptop", "next": "/new-device/"},
    )
    offsite = browser.post(
        "/device-models/new/",
        {
            "manufacturer": "HP",
            "name": "EliteBook",
            "category": "laptop",
            "next": "https://x.example/",
        },
    )

    assert 'name="next" value="/new-device/"' in form.content.decode()
    assert response["Location"] == "/new-device/"
    assert offsite["Location"] == "/device-models/"


def test_a_model_that_is_in_the_list_already_is_an_error_at_the_field(client_for, coordinator):
    DeviceModelFactory(manufacturer="Lenovo", name="ThinkPad E14")

    response = client_for(coordinator).post(
        "/device-models/new/",
        {"manufacturer": "LENOVO", "name": "thinkpad e14", "category": "laptop"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "LENOVO thinkpad e14 steht bereits in der Liste der Modelle."
    ]
    assert DeviceModel.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "column"),
    [
        (
            {"manufacturer": "M" * 101, "name": "X", "category": "laptop"},
            "manufacturer",
            "manufacturer",
        ),
        ({"manufacturer": "Dell", "name": "N" * 151, "category": "laptop"}, "name", "model"),
    ],
)
def test_a_model_value_the_import_refuses_is_refused_with_the_imports_words(
    client_for, coordinator, data, field, column
):
    response = client_for(coordinator).post("/device-models/new/", data)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [import_message(column, data[field])]
    assert not DeviceModel.objects.exists()


def test_a_category_is_read_as_the_import_reads_it(client_for, coordinator):
    browser = client_for(coordinator, language="en")

    spelled = browser.post(
        "/device-models/new/", {"manufacturer": "Epson", "name": "EB-W49", "category": "Beamer"}
    )
    unknown = browser.post(
        "/device-models/new/", {"manufacturer": "Epson", "name": "EB-X", "category": "Raumschiff"}
    )

    assert spelled.status_code == 302
    assert DeviceModel.objects.get().category == Category.DISPLAY
    assert unknown.context["form"].errors["category"] == ["Please choose a category from the list."]


def test_the_models_page_lists_the_models_with_the_new_model_button(
    client_for, coordinator, laptop_model
):
    html = client_for(coordinator, language="en").get("/device-models/").content.decode()

    assert "ThinkPad E14" in html
    assert 'href="/device-models/new/"' in html and ">New model</a>" in html


# Who may open the new pages


def new_urls(school: School, room: Room) -> list[str]:
    return [
        "/new-device/",
        "/schools/",
        "/schools/new/",
        f"/schools/{school.number}/edit/",
        f"/schools/{school.number}/rooms/new/",
        f"/rooms/{room.pk}/edit/",
        "/device-models/",
        "/device-models/new/",
    ]


def sent_data(school: School, model: DeviceModel) -> dict:
    """A POST that would create a device, a school, a room or a model, had it been allowed."""
    return {
        **device_data(model, school, asset_tag="VERBOTEN-1"),
        "number": "199999",
        "name": "Verboten",
        "school_type": "other",
        "manufacturer": "Verboten",
        "category": "laptop",
    }


@pytest.mark.parametrize("role", ["teacher", "city_staff"])
def test_teachers_and_city_staff_are_refused_on_every_new_page_get_and_post(
    client_for, role_users, school_a, laptop_model, role
):
    room = RoomFactory(school=school_a, name="Medienraum")
    browser = client_for(role_users[role])
    before = counts()

    for url in new_urls(school_a, room):
        assert browser.get(url).status_code == 403, url
        assert browser.post(url, sent_data(school_a, laptop_model)).status_code == 403, url

    assert counts() == before
    room.refresh_from_db()
    assert room.name == "Medienraum"


def test_anonymous_visitors_are_sent_to_the_login_page_from_every_new_page(
    client, school_a, laptop_model
):
    room = RoomFactory(school=school_a, name="Medienraum")
    before = counts()

    for url in new_urls(school_a, room):
        for response in (client.get(url), client.post(url, sent_data(school_a, laptop_model))):
            assert response.status_code == 302, url
            assert response["Location"].startswith("/login/?next="), url

    assert counts() == before


@pytest.mark.parametrize("url", ["/schools/new/", "/schools/165432/edit/"])
def test_a_coordinator_may_not_add_or_change_schools(client_for, coordinator, school_a, url):
    browser = client_for(coordinator)

    assert browser.get(url).status_code == 403
    data = {"number": "199999", "name": "Verboten", "school_type": "other"}
    assert browser.post(url, data).status_code == 403
    assert list(School.objects.values_list("name", flat=True)) == ["Gymnasium am Park"]


def test_a_coordinator_of_no_school_sees_no_school_and_cannot_create_a_device(
    client_for, school_a, laptop_model
):
    lost = UserFactory(username="koord-ohne", role=Role.COORDINATOR)
    browser = client_for(lost)

    assert list(browser.get("/schools/").context["page"]) == []
    response = browser.post("/new-device/", device_data(laptop_model, school_a))
    assert response.status_code == 200
    assert "school" in response.context["form"].errors
    assert not Device.objects.exists()


def test_a_device_created_by_hand_and_one_imported_read_their_values_alike(
    client_for, coordinator, school_a, laptop_model
):
    """The form and the import share their rule for each value: the same text gives the
    same stored value."""
    DeviceFactory(asset_tag="GYM-0000", school=school_a, model=laptop_model)
    for column, typed in (
        ("purchase_price", "1.234,50 €"),
        ("purchase_price", "EUR 649"),
        ("purchase_date", "01.08.2024"),
        ("asset_tag", "\u00a0GYM-U\u0308 "),
    ):
        value = read_value(column, typed)
        form = client_for(coordinator).post(
            "/new-device/", device_data(laptop_model, school_a, **{column: typed})
        )
        assert form.status_code == 302, (column, typed)
        created = Device.objects.exclude(asset_tag="GYM-0000").get()
        assert getattr(created, column) == value
        created.delete()
