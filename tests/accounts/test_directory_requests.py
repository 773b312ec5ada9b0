"""The add requests Lernstatt encodes itself (accounts/directory/requests.py): the same
bytes ldap3 would send, and entries the real directory stores as sent."""

from pathlib import Path

import ldap3
import pytest
from ldap3.core.exceptions import LDAPEntryAlreadyExistsResult, LDAPSocketSendError
from ldap3.operation.add import add_operation
from ldap3.protocol.rfc4511 import LDAPMessage, MessageID, ProtocolOp
from pyasn1.codec.ber import encoder

from accounts.directory.connection import directory_connect
from accounts.directory.requests import VERIFIED_LDAP3, add_request, encoder_usable, send_add

ATTRIBUTES = {
    "objectClass": ["inetOrgPerson", "posixAccount"],
    "cn": ["Zoë O'Brien-Müller"],
    "sn": ["O'Brien-Müller"],
    "uid": ["zoe.obrien"],
    "uidNumber": ["10001"],
    "gidNumber": ["10000"],
    "homeDirectory": ["/home/190001/zoe.obrien"],
    "description": ["Smith, John *)(uid=*) a+b " * 20],  # a value over 255 bytes
}


def ldap3_encoding(message_id: int, dn: str, attributes: dict) -> bytes:
    message = LDAPMessage()
    message["messageID"] = MessageID(message_id)
    request = add_operation(dn, attributes, True, None, None, False)
    message["protocolOp"] = ProtocolOp().setComponentByName("addRequest", request)
    return encoder.encode(message)


@pytest.mark.parametrize("message_id", [1, 127, 128, 255, 256, 65_535, 2**31 - 1])
def test_an_add_request_is_encoded_byte_for_byte_as_ldap3_encodes_it(message_id):
    dn = "uid=zoe.obrien,ou=students,ou=190001,ou=schools,dc=example,dc=org"
    assert add_request(message_id, dn, ATTRIBUTES) == ldap3_encoding(message_id, dn, ATTRIBUTES)


def test_a_group_with_hundreds_of_members_is_encoded_as_ldap3_encodes_it():
    dn = "cn=190001-students,ou=groups,ou=190001,ou=schools,dc=example,dc=org"
    attributes = {
        "objectClass": ["posixGroup"],
        "cn": ["190001-students"],
        "gidNumber": ["10000"],
        "memberUid": [f"schueler.{n}" for n in range(2000)],  # a length of three bytes
    }
    assert add_request(42, dn, attributes) == ldap3_encoding(42, dn, attributes)


@pytest.mark.integration
def test_an_entry_sent_with_send_add_is_stored_as_sent_and_a_second_add_is_refused(
    ldap_directory,
):
    conn = directory_connect(strategy=ldap3.ASYNC)
    dn = f"uid=zoe.obrien,{ldap_directory.base_dn}"
    attributes = {**ATTRIBUTES, "objectClass": ["inetOrgPerson", "posixAccount", "top"]}
    try:
        _response, result = conn.get_response(send_add(conn, dn, attributes))
        assert result["result"] == 0
        with pytest.raises(LDAPEntryAlreadyExistsResult):
            conn.get_response(send_add(conn, dn, attributes))
    finally:
        conn.unbind()

    stored = ldap_directory.search(base=dn)
    entry = next(iter(stored.values()))
    assert entry["cn"] == ["Zoë O'Brien-Müller"]
    assert entry["description"] == ATTRIBUTES["description"]


@pytest.mark.integration
def test_send_add_on_a_closed_connection_raises_ldap3s_send_error(ldap_directory):
    conn = directory_connect(strategy=ldap3.ASYNC)
    conn.unbind()
    with pytest.raises(LDAPSocketSendError):
        send_add(conn, f"uid=x,{ldap_directory.base_dn}", {"objectClass": ["top"]})


def test_the_pinned_ldap3_is_the_one_the_encoder_was_verified_against():
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()

    assert f'"ldap3=={VERIFIED_LDAP3}"' in pyproject
    assert ldap3.__version__ == VERIFIED_LDAP3


@pytest.mark.integration
def test_lernstatts_directory_connections_follow_no_referrals(ldap_directory):
    for strategy in (ldap3.SYNC, ldap3.ASYNC):
        conn = directory_connect(strategy=strategy)
        try:
            assert conn.auto_referrals is False
        finally:
            conn.unbind()


def _stored_through(conn, ldap_directory, uid):
    dn = f"uid={uid},{ldap_directory.base_dn}"
    attributes = {**ATTRIBUTES, "uid": [uid], "objectClass": ["inetOrgPerson", "posixAccount"]}
    try:
        _response, result = conn.get_response(send_add(conn, dn, attributes))
        assert result["result"] == 0
        with pytest.raises(LDAPEntryAlreadyExistsResult):
            conn.get_response(send_add(conn, dn, attributes))
    finally:
        conn.unbind()
    return next(iter(ldap_directory.search(base=dn).values()))


@pytest.mark.integration
def test_with_another_ldap3_the_add_goes_through_ldap3_itself(ldap_directory, monkeypatch):
    monkeypatch.setattr(ldap3, "__version__", "2.10.0")
    conn = directory_connect(strategy=ldap3.ASYNC)
    assert not encoder_usable(conn)
    sent_by_ldap3 = []
    original = conn.add
    monkeypatch.setattr(conn, "add", lambda *a, **kw: sent_by_ldap3.append(a) or original(*a, **kw))

    entry = _stored_through(conn, ldap_directory, "zoe.fallback")

    assert len(sent_by_ldap3) == 2
    assert entry["cn"] == ["Zoë O'Brien-Müller"]
    assert entry["description"] == ATTRIBUTES["description"]


@pytest.mark.integration
def test_a_connection_that_follows_referrals_gets_ldap3s_own_add(ldap_directory, monkeypatch):
    conn = directory_connect(strategy=ldap3.ASYNC)
    assert encoder_usable(conn)
    conn.auto_referrals = True
    assert not encoder_usable(conn)

    entry = _stored_through(conn, ldap_directory, "zoe.referrals")

    assert entry["sn"] == ["O'Brien-Müller"]


@pytest.mark.integration
def test_a_strategy_without_the_internals_gets_ldap3s_own_add(ldap_directory, monkeypatch):
    conn = directory_connect(strategy=ldap3.ASYNC)
    monkeypatch.delattr(type(conn.strategy), "_add_event_for_message")

    assert not encoder_usable(conn)
    conn.unbind()
