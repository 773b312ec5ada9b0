import os

import pytest
from django.test import Client

from core.models import Role
from tests.factories import SchoolFactory, UserFactory


def service_missing(reason: str) -> None:
    """Skip a test whose service is not there, except in CI (LERNSTATT_REQUIRE_SERVICES=1),
    where a missing service is a failure."""
    if os.environ.get("LERNSTATT_REQUIRE_SERVICES") == "1":
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Celery tasks run in the test's own process, also where a broker is configured: a test
    checks what a task does. Tests that ask for the real worker (tests/integration:
    `celery_worker`) have their tasks sent to it instead, for the test's duration."""
    from lernstatt.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher costs ~0.4 s per user; tests that check passwords do not need its strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def school_a(db):
    return SchoolFactory(name="Gymnasium am Park", number="165432")


@pytest.fixture
def school_b(db):
    return SchoolFactory(name="Grundschule Lindenweg", number="123456")


@pytest.fixture
def it_admin(db):
    return UserFactory(username="admin", role=Role.IT_ADMIN)


@pytest.fixture
def coordinator(school_a):
    return UserFactory(username="koord", role=Role.COORDINATOR, schools=[school_a])


@pytest.fixture
def teacher(school_a):
    return UserFactory(username="lehrer", role=Role.TEACHER, schools=[school_a])


@pytest.fixture
def city_staff(db):
    return UserFactory(username="stadt", role=Role.CITY_STAFF)


@pytest.fixture
def role_users(it_admin, coordinator, teacher, city_staff):
    return {
        "it_admin": it_admin,
        "coordinator": coordinator,
        "teacher": teacher,
        "city_staff": city_staff,
    }


@pytest.fixture
def client_for():
    """A logged-in test client for a user (session auth, as a browser)."""

    def make(user, *, csrf: bool = False, language: str = "de") -> Client:
        client = Client(enforce_csrf_checks=csrf, HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        return client

    return make


# -- LDAP directory: a real slapd, see demo/slapd.py ---------------------------------


def _start_slapd(**kwargs):
    # Imported here: runs without LDAP tests neither load ldap3 nor look for slapd.
    from demo.slapd import SLAPD, Slapd

    if not os.path.exists(SLAPD):
        service_missing(f"{SLAPD} is not installed (apt-get install slapd ldap-utils)")
    server = Slapd(**kwargs)
    try:
        return server.start()
    except BaseException:
        server.cleanup()
        raise


@pytest.fixture(scope="session")
def slapd_server():
    """One slapd for the whole session (dbnosync); tests use it through `ldap_directory`."""
    server = _start_slapd()
    yield server
    server.cleanup()


@pytest.fixture
def ldap_directory(slapd_server, settings):
    """A clean directory for one test, and the settings that point Lernstatt at it.

    Each test gets a fresh subtree `ou=test-N,<suffix>` (with `ou=schools` below it) as
    its LDAP_BASE_DN: creating one costs one ldapadd, and nothing needs deleting after.
    """
    if not slapd_server.running:
        slapd_server.start()  # a test took it down; the data is still there
    directory = slapd_server.subtree()
    settings.LDAP_URL = directory.url
    settings.LDAP_START_TLS = False
    settings.LDAP_BIND_DN = directory.bind_dn
    settings.LDAP_BIND_PASSWORD = directory.bind_password
    settings.LDAP_BASE_DN = directory.base_dn
    return directory


@pytest.fixture
def slapd_factory():
    """Start private servers for one test (to kill one half-way without disturbing others):
    `slapd_factory(durable=False, ous=(...))` returns a started Slapd; all are removed after."""
    servers = []

    def make(**kwargs):
        server = _start_slapd(**kwargs)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.cleanup()
