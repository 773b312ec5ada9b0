import pytest
from playwright.sync_api import expect

from core.models import Role
from tests.browser.conftest import PASSWORD, log_in, shot
from tests.factories import UserFactory

pytestmark = pytest.mark.integration


def test_login_page_in_german_says_a_wrong_password_plainly_and_keeps_the_username(page_de):
    UserFactory(username="koord", role=Role.COORDINATOR, first_name="Murat")

    page_de.goto("/")
    expect(page_de.get_by_role("heading", name="Bei Lernstatt anmelden")).to_be_visible()
    shot(page_de, "login")
    page_de.get_by_label("Benutzername").fill("koord")
    page_de.get_by_label("Passwort").fill("falsch")
    page_de.get_by_role("button", name="Anmelden").click()

    expect(page_de.get_by_role("alert")).to_contain_text("Benutzername oder Passwort stimmen nicht")
    expect(page_de.get_by_label("Benutzername")).to_have_value("koord")
    expect(page_de.get_by_label("Passwort")).to_have_value("")
    shot(page_de, "login-wrong-password")

    page_de.get_by_label("Passwort").fill(PASSWORD)
    page_de.get_by_role("button", name="Anmelden").click()
    expect(page_de.get_by_role("button", name="Abmelden")).to_be_visible()


def test_language_switch_turns_the_page_into_english_and_stays_on_it(page_de):
    UserFactory(username="stadt", role=Role.CITY_STAFF)
    page_de.goto("/login/")
    page_de.get_by_label("Benutzername").fill("stadt")
    page_de.get_by_label("Passwort").fill(PASSWORD)
    page_de.get_by_role("button", name="Anmelden").click()
    page_de.goto("/reports/")
    expect(page_de.locator("html")).to_have_attribute("lang", "de")

    page_de.get_by_role("combobox", name="Sprache").select_option("en")
    page_de.get_by_role("button", name="Wechseln").click()

    expect(page_de.locator("html")).to_have_attribute("lang", "en")
    expect(page_de).to_have_url(page_de.url.split("/reports/")[0] + "/reports/")
    expect(page_de.get_by_role("button", name="Log out")).to_be_visible()
    expect(page_de.get_by_role("heading", level=1)).to_have_text("Reports")
    shot(page_de, "reports-english")


def test_log_out_is_a_button_and_leads_back_to_the_login_page(page):
    UserFactory(username="lehrer", role=Role.TEACHER)
    log_in(page, "lehrer")

    page.get_by_role("button", name="Log out").click()

    expect(page.get_by_role("heading", name="Log in to Lernstatt")).to_be_visible()
    page.goto("/loans/")
    assert "/login/" in page.url
