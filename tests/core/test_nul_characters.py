"""A NUL character in a parameter never reaches the database (PostgreSQL cannot hold one)."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_nul_in_an_api_parameter_is_refused_naming_the_field(client_for, it_admin):
    response = client_for(it_admin, language="en").get(
        "/api/v1/loans/availability",
        {
            "category": "laptop",
            "starts_on": "2030-01-07",
            "ends_on": "2030-01-10",
            "school": "1\x00",
        },
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_character"
    assert body["errors"] == [{"field": "school", "message": body["message"]}]
    assert "school" in body["message"]


def test_a_nul_in_a_json_body_is_refused(client_for, it_admin):
    response = client_for(it_admin).post(
        "/api/v1/schools",
        data='{"name": "Schule\\u0000", "number": "100001"}',
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert "Steuerzeichen" in response.json()["message"]


def test_a_nul_in_a_page_parameter_gets_a_plain_400(client_for, it_admin):
    response = client_for(it_admin).get("/devices/", {"q": "A\x00"})

    assert response.status_code == 400
    assert "q" in response.content.decode()


def test_ordinary_parameters_pass(client_for, it_admin):
    assert client_for(it_admin).get("/devices/", {"q": "Müller, O'Brien"}).status_code == 200
