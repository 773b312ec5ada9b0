"""Small reads of the directory, as Lernstatt's service account: the entries of one uid
(for a login), one entry by its DN (for a link), and which of some uids exist anywhere
below LDAP_BASE_DN (before new logins are handed out)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import ldap3
from django.conf import settings
from django.utils.translation import gettext as _
from ldap3.core.exceptions import LDAPException, LDAPNoSuchObjectResult

from accounts.directory.connection import directory_bind, directory_configured
from accounts.directory.layout import DnKey, dn_key, eq_filter
from core.errors import DirectoryUnavailable

# The uids asked about in one search: a filter of a few hundred terms is quick for slapd.
UIDS_PER_SEARCH = 400
_ATTRIBUTES = ["uid", "employeeType", "entryUUID"]


@dataclass(frozen=True)
class FoundEntry:
    dn: str
    uids: tuple[str, ...]
    employee_types: frozenset[str]
    # Empty where the server has no entryUUID (RFC 4530); the DN is the link then.
    uuid: str

    @cached_property
    def key(self) -> DnKey:
        return dn_key(self.dn)


def _found(item: dict) -> FoundEntry:
    raw = {name.lower(): values for name, values in item["raw_attributes"].items()}

    def texts(name: str) -> list[str]:
        return [
            value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            for value in raw.get(name.lower(), [])
        ]

    uuids = texts("entryUUID")
    return FoundEntry(
        dn=item["dn"],
        uids=tuple(uid.lower() for uid in texts("uid")),
        employee_types=frozenset(value.lower() for value in texts("employeeType")),
        uuid=uuids[0].lower() if uuids else "",
    )


@contextlib.contextmanager
def _service_connection() -> Iterator[ldap3.Connection]:
    try:
        conn = directory_bind(settings.LDAP_BIND_DN or None, settings.LDAP_BIND_PASSWORD or None)
    except LDAPException as exc:
        raise _unavailable(exc) from exc
    try:
        yield conn
    except LDAPNoSuchObjectResult:
        raise
    except LDAPException as exc:
        raise _unavailable(exc) from exc
    finally:
        with contextlib.suppress(LDAPException):
            conn.unbind()


def _unavailable(exc: LDAPException) -> DirectoryUnavailable:
    return DirectoryUnavailable(
        _("The directory at %(url)s cannot be reached: %(error)s")
        % {"url": settings.LDAP_URL, "error": exc}
    )


def _search(conn: ldap3.Connection, base: str, search_filter: str, scope=ldap3.SUBTREE) -> list:
    conn.search(base, search_filter, scope, attributes=_ATTRIBUTES)
    return [_found(item) for item in conn.response if item.get("type") == "searchResEntry"]


def entries_with_uid(uid: str, *, limit: int = 10) -> list[FoundEntry]:
    """Every entry below LDAP_BASE_DN whose uid is `uid` (at most `limit`). Raises
    DirectoryUnavailable when the directory cannot be asked."""
    with _service_connection() as conn:
        conn.search(
            settings.LDAP_BASE_DN,
            eq_filter("uid", uid),
            ldap3.SUBTREE,
            attributes=_ATTRIBUTES,
            size_limit=limit,
        )
        return [_found(item) for item in conn.response if item.get("type") == "searchResEntry"]


def entry_read(dn: str) -> FoundEntry | None:
    """The entry at `dn`, or None when there is none. Raises DirectoryUnavailable when the
    directory cannot be asked."""
    with _service_connection() as conn:
        try:
            found = _search(conn, dn, "(objectClass=*)", ldap3.BASE)
        except LDAPNoSuchObjectResult:
            return None
    return found[0] if found else None


def uids_in_directory(uids: Iterable[str]) -> set[str]:
    """Which of `uids` some entry below LDAP_BASE_DN has (lower case); an empty set when
    no directory is configured. Raises DirectoryUnavailable when it cannot be asked."""
    wanted = sorted({uid.lower() for uid in uids})
    if not wanted or not directory_configured():
        return set()
    present: set[str] = set()
    with _service_connection() as conn:
        for start in range(0, len(wanted), UIDS_PER_SEARCH):
            chunk = wanted[start : start + UIDS_PER_SEARCH]
            terms = "".join(eq_filter("uid", uid) for uid in chunk)
            asked = set(chunk)
            try:
                entries = _search(conn, settings.LDAP_BASE_DN, f"(|{terms})")
            except LDAPNoSuchObjectResult:
                return set()
            for entry in entries:
                present.update(uid for uid in entry.uids if uid in asked)
    return present
