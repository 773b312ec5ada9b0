"""The add requests Lernstatt encodes itself (accounts/directory/requests.py): the same
bytes ldap3 would send, and entries the real directory stores as sent."""

import ldap3
import pytest
from ldap3.core.exceptions import LDAPEntryAlreadyExistsResult, LDAPSocketSendError
from ldap3.operation.add import add_operation
from ldap3.protocol.rfc4511 import LDAPMessage, MessageID, ProtocolOp
from pyasn1.codec.ber import encoder

from accounts.directory.connection import directory_connect
from accounts.directory.requests import add_request, send_add

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
