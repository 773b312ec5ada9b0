def test_me_shows_role_and_schools(client_for, coordinator):
    response = client_for(coordinator).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["role"] == "coordinator"
    assert response.json()["schools"] == ["165432"]


def test_anonymous_gets_401_in_the_error_shape(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert set(response.json()) == {"message", "code", "errors"}
