"""The label endpoints: the templates, and a print answered with the PDF or the ZPL, or a
422 naming what cannot be printed."""

import json

import pytest
from django.test import Client

from core.tokens import api_token_create
from inventory.labels.printing import device_url
from inventory.labels.templates import TEMPLATES
from tests.factories import DeviceFactory, RoomFactory
from tests.inventory.label_reading import cell_image, decode, rasterise

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(coordinator):
    token = api_token_create(user=coordinator, name="Etiketten")[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")


def post(api, **body):
    return api.post("/api/v1/labels", json.dumps(body), content_type="application/json")


def test_the_templates_are_listed_with_their_measurements(api):
    response = api.get("/api/v1/labels/templates")

    assert response.status_code == 200
    listed = {template["key"]: template for template in response.json()}
    assert set(listed) == set(TEMPLATES)
    assert listed["avery-l4736rev"]["columns"] == 4 and listed["avery-l4736rev"]["rows"] == 12
    assert listed["avery-l4731rev"]["fields"] == ["qr", "barcode", "tag"]
    assert listed["printer-62x29"]["printer"] is True


def test_a_print_by_asset_tags_is_a_pdf_in_the_order_named(api, school_a):
    first = DeviceFactory(asset_tag="INV/2021/002", school=school_a)
    second = DeviceFactory(asset_tag="INV/2021/001", school=school_a)

    response = post(api, asset_tags=["inv/2021/002", "INV/2021/001"], fields=["qr", "barcode"])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    page = rasterise(response.content)[0]
    template = TEMPLATES["avery-l4736rev"]
    for cell, device in enumerate((first, second)):
        expected = sorted([("qr", device_url(device.asset_tag)), ("code128", device.asset_tag)])
        assert decode(cell_image(page, template, cell)) == expected


def test_a_print_of_a_room_as_zpl(api, school_a):
    room = RoomFactory(school=school_a)
    DeviceFactory(asset_tag="R-1", school=school_a, room=room)
    DeviceFactory(asset_tag="R-2", school=school_a, room=room)

    response = post(api, room=room.pk, template="printer-51x25", format="zpl", copies=2)

    assert response.status_code == 200
    assert response.content.decode().count("^PQ2") == 2


def test_what_cannot_be_printed_is_a_422_naming_it(api, school_a, school_b):
    DeviceFactory(asset_tag="Gerät-1", school=school_a)
    DeviceFactory(asset_tag="GS-1", school=school_b)

    refused = post(api, asset_tags=["Gerät-1"], fields=["barcode", "tag"])
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["asset_tag"] == "Gerät-1"

    bad = post(api, asset_tags=["Gerät-1"], start=99, copies=0, template="avery-3474")
    assert bad.status_code == 422
    assert {error["field"] for error in bad.json()["errors"]} == {"start", "copies"}

    assert post(api, asset_tags=["GS-1"]).status_code == 404
    assert post(api, school=school_b.number).status_code == 404
    assert post(api, room=1, school=school_a.number).status_code == 422
    assert post(api).status_code == 422
    assert post(api, asset_tags=["Gerät-1"], fields=["colour"]).status_code == 422
