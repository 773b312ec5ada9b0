import ldap3
import pytest
from ldap3.core.exceptions import LDAPInvalidCredentialsResult

from accounts.directory.connection import (
    DirectoryNotConfigured,
    DirectoryUnavailable,
    directory_connect,
    paged_search,
)
from accounts.directory.layout import (
    Layout,
    dn_key,
    eq_filter,
    is_password_disabled,
    password_disabled,
    password_enabled,
)
from accounts.passwords import password_ldap_hash

BASE = "ou=test,dc=lernstatt,dc=test"


def test_person_dn_follows_the_documented_layout():
    layout = Layout(base_dn=BASE)
    assert layout.person_dn("190001", "student", "anna.mueller") == (
        "uid=anna.mueller,ou=students,ou=190001,ou=schools," + BASE
    )
    assert layout.place_of(layout.person_dn("190001", "teacher", "x")) == ("190001", "teacher")
    assert layout.place_of("uid=x,ou=people," + BASE) is None


@pytest.mark.parametrize("class_name", ["Smith, John", "a+b", "*)(uid=*", "O'Brien", "Kl. 5ä"])
def test_group_dn_escapes_special_characters_and_reads_back(class_name):
    layout = Layout(base_dn=BASE)
    dn = layout.group_dn(f"190001-{class_name}", "190001")
    key = dn_key(dn)
    assert key[0] == ("cn", f"190001-{class_name}".lower())
    assert key[1:3] == (("ou", "groups"), ("ou", "190001"))
    assert layout.group_school_of(dn) == "190001"


def test_dn_key_treats_both_escape_spellings_and_case_alike():
    assert dn_key("cn=Smith\\, John,OU=Groups,dc=x") == dn_key("CN=smith\\2C john,ou=groups,dc=x")
    assert dn_key("cn=a,dc=x") != dn_key("cn=b,dc=x")
    # A plain DN (read quickly) and an escaped one (parsed fully) give the same key.
    assert dn_key("uid=Anna,OU=Students,dc=x") == (("uid", "anna"), ("ou", "students"), ("dc", "x"))
    assert dn_key("uid=anna,ou=students,dc=x") == dn_key("uid=an\\6Ea,ou=students,dc=x")


def test_filter_values_are_escaped():
    assert eq_filter("uid", "*)(uid=*") == "(uid=\\2a\\29\\28uid=\\2a)"


def test_disabling_a_password_keeps_the_hash_to_restore_it():
    hashed = password_ldap_hash("geheim123")
    disabled = password_disabled(hashed)
    assert disabled != hashed and disabled.startswith("{SSHA}!")
    assert is_password_disabled(disabled) and not is_password_disabled(hashed)
    assert password_disabled(disabled) == disabled
    assert password_enabled(disabled) == hashed
    assert password_enabled(hashed) == hashed


def test_connect_without_a_configured_directory_raises_a_clear_error(settings):
    settings.LDAP_URL = ""
    with pytest.raises(DirectoryNotConfigured) as info:
        directory_connect()
    assert info.value.code == "directory_not_configured"


@pytest.mark.integration
def test_connect_to_a_server_that_is_not_there_raises_directory_unavailable(settings):
    from demo.slapd import free_port

    settings.LDAP_URL = f"ldap://127.0.0.1:{free_port()}"
    settings.LDAP_BASE_DN = BASE
    settings.LDAP_START_TLS = False
    settings.LDAP_CONNECT_TIMEOUT = 1
    with pytest.raises(DirectoryUnavailable) as info:
        directory_connect()
    assert info.value.code == "directory_unavailable"


def _add_person(directory, login, *, password, sn="Test"):
    dn = f"uid={login},ou=schools,{directory.base_dn}"
    conn = directory.server.connect()
    conn.add(
        dn,
        ["inetOrgPerson", "posixAccount"],
        {
            "cn": "Test",
            "sn": sn,
            "uid": login,
            "uidNumber": 10000,
            "gidNumber": 10000,
            "homeDirectory": f"/home/{login}",
            "userPassword": password_ldap_hash(password),
        },
    )
    return conn, dn


@pytest.mark.integration
def test_a_disabled_password_makes_the_bind_fail_and_enabling_restores_it(ldap_directory):
    conn, dn = _add_person(ldap_directory, "anna", password="Geheim234")
    server = ldap_directory.server
    server.connect(user=dn, password="Geheim234").unbind()

    hashed = server.search(base=dn, scope=ldap3.BASE)[dn]["userPassword"][0]
    conn.modify(dn, {"userPassword": [(ldap3.MODIFY_REPLACE, [password_disabled(hashed)])]})
    with pytest.raises(LDAPInvalidCredentialsResult):
        server.connect(user=dn, password="Geheim234")
    # Nor does the stored value itself work as a password.
    with pytest.raises(LDAPInvalidCredentialsResult):
        server.connect(user=dn, password=password_disabled(hashed))

    conn.modify(dn, {"userPassword": [(ldap3.MODIFY_REPLACE, [hashed])]})
    server.connect(user=dn, password="Geheim234").unbind()
    conn.unbind()


@pytest.mark.integration
def test_an_escaped_filter_with_a_hostile_name_matches_only_that_name(ldap_directory, settings):
    _add_person(ldap_directory, "anna", password="x12345678")[0].unbind()
    _add_person(ldap_directory, "bert", password="x12345678", sn="*)(uid=*")[0].unbind()
    conn = directory_connect()
    base = f"ou=schools,{ldap_directory.base_dn}"
    found = list(
        paged_search(conn, base=base, attributes=["sn"], search_filter=eq_filter("sn", "*)(uid=*"))
    )
    assert [entry.first("sn") for entry in found] == ["*)(uid=*"]
    found = list(
        paged_search(conn, base=base, attributes=["uid"], search_filter=eq_filter("uid", "*"))
    )
    assert found == []
    conn.unbind()


@pytest.mark.integration
def test_paged_search_reads_only_the_asked_attributes_and_a_missing_base_is_empty(ldap_directory):
    _add_person(ldap_directory, "anna", password="x12345678")[0].unbind()
    conn = directory_connect()
    entries = list(
        paged_search(conn, base=f"ou=schools,{ldap_directory.base_dn}", attributes=["uid"])
    )
    anna = next(entry for entry in entries if entry.first("uid") == "anna")
    assert set(anna.attributes) == {"uid"}
    assert (
        list(paged_search(conn, base=f"ou=nowhere,{ldap_directory.base_dn}", attributes=["uid"]))
        == []
    )
    conn.unbind()
