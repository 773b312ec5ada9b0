"""Every error of the API has one shape: {"message", "code", "errors": [{"field", "message"}]},
German by default and English when the browser asks for it."""

from django.test import Client

from inventory import services
from inventory.models import Device, DeviceHistory
from tests.factories import DeviceFactory, DeviceModelFactory


def post(client, url, data, **extra):
    return client.post(url, data, content_type="application/json", **extra)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) == {"message", "code", "errors"}
    assert body["code"] == code
    assert body["message"]
    return body


def test_a_bad_payload_is_422_and_names_every_bad_field(client_for, it_admin):
    response = post(
        client_for(it_admin, language="en"),
        "/api/v1/devices",
        {"serial_number": "X", "school": "165432", "purchase_date": "gestern", "lendable": "vl"},
    )
    body = assert_error(response, 422, "validation_failed")
    assert body["message"] == "Some values are not valid."
    assert sorted(e["field"] for e in body["errors"]) == [
        "asset_tag",
        "lendable",
        "model",
        "purchase_date",
    ]
    assert all(e["message"] for e in body["errors"])


def test_a_rule_broken_in_the_service_is_422_naming_the_field(client_for, it_admin, school_a):
    DeviceFactory(asset_tag="INV-1", school=school_a)
    response = post(
        client_for(it_admin, language="en"),
        "/api/v1/devices",
        {"asset_tag": "inv-1", "model": DeviceModelFactory().id, "school": school_a.number},
    )
    body = assert_error(response, 422, "validation_failed")
    assert body["errors"] == [
        {"field": "asset_tag", "message": "Asset tag inv-1 is already used by another device."}
    ]


def test_a_duplicate_asset_tag_saved_by_someone_else_meanwhile_is_409_and_writes_nothing(
    client_for, it_admin, school_a, monkeypatch
):
    check = services._validate_device

    def check_then_lose_the_race(device):
        check(device)
        # Another request commits the same asset tag after our check and before our write.
        DeviceFactory(asset_tag="INV-RACE", school=school_a)

    monkeypatch.setattr(services, "_validate_device", check_then_lose_the_race)
    response = post(
        client_for(it_admin, language="en"),
        "/api/v1/devices",
        {"asset_tag": "inv-race", "model": DeviceModelFactory().id, "school": school_a.number},
    )
    body = assert_error(response, 409, "conflict")
    assert (
        body["message"] == "Another user saved a device with the same asset tag or serial number."
    )
    assert list(Device.objects.values_list("asset_tag", flat=True)) == ["INV-RACE"]
    assert not DeviceHistory.objects.exists()


def test_deleting_a_school_that_has_devices_is_409(client_for, it_admin, school_a):
    DeviceFactory(school=school_a)
    response = client_for(it_admin, language="en").delete("/api/v1/schools/165432")
    body = assert_error(response, 409, "conflict")
    assert body["message"] == "A school with rooms or devices cannot be deleted."


def test_anonymous_requests_are_401(client):
    response = client.get("/api/v1/devices", HTTP_ACCEPT_LANGUAGE="en")
    body = assert_error(response, 401, "not_authenticated")
    assert body["message"] == "Please log in or send a valid API token."


def test_a_role_without_the_capability_is_403(client_for, teacher):
    response = client_for(teacher, language="en").get("/api/v1/devices")
    body = assert_error(response, 403, "permission_denied")
    assert body["message"] == "You are not allowed to do this."


def test_a_device_of_another_school_is_404_like_one_that_does_not_exist(
    client_for, coordinator, school_b
):
    DeviceFactory(asset_tag="B-1", school=school_b)
    client = client_for(coordinator, language="en")
    hidden = assert_error(client.get("/api/v1/devices/B-1"), 404, "not_found")
    missing = assert_error(client.get("/api/v1/devices/B-2"), 404, "not_found")
    assert hidden["message"] == "Device B-1 not found."
    assert missing["message"] == "Device B-2 not found."


def test_messages_are_german_by_default(client_for, coordinator):
    response = client_for(coordinator, language="de").get("/api/v1/devices/NIRGENDS")
    assert response["Content-Language"] == "de"
    assert_error(response, 404, "not_found")
    no_language = Client()
    no_language.force_login(coordinator)
    response = no_language.get("/api/v1/devices/NIRGENDS")
    assert response["Content-Language"] == "de"
    assert_error(response, 404, "not_found")
    assert response.json()["message"] == "Gerät NIRGENDS nicht gefunden."


def test_a_browser_post_without_the_csrf_token_is_refused_and_with_it_accepted(
    client_for, it_admin
):
    browser = client_for(it_admin, csrf=True, language="en")
    payload = {"manufacturer": "HP", "name": "ProBook 450", "category": "laptop"}

    refused = post(browser, "/api/v1/device-models", payload)
    body = assert_error(refused, 403, "csrf_failed")
    assert body["message"] == "The page has expired. Reload it and try again."

    browser.get("/admin/login/")  # any page with a form hands out the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = post(browser, "/api/v1/device-models", payload, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201


def test_a_method_an_endpoint_does_not_take_is_405_in_the_one_shape_with_allow(
    client_for, coordinator
):
    response = client_for(coordinator).get("/api/v1/labels")

    body = assert_error(response, 405, "method_not_allowed")
    assert body["message"] == "Diese Adresse nimmt kein GET an, nur POST."
    assert response["Allow"] == "POST"


def test_an_anonymous_client_gets_the_405_in_the_one_shape_too():
    response = Client().delete("/api/v1/me")

    assert_error(response, 405, "method_not_allowed")
