"""The connection to the schools' directory, from the LDAP_* settings, and the one paged
search a sync reads the directory with."""

from __future__ import annotations

import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import ldap3
from django.conf import settings
from django.utils.translation import gettext as _
from ldap3.core.exceptions import LDAPException, LDAPNoSuchObjectResult

from accounts.directory.layout import DnKey, dn_key
from core.errors import DirectoryNotConfigured, DirectoryUnavailable

PAGE_SIZE = 1000
# LDAP_TLS_VERIFY: how strictly the server's certificate is checked.
TLS_VERIFY_MODES = {
    "required": ssl.CERT_REQUIRED,
    "optional": ssl.CERT_OPTIONAL,
    "none": ssl.CERT_NONE,
}


@dataclass
class DirectoryEntry:
    """One entry as read: attribute names lowercased, every value a string."""

    dn: str
    attributes: dict[str, list[str]] = field(default_factory=dict)

    def values(self, attribute: str) -> list[str]:
        return self.attributes.get(attribute.lower(), [])

    def first(self, attribute: str) -> str:
        values = self.values(attribute)
        return values[0] if values else ""

    @cached_property
    def key(self) -> DnKey:
        """The DN as the directory compares it (see dn_key), worked out once."""
        return dn_key(self.dn)

    def object_classes(self) -> set[str]:
        return {value.lower() for value in self.values("objectClass")}


def directory_configured() -> bool:
    return bool(settings.LDAP_URL and settings.LDAP_BASE_DN)


def directory_tls() -> ldap3.Tls | None:
    """The TLS settings of the connection (LDAP_CA_FILE, LDAP_TLS_VERIFY); None when the
    connection is plain (ldap:// without StartTLS, only allowed while DEBUG or in the demo)."""
    if settings.LDAP_CA_FILE or settings.LDAP_URL.startswith("ldaps://") or settings.LDAP_START_TLS:
        return ldap3.Tls(
            validate=TLS_VERIFY_MODES[settings.LDAP_TLS_VERIFY],
            ca_certs_file=settings.LDAP_CA_FILE or None,
        )
    return None


def directory_bind(
    user: str | None, password: str | None, *, strategy: str = ldap3.SYNC
) -> ldap3.Connection:
    """A new connection to the configured directory, bound as `user` (anonymously with
    None) over TLS as the LDAP_* settings say. Raises ldap3's LDAPException when the
    server cannot be reached or refuses the bind."""
    server = ldap3.Server(
        settings.LDAP_URL,
        connect_timeout=settings.LDAP_CONNECT_TIMEOUT,
        get_info=ldap3.NONE,
        tls=directory_tls(),
    )
    return ldap3.Connection(
        server,
        user=user,
        password=password,
        client_strategy=strategy,
        # An ASYNC connection's receiving thread spins forever on a closed socket when it
        # has a receive timeout (ldap3 2.9); its waits are timed by get_response instead.
        receive_timeout=settings.LDAP_TIMEOUT if strategy == ldap3.SYNC else None,
        raise_exceptions=True,
        # One directory: a referral is answered as the error it is here, never followed
        # (accounts.directory.requests relies on it).
        auto_referrals=False,
        auto_bind=(
            ldap3.AUTO_BIND_TLS_BEFORE_BIND
            if settings.LDAP_START_TLS and settings.LDAP_URL.startswith("ldap://")
            else ldap3.AUTO_BIND_NO_TLS
        ),
    )


def directory_connect(*, strategy: str = ldap3.SYNC) -> ldap3.Connection:
    """A bound connection to the configured directory (ldap3.ASYNC `strategy`: requests
    return message ids, for keeping several in flight).

    Raises DirectoryNotConfigured without LDAP_URL or LDAP_BASE_DN, and
    DirectoryUnavailable when the server cannot be reached or refuses the bind."""
    if not directory_configured():
        raise DirectoryNotConfigured(
            _("No directory is configured (LDAP_URL and LDAP_BASE_DN are empty).")
        )
    try:
        conn = directory_bind(
            settings.LDAP_BIND_DN or None, settings.LDAP_BIND_PASSWORD or None, strategy=strategy
        )
    except LDAPException as exc:
        raise DirectoryUnavailable(
            _("The directory at %(url)s cannot be reached: %(error)s")
            % {"url": settings.LDAP_URL, "error": exc}
        ) from exc
    return conn


def paged_search(
    conn: ldap3.Connection,
    *,
    base: str,
    attributes: Sequence[str],
    search_filter: str = "(objectClass=*)",
) -> Iterator[DirectoryEntry]:
    """Every entry below `base` (the base included), PAGE_SIZE entries per round trip,
    with only `attributes` read. A missing base yields nothing."""
    try:
        results = conn.extend.standard.paged_search(
            search_base=base,
            search_filter=search_filter,
            search_scope=ldap3.SUBTREE,
            attributes=list(attributes),
            paged_size=PAGE_SIZE,
            generator=True,
        )
        for result in results:
            if result.get("type") != "searchResEntry":
                continue
            yield DirectoryEntry(
                dn=result["dn"],
                attributes={
                    name.lower(): [_text(value) for value in values]
                    for name, values in result["raw_attributes"].items()
                },
            )
    except LDAPNoSuchObjectResult:
        return
    except LDAPException as exc:
        raise DirectoryUnavailable(
            _("Reading the directory failed: %(error)s") % {"error": exc}
        ) from exc


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value
