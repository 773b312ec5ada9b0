"""The directory connection checks the server's certificate as LDAP_TLS_VERIFY says, and
no password (the service account's, a user's at login, the initial ones a sync sets) ever
reaches a log record, not even with ldap3's own logging at its most detailed."""

import logging
import ssl

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from ldap3.utils import log as ldap3_log

from accounts.directory.apply import directory_apply
from accounts.directory.connection import directory_tls
from accounts.models import PersonRole
from tests.accounts.factories import PersonFactory


@pytest.mark.parametrize(
    ("verify", "mode"),
    [("required", ssl.CERT_REQUIRED), ("optional", ssl.CERT_OPTIONAL), ("none", ssl.CERT_NONE)],
)
def test_the_tls_connection_checks_the_certificate_as_ldap_tls_verify_says(settings, verify, mode):
    settings.LDAP_URL = "ldaps://ldap.example.org"
    settings.LDAP_TLS_VERIFY = verify
    settings.LDAP_CA_FILE = ""

    tls = directory_tls()

    assert tls.validate == mode


def test_the_certificate_check_is_required_by_default_also_with_start_tls(settings):
    from lernstatt import settings as project_settings

    assert project_settings.LDAP_TLS_VERIFY == "required"
    settings.LDAP_URL = "ldap://ldap.example.org"
    settings.LDAP_START_TLS = True
    assert directory_tls().validate == ssl.CERT_REQUIRED


def test_a_plain_development_connection_has_no_tls(settings):
    settings.LDAP_URL = "ldap://127.0.0.1:3890"
    settings.LDAP_START_TLS = False
    settings.LDAP_CA_FILE = ""
    assert directory_tls() is None


def test_an_unknown_ldap_tls_verify_stops_the_start_naming_the_variable(monkeypatch):
    import importlib

    from lernstatt import settings as project_settings

    monkeypatch.setenv("LDAP_TLS_VERIFY", "maybe")
    with pytest.raises(ImproperlyConfigured, match="LDAP_TLS_VERIFY='maybe'"):
        importlib.reload(project_settings)
    monkeypatch.delenv("LDAP_TLS_VERIFY")
    importlib.reload(project_settings)


@pytest.fixture
def ldap3_logging():
    """ldap3's own log at its most detailed level (it logs nothing unless asked)."""
    ldap3_log.set_library_log_detail_level(ldap3_log.EXTENDED)
    yield
    ldap3_log.set_library_log_detail_level(ldap3_log.OFF)


def everything_logged(caplog) -> str:
    return "\n".join(
        f"{record.getMessage()} {record.args!r} {record.__dict__!r}" for record in caplog.records
    )


@pytest.mark.integration
@pytest.mark.django_db
def test_no_password_appears_in_the_log_of_a_sync_and_a_directory_login(
    ldap_directory, school_a, settings, caplog, ldap3_logging
):
    PersonFactory(
        school=school_a,
        role=PersonRole.TEACHER,
        school_class=None,
        first_name="Karin",
        last_name="Kraus",
        login="karin.kraus",
        short_code="KR",
    )
    PersonFactory(school=school_a, login="anna.schmidt")

    with caplog.at_level(logging.DEBUG):
        run = directory_apply()
        initial = run.new_passwords
        browser = Client()
        right = browser.post(
            "/login/", {"username": "karin.kraus", "password": initial["karin.kraus"]}
        )
        Client().post("/login/", {"username": "karin.kraus", "password": "Wrong-password-9"})

    assert run.errors == []
    assert right.status_code == 302
    assert set(initial) == {"karin.kraus", "anna.schmidt"}
    assert any(r.name.startswith("ldap3") for r in caplog.records), "ldap3 logging is on"
    logged = everything_logged(caplog)
    assert settings.LDAP_BIND_PASSWORD not in logged
    for password in [*initial.values(), "Wrong-password-9"]:
        assert password not in logged
