"""The label page: from the device list (the ticked devices, or the list as filtered) and
from a room of the schools page to a PDF whose codes decode to the devices, for the
user's schools only; bad input is a German error at its field."""

import html
import re

import pytest

from core.models import Role
from inventory.labels.printing import device_url
from inventory.labels.templates import TEMPLATES
from inventory.models import Status
from tests.factories import DeviceFactory, RoomFactory, UserFactory
from tests.inventory.label_reading import cell_image, decode, rasterise

pytestmark = pytest.mark.django_db

LABELS = "/labels/"
L4736 = TEMPLATES["avery-l4736rev"]
ALL_FIELDS = ["qr", "barcode", "tag", "school", "room", "owner"]


def print_form(**changes) -> dict:
    """What the label form sends with its initial values, and `changes`."""
    data = {
        "print": "1",
        "template": "avery-l4736rev",
        "start": "1",
        "copies": "1",
        "fields": ALL_FIELDS,
        "format": "pdf",
    }
    data.update(changes)
    return data


def decoded_cells(pdf: bytes, template, count: int) -> list[list[tuple[str, str]]]:
    page = rasterise(pdf)[0]
    return [decode(cell_image(page, template, cell)) for cell in range(count)]


def both_codes(device) -> list[tuple[str, str]]:
    return sorted([("qr", device_url(device.asset_tag)), ("code128", device.asset_tag)])


def field_errors(page: str, name: str) -> list[str]:
    """The errors shown at the form field `name` (its error list)."""
    found = re.search(rf'<ul class="errorlist" id="id_{name}_error">(.*?)</ul>', page, re.S)
    assert found, f"no errors at {name}"
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


@pytest.fixture
def room_a(school_a):
    return RoomFactory(school=school_a, name="Physikraum Süd")


@pytest.fixture
def devices_a(school_a, room_a, laptop_model):
    return [
        DeviceFactory(asset_tag=tag, school=school_a, room=room_a, model=laptop_model)
        for tag in ("GYM-0001", "INV/2021/007", "99-0042")
    ]


def test_a_coordinator_prints_the_labels_of_the_devices_ticked_in_the_list(
    client_for, coordinator, devices_a
):
    client = client_for(coordinator)
    listing = client.get("/devices/").content.decode()
    assert 'formaction="/labels/"' in listing and "Etiketten für die ausgewählten Geräte" in listing
    ticked = [devices_a[0].pk, devices_a[2].pk]

    # The list posts the ticked devices: the form, for them alone.
    page = client.post(LABELS, {"devices": ticked, "next": "/devices/", "change": ""})
    assert page.status_code == 200
    text = page.content.decode()
    assert "2 ausgewählte Geräte" in text and "GYM-0001" in text and "INV/2021/007" not in text

    response = client.post(LABELS, print_form(devices=ticked))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="etiketten-')
    cells = decoded_cells(response.content, L4736, 3)
    assert cells == [both_codes(devices_a[2]), both_codes(devices_a[0]), []]  # by asset tag


def test_a_coordinator_prints_the_labels_of_a_room_from_the_schools_page(
    client_for, coordinator, school_a, room_a, devices_a
):
    elsewhere = DeviceFactory(asset_tag="GYM-0999", school=school_a)
    client = client_for(coordinator)
    schools = client.get("/schools/").content.decode()
    link = f'href="/labels/?room={room_a.pk}"'
    assert link in schools

    page = client.get(LABELS, {"room": room_a.pk}).content.decode()
    assert "Raum Physikraum Süd (Gymnasium am Park): 3 Geräte" in page
    response = client.post(
        LABELS, print_form(room=room_a.pk, template="avery-3474", start="2", copies="2")
    )

    assert response["Content-Type"] == "application/pdf"
    by_tag = sorted(devices_a, key=lambda device: device.asset_tag)
    cells = decoded_cells(response.content, TEMPLATES["avery-3474"], 8)
    assert cells[0] == [] and cells[7] == []
    assert cells[1:7] == [both_codes(device) for device in by_tag for _copy in (1, 2)]
    assert elsewhere.asset_tag not in str(cells)


def test_the_list_as_filtered_prints_its_devices(client_for, coordinator, devices_a):
    DeviceFactory(asset_tag="GYM-0500", school=devices_a[0].school, status=Status.IN_REPAIR)
    client = client_for(coordinator)
    listing = client.get("/devices/", {"status": "in_repair"}).content.decode()
    assert 'href="/labels/?status=in_repair"' in listing

    page = client.get(LABELS, {"status": "in_repair"}).content.decode()
    assert "1 Gerät der Liste" in page
    response = client.post(LABELS, print_form(status="in_repair", fields=["qr", "tag"]))

    cells = decoded_cells(response.content, L4736, 2)
    assert cells == [[("qr", device_url("GYM-0500"))], []]


def test_another_schools_device_or_room_is_not_found_and_nothing_printed(
    client_for, coordinator, devices_a, device_b, school_b
):
    their_room = RoomFactory(school=school_b)
    client = client_for(coordinator)

    for data in (
        print_form(devices=[devices_a[0].pk, device_b.pk]),
        print_form(room=their_room.pk),
        {"devices": [device_b.pk], "next": "/devices/"},
    ):
        response = client.post(LABELS, data)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")
    assert client.get(LABELS, {"room": their_room.pk}).status_code == 404
    assert client.get(f"/d/{device_b.asset_tag}").status_code == 404
    # Another school's number as the list's filter is not "all my schools" instead.
    assert client.get(LABELS, {"school": school_b.number}).status_code == 404
    printed = client.post(LABELS, print_form(school=school_b.number))
    assert printed.status_code == 404 and printed["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("role", ["teacher", "city_staff"])
def test_teachers_and_city_staff_may_not_print_labels(client_for, role_users, role, devices_a):
    client = client_for(role_users[role])

    assert client.get(LABELS).status_code == 403
    assert client.post(LABELS, print_form(devices=[devices_a[0].pk])).status_code == 403
    assert client.get(f"/d/{devices_a[0].asset_tag}").status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in_and_then_to_the_device(
    client, client_for, coordinator, devices_a
):
    tag = devices_a[1].asset_tag  # INV/2021/007: slashes in the address

    response = client.get(f"/d/{tag}")
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/d/{tag}"
    assert client.get(LABELS)["Location"].startswith("/login/")
    assert client.post(LABELS, print_form())["Location"].startswith("/login/")

    logged_in = client_for(coordinator)
    response = logged_in.get(f"/d/{tag}")
    assert response.status_code == 302 and response["Location"] == f"/devices/{tag}/"


def test_the_address_on_a_label_opens_the_device_whatever_its_tag_holds(
    client_for, coordinator, school_a
):
    client = client_for(coordinator)
    for tag in ("Gerät/7", "lab 12", "A>B^C~D", "x#1?y"):
        device = DeviceFactory(asset_tag=tag, school=school_a)
        path = device_url(tag).removeprefix("http://127.0.0.1:8000")
        response = client.get(path)
        assert response.status_code == 302, tag
        assert client.get(response["Location"]).context["device"] == device
        # as a Zebra printer sends it: "~" as %7E
        assert client.get(path.replace("~", "%7E")).status_code == 302


def test_the_list_posted_without_ticked_devices_goes_back_with_a_message(
    client_for, coordinator, devices_a
):
    response = client_for(coordinator).post(
        LABELS, {"next": "/devices/?q=GYM", "change": ""}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/devices/?q=GYM"
    assert "Bitte wählen Sie mindestens ein Gerät aus." in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"start": "49"}, "start", "Die Startposition ist ein Etikett des Bogens: von 1 bis 48."),
        ({"copies": "0"}, "copies", "Bitte drucken Sie 1 bis 100 Etiketten je Gerät."),
        ({"copies": "1000"}, "copies", "Bitte drucken Sie 1 bis 100 Etiketten je Gerät."),
        ({"template": "avery-0815"}, "template", "Bitte wählen Sie eine Vorlage aus der Liste."),
        ({"start": "zwei"}, "start", "Bitte eine ganze Zahl eingeben."),
        (
            {"template": "avery-l4731rev"},
            "fields",
            "Auf ein Etikett Avery Zweckform L4731REV passen nur ein Code",
        ),
        ({"format": "zpl"}, "format", "ZPL ist für Etikettendrucker"),
        (
            {"template": "custom", "label_width": "70", "label_height": "37", "rows": "9"},
            "rows",
            "Die Etiketten reichen bis 333 mm vom oberen Rand",
        ),
    ],
)
def test_bad_input_is_a_german_error_at_its_field_and_prints_nothing(
    client_for, coordinator, devices_a, changes, field, words
):
    response = client_for(coordinator).post(
        LABELS, print_form(devices=[devices_a[0].pk], **changes)
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert any(error.startswith(words) for error in field_errors(page, field)), field_errors(
        page, field
    )
    assert "Bitte überprüfen Sie Ihre Eingaben" in page or "error-summary" in page


def test_a_tag_a_barcode_cannot_hold_is_refused_by_name_at_the_fields(
    client_for, coordinator, school_a
):
    device = DeviceFactory(asset_tag="Gerät-7", school=school_a)
    client = client_for(coordinator)

    response = client.post(LABELS, print_form(devices=[device.pk]))

    errors = field_errors(response.content.decode(), "fields")
    assert errors and errors[0].startswith(
        "Gerät Gerät-7: Ein Barcode (Code 128) kann das Zeichen „ä“"
    )
    # without the barcode it prints
    response = client.post(LABELS, print_form(devices=[device.pk], fields=["qr", "tag"]))
    assert response["Content-Type"] == "application/pdf"


def test_a_label_printer_gets_zpl(client_for, it_admin, devices_a):
    response = client_for(it_admin).post(
        LABELS, print_form(devices=[devices_a[0].pk], template="printer-62x29", format="zpl")
    )

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].endswith('.zpl"')
    assert response.content.decode().startswith("^XA\n^CI28\n^PW496\n^LL232\n")


def test_a_coordinator_of_two_schools_prints_both(
    client_for, school_a, school_b, devices_a, device_b
):
    both = UserFactory(username="koord-ab", role=Role.COORDINATOR, schools=[school_a, school_b])

    response = client_for(both).post(
        LABELS, print_form(devices=[devices_a[0].pk, device_b.pk], fields=["qr"])
    )

    cells = decoded_cells(response.content, L4736, 2)
    assert cells == [[("qr", device_url(tag))] for tag in sorted(["GYM-0001", "GS-0001"])]


def test_the_label_page_takes_the_same_number_of_queries_for_3_or_40_devices(
    client_for, coordinator, school_a, room_a, django_assert_max_num_queries
):
    client = client_for(coordinator)
    for count in (3, 40):
        room = RoomFactory(school=school_a)
        devices = [DeviceFactory(school=school_a, room=room) for _ in range(count)]
        with django_assert_max_num_queries(6):
            assert client.get(LABELS, {"room": room.pk}).status_code == 200
        with django_assert_max_num_queries(6):
            ticked = {"devices": [device.pk for device in devices], "next": "/devices/"}
            assert client.post(LABELS, ticked).status_code == 200
        with django_assert_max_num_queries(6):
            response = client.post(LABELS, print_form(room=room.pk, fields=["tag", "room"]))
            assert response["Content-Type"] == "application/pdf"
