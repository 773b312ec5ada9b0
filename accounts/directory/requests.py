"""Add requests sent on an ldap3 ASYNC connection without ldap3's encoder.

ldap3 builds every request as a tree of pyasn1 objects and encodes it in pure Python: for
an add of a person's entry that is about two thirds of the CPU time a directory apply
spends per entry, enough to leave a durable directory server waiting. An AddRequest is a
small, fixed BER structure (RFC 4511, section 4.7), so it is written here directly and
sent on the connection's socket; ldap3's receiving thread then reads the answer as it
reads every other one, and `get_response` hands it back as usual. Everything else (binds,
searches, modifications) still goes through ldap3.

Sending a request past ldap3 means writing into its private bookkeeping of outstanding
requests (`_outstanding`, `_add_event_for_message`), as ldap3 VERIFIED_LDAP3 keeps it; the
project pins that version. With any other ldap3, with a strategy lacking those internals,
or on a connection that follows referrals (ldap3 would re-send the kept request to the
referred server, and the kept request here is not a whole one), the add goes through
`conn.add` instead: slower, never wrong. Lernstatt's own connections follow no referrals
(directory_connect).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import ldap3
from ldap3.core.exceptions import LDAPSocketSendError

_SEQUENCE = 0x30
_SET = 0x31
_INTEGER = 0x02
_OCTET_STRING = 0x04
_ADD_REQUEST = 0x68  # [APPLICATION 8], constructed
# The ldap3 whose internals send_add was checked against (test_directory_requests.py).
VERIFIED_LDAP3 = "2.9.1"


def _tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


def _octets(value: str | bytes) -> bytes:
    return _tlv(_OCTET_STRING, value.encode() if isinstance(value, str) else value)


def add_request(message_id: int, dn: str, attributes: Mapping[str, Iterable[str | bytes]]) -> bytes:
    """The BER encoding of an LDAPMessage carrying an AddRequest of `dn` with `attributes`
    (names to their values, text as UTF-8), as ldap3 would encode it."""
    attribute_list = b"".join(
        _tlv(_SEQUENCE, _octets(name) + _tlv(_SET, b"".join(_octets(v) for v in values)))
        for name, values in attributes.items()
    )
    operation = _tlv(_ADD_REQUEST, _octets(dn) + _tlv(_SEQUENCE, attribute_list))
    number = message_id.to_bytes(message_id.bit_length() // 8 + 1, "big")
    return _tlv(_SEQUENCE, _tlv(_INTEGER, number) + operation)


def send_add(
    conn: ldap3.Connection, dn: str, attributes: Mapping[str, Iterable[str | bytes]]
) -> int:
    """Send an add of `dn` on an ASYNC connection and return its message id, for
    `conn.get_response` as with `conn.add`. A connection that is not (or no longer) open
    raises ldap3's LDAPSocketSendError, as ldap3 itself would. Where the encoder cannot be
    used safely (see the module docstring), `conn.add` sends it."""
    strategy = conn.strategy
    if not conn.listening or conn.socket is None:
        raise LDAPSocketSendError("unable to send message, socket is not open")
    if not encoder_usable(conn):
        return conn.add(dn, attributes={name: list(values) for name, values in attributes.items()})
    message_id = conn.server.next_message_id()
    # What ldap3 keeps of a request it sent: get_response looks the message up here.
    strategy._outstanding[message_id] = {"type": "addRequest", "entry": dn}
    strategy._add_event_for_message(message_id)
    try:
        conn.socket.sendall(add_request(message_id, dn, attributes))
    except OSError as exc:
        raise LDAPSocketSendError(f"socket sending error: {exc}") from exc
    return message_id


def encoder_usable(conn: ldap3.Connection) -> bool:
    """Whether send_add may write its own request on `conn`: the verified ldap3, an
    asynchronous strategy with the internals it writes into, and no referral following."""
    strategy = conn.strategy
    return (
        ldap3.__version__ == VERIFIED_LDAP3
        and not conn.auto_referrals
        and isinstance(getattr(strategy, "_outstanding", None), dict)
        and callable(getattr(strategy, "_add_event_for_message", None))
    )
