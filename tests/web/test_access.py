"""Who may open which page: 403 for a role that may not, 404 outside one's schools."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db

ROLES = ("it_admin", "coordinator", "teacher", "city_staff")

# url (with {tag} for device_a's asset tag) -> the roles that may open it
PAGES = {
    "/": set(ROLES),
    "/devices/": {"it_admin", "coordinator"},
    "/devices/{tag}/": {"it_admin", "coordinator"},
    "/devices/{tag}/edit/": {"it_admin", "coordinator"},
    "/reports/": {"it_admin", "coordinator", "city_staff"},
}
CASES = [(url, role, role in allowed) for url, allowed in PAGES.items() for role in ROLES]


@pytest.mark.parametrize(("url", "role", "allowed"), CASES)
def test_each_page_opens_for_the_roles_that_may_use_it_and_is_refused_for_others(
    url, role, allowed, role_users, client_for, device_a
):
    response = client_for(role_users[role]).get(url.format(tag=device_a.asset_tag))

    assert response.status_code == (200 if allowed else 403)
    html = response.content.decode()
    assert "<title>" in html and "</title>" in html
    assert 'aria-label="Sie sind hier"' in html
    assert '<main id="main"' in html
    assert 'href="#main"' in html  # the skip link
    if not allowed:
        assert "Diese Seite dürfen Sie nicht öffnen" in html
        assert "Traceback" not in html


@pytest.mark.parametrize("url", ["/devices/", "/devices/GYM-0001/", "/reports/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url}"


def test_the_root_sends_anonymous_visitors_to_the_login_page_and_users_to_the_start_page(
    client, client_for, teacher
):
    assert client.get("/")["Location"] == "/login/"
    response = client_for(teacher).get("/")
    assert response.status_code == 200
    assert response.templates[0].name == "portal/home.html"


@pytest.mark.parametrize("suffix", ["", "edit/"])
def test_a_coordinator_guessing_another_schools_device_gets_404(
    client_for, coordinator, device_b, suffix
):
    response = client_for(coordinator).get(f"/devices/{device_b.asset_tag}/{suffix}")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Diese Seite wurde nicht gefunden" in html
    assert device_b.school.name not in html


def test_an_unknown_device_is_the_same_404_as_one_of_another_school(client_for, coordinator):
    response = client_for(coordinator).get("/devices/GIBT-ES-NICHT/")

    assert response.status_code == 404
    assert "Diese Seite wurde nicht gefunden" in response.content.decode()


def test_the_it_admin_reaches_every_schools_device(client_for, it_admin, device_b):
    assert client_for(it_admin).get(f"/devices/{device_b.asset_tag}/").status_code == 200


def _nav_links(response) -> list[str]:
    return [item["url"] for item in response.context["nav_items"]]


def test_the_navigation_shows_only_the_pages_of_the_role(role_users, client_for):
    links = {role: _nav_links(client_for(user).get("/")) for role, user in role_users.items()}

    assert links["teacher"] == ["/", "/stocktakings/", "/loans/", "/classes/", "/people/"]
    assert links["city_staff"] == ["/", "/reports/"]
    assert links["coordinator"] == [
        "/",
        "/devices/",
        "/stocktakings/",
        "/reports/",
        "/imports/",
        "/exports/",
        "/loans/",
        "/loans/queue/",
        "/classes/",
        "/people/",
        "/directory/",
    ]
    # The admin link needs staff status as well, as the admin itself does.
    assert links["it_admin"] == [
        "/",
        "/devices/",
        "/stocktakings/",
        "/reports/",
        "/imports/",
        "/exports/",
        "/loans/",
        "/loans/queue/",
        "/classes/",
        "/people/",
        "/directory/",
    ]


def test_an_it_admin_with_staff_status_gets_the_admin_link(client_for, it_admin):
    it_admin.is_staff = True
    it_admin.save()

    response = client_for(it_admin).get("/")

    assert _nav_links(response)[-1] == "/admin/"


def test_the_current_page_is_marked_in_the_navigation(client_for, coordinator):
    html = client_for(coordinator).get("/devices/").content.decode()

    assert '<a href="/devices/" aria-current="page">' in html
    assert '<a href="/" aria-current="page">' not in html


def test_an_unknown_address_shows_the_friendly_404_page(client_for, teacher):
    response = client_for(teacher).get("/gibt-es-nicht/")

    assert response.status_code == 404
    assert "Diese Seite wurde nicht gefunden" in response.content.decode()


def test_the_500_page_renders_without_a_request():
    html = render_to_string("500.html")

    assert "Etwas ist schiefgegangen" in html
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Etwas ist schiefgegangen" in response.content.decode()


def test_the_admin_is_still_where_it_was(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
