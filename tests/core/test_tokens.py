"""Personal API tokens: made by their owner (API or `manage.py api_token`), shown once,
stored only as a hash, useless once revoked."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone, translation

from core.models import ApiToken
from tests.factories import DeviceModelFactory


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_ACCEPT_LANGUAGE": "en"}


def create_token(client: Client, name: str = "Inventur-Skript") -> dict:
    response = client.post("/api/v1/me/tokens", {"name": name}, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def stored_text(token: ApiToken) -> str:
    return " ".join(
        str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()
    )


def test_a_created_token_lets_a_script_in_as_its_owner(client_for, coordinator):
    created = create_token(client_for(coordinator))
    response = Client().get("/api/v1/me", **bearer(created["key"]))
    assert response.status_code == 200
    assert response.json()["username"] == "koord"


def test_a_script_with_a_token_needs_no_csrf_token_to_write(client_for, coordinator):
    key = create_token(client_for(coordinator))["key"]
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/device-models",
        {"manufacturer": "Acer", "name": "TravelMate B3", "category": "laptop"},
        content_type="application/json",
        **bearer(key),
    )
    assert response.status_code == 201


def test_the_database_holds_no_plain_key(client_for, coordinator):
    created = create_token(client_for(coordinator))
    token = ApiToken.objects.get(pk=created["id"])
    assert created["key"] not in stored_text(token)
    assert token.key_hash == ApiToken.hash_key(created["key"])
    assert created["key"].startswith(token.hint)
    assert len(token.hint) < len(created["key"]) // 3


def test_the_token_list_never_shows_a_key(client_for, coordinator):
    client = client_for(coordinator)
    key = create_token(client)["key"]
    response = client.get("/api/v1/me/tokens")
    assert [t["name"] for t in response.json()] == ["Inventur-Skript"]
    assert key not in response.content.decode()
    assert "key" not in response.json()[0]


def test_a_revoked_token_gets_401(client_for, coordinator):
    client = client_for(coordinator)
    created = create_token(client)
    assert client.delete(f"/api/v1/me/tokens/{created['id']}").status_code == 200
    response = Client().get("/api/v1/me", **bearer(created["key"]))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_token_of_an_inactive_user_gets_401(client_for, coordinator):
    key = create_token(client_for(coordinator))["key"]
    coordinator.is_active = False
    coordinator.save()
    assert Client().get("/api/v1/me", **bearer(key)).status_code == 401


def test_nobody_can_revoke_another_users_token(client_for, coordinator, teacher):
    created = create_token(client_for(coordinator))
    response = client_for(teacher).delete(f"/api/v1/me/tokens/{created['id']}")
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=created["id"]).is_active
    assert Client().get("/api/v1/me", **bearer(created["key"])).status_code == 200


def test_a_token_only_reaches_what_its_owner_may(client_for, teacher):
    key = create_token(client_for(teacher))["key"]
    DeviceModelFactory()
    client = Client()
    assert client.get("/api/v1/device-models", **bearer(key)).status_code == 200
    assert client.get("/api/v1/devices", **bearer(key)).status_code == 403


# manage.py api_token


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_prints_a_new_key_once_and_it_works(coordinator):
    out, err = run("create", "koord", "--name", "Backup")
    key = out.strip()
    assert key.startswith(ApiToken.PREFIX)
    assert "Backup" in err
    assert Client().get("/api/v1/me", **bearer(key)).status_code == 200

    listed, _ = run("list", "koord")
    assert "Backup" in listed
    assert key not in listed
    assert ApiToken.objects.get().hint in listed


def test_the_command_speaks_german_with_german_dates_and_quotes(coordinator):
    run("create", "koord", "--name", "Backup")
    token = ApiToken.objects.get()
    with translation.override("de"):
        listed, _ = run("list", "koord")
        revoked, _ = run("revoke", "koord", str(token.id))

    created = timezone.localtime(token.created_at)
    assert f"angelegt am {created:%d.%m.%Y %H:%M}\tnie verwendet\taktiv" in listed
    assert revoked.strip() == f"Token {token.id} „Backup“ wurde widerrufen."


def test_the_command_revokes_a_token(coordinator):
    key = run("create", "koord", "--name", "Backup")[0].strip()
    token = ApiToken.objects.get()
    run("revoke", "koord", str(token.id))
    token.refresh_from_db()
    assert not token.is_active
    assert Client().get("/api/v1/me", **bearer(key)).status_code == 401


def test_the_command_does_not_revoke_another_users_token(coordinator, teacher):
    run("create", "koord", "--name", "Backup")
    token = ApiToken.objects.get()
    with pytest.raises(CommandError):
        run("revoke", "lehrer", str(token.id))
    token.refresh_from_db()
    assert token.is_active


@pytest.mark.parametrize(
    "args",
    [
        ("create", "niemand", "--name", "X"),
        ("create", "koord", "--name", "   "),
        ("list", "niemand"),
    ],
)
def test_the_command_refuses_unknown_users_and_empty_names(coordinator, args):
    with pytest.raises(CommandError):
        run(*args)
    assert not ApiToken.objects.exists()
