"""The throwaway slapd the directory tests run against (demo/slapd.py)."""

import os
import socket

import ldap3
import pytest
from django.conf import settings
from ldap3.core.exceptions import (
    LDAPEntryAlreadyExistsResult,
    LDAPInvalidCredentialsResult,
    LDAPSocketOpenError,
)

from demo.slapd import SLAPD, Slapd, SlapdError
from tests.conftest import service_missing

pytestmark = pytest.mark.integration


@pytest.fixture
def unstarted_slapd():
    """Servers with their configuration and data written but not started."""
    if not os.path.exists(SLAPD):
        service_missing(f"{SLAPD} is not installed")
    servers = []

    def make(**kwargs) -> Slapd:
        servers.append(Slapd(**kwargs))
        return servers[-1]

    yield make
    for server in servers:
        server.cleanup()


def person_ldif(dn: str, uid: str, password: str = "pw-anna") -> str:
    return (
        f"dn: {dn}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: Anna Müller\nsn: Müller\n"
        f"userPassword: {password}\n"
    )


def test_an_entry_added_with_ldap3_is_found_by_search(ldap_directory):
    dn = f"uid=anna.mueller,ou=schools,{ldap_directory.base_dn}"
    conn = ldap_directory.server.connect()
    conn.add(dn, ["inetOrgPerson"], {"uid": "anna.mueller", "cn": "Anna Müller", "sn": "Müller"})
    conn.unbind()

    found = ldap_directory.search(search_filter="(uid=anna.mueller)")

    assert list(found) == [dn]
    assert found[dn]["cn"] == ["Anna Müller"]


def test_ldif_add_writes_entries_below_the_tests_base(ldap_directory):
    ldap_directory.ldif_add(person_ldif("uid=anna,ou=schools,{base}", "anna"))

    found = ldap_directory.search(search_filter="(uid=anna)", attributes=["uid"])

    assert found == {f"uid=anna,ou=schools,{ldap_directory.base_dn}": {"uid": ["anna"]}}


def test_ldif_add_reports_ldapadds_error(ldap_directory):
    ldif = person_ldif("uid=anna,ou=schools,{base}", "anna")
    ldap_directory.ldif_add(ldif)

    with pytest.raises(SlapdError, match="Already exists"):
        ldap_directory.ldif_add(ldif)


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_a_clean_directory_and_settings_pointing_at_it(ldap_directory, run):
    # The same entry in both runs: the second add fails if the first run's tree is visible.
    ldap_directory.ldif_add(person_ldif("uid=anna,ou=schools,{base}", "anna"))
    base = ldap_directory.base_dn

    assert sorted(ldap_directory.search(attributes=[])) == sorted(
        [base, f"ou=schools,{base}", f"uid=anna,ou=schools,{base}"]
    )
    assert base == settings.LDAP_BASE_DN
    assert ldap_directory.server.url == settings.LDAP_URL
    assert not settings.LDAP_URL.endswith("/")
    conn = ldap3.Connection(
        settings.LDAP_URL, settings.LDAP_BIND_DN, settings.LDAP_BIND_PASSWORD, auto_bind=True
    )
    assert conn.search(base, "(uid=anna)")
    conn.unbind()


def test_a_bind_with_the_wrong_password_fails_and_the_right_one_works(ldap_directory):
    dn = f"uid=anna,ou=schools,{ldap_directory.base_dn}"
    ldap_directory.ldif_add(person_ldif(dn, "anna", password="richtig"))

    with pytest.raises(LDAPInvalidCredentialsResult):
        ldap_directory.server.connect(user=dn, password="falsch")
    with pytest.raises(LDAPInvalidCredentialsResult):
        ldap_directory.server.connect(password="falsch")  # the admin
    conn = ldap_directory.server.connect(user=dn, password="richtig")
    assert conn.bound
    conn.unbind()


def test_a_killed_server_refuses_connections_at_once_and_restarts_with_its_data(slapd_factory):
    server = slapd_factory()
    url = server.url
    dn = f"uid=anna,ou=schools,{server.base_dn}"
    server.ldif_add(person_ldif(dn, "anna"))

    server.kill()
    # Refused by the operating system, not a timeout: nothing listens any more.
    with pytest.raises(LDAPSocketOpenError, match="refused"):
        server.connect(connect_timeout=5)

    server.start()
    assert server.url == url
    assert list(server.search(search_filter="(uid=anna)")) == [dn]


def test_two_servers_run_at_once_with_separate_data(slapd_factory):
    first = slapd_factory()
    second = slapd_factory(suffix="dc=zweite,dc=test")
    first.ldif_add(person_ldif(f"uid=anna,ou=schools,{first.base_dn}", "anna"))

    assert first.url != second.url
    assert first.search(search_filter="(uid=anna)")
    assert second.search(search_filter="(uid=anna)") == {}
    assert f"ou=schools,{second.base_dn}" in second.search(attributes=[])


def test_stop_leaves_no_process_and_cleanup_no_files(slapd_factory):
    server = slapd_factory(ous=("groups",))
    assert f"ou=groups,{server.base_dn}" in server.search(attributes=[])
    pid = server.process.pid

    server.stop()

    assert not server.running
    assert not server.pidfile.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone, not even a zombie: stop() reaped it
    server.cleanup()
    assert not server.dir.exists()


def test_a_server_that_cannot_start_says_why(unstarted_slapd):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = unstarted_slapd(port=taken.getsockname()[1])

        with pytest.raises(SlapdError, match="Address already in use"):
            server.start()
    assert not server.running


@pytest.mark.parametrize(("durable", "nosync"), [(False, True), (True, False)])
def test_only_a_non_durable_server_skips_fsync(unstarted_slapd, durable, nosync):
    server = unstarted_slapd(durable=durable)

    lines = server.conf_path.read_text().splitlines()

    assert ("dbnosync" in lines) is nosync


def test_an_entry_that_exists_cannot_be_added_twice_with_ldap3(ldap_directory):
    # Guards the assumption the sync tests rely on: the server enforces unique DNs.
    dn = f"uid=anna,ou=schools,{ldap_directory.base_dn}"
    conn = ldap_directory.server.connect()
    attrs = {"uid": "anna", "cn": "Anna", "sn": "M"}
    conn.add(dn, ["inetOrgPerson"], attrs)
    with pytest.raises(LDAPEntryAlreadyExistsResult):
        conn.add(dn, ["inetOrgPerson"], attrs)
    conn.unbind()
