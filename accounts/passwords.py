"""Initial passwords: random, easy to read off a printed class list, never stored in plain
text. The directory gets them as an {SSHA} hash (see password_ldap_hash).

Settings (all optional): LERNSTATT_PASSWORD_LENGTH (10), LERNSTATT_PASSWORD_DIGITS,
LERNSTATT_PASSWORD_UPPER, LERNSTATT_PASSWORD_LOWER (True), LERNSTATT_PASSWORD_SYMBOLS (False).
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings

# Look-alikes are left out (0 O o, 1 l I i |, and others that blur on a printout), and so
# are y and z: they swap places between German and English keyboard layouts.
LOWER = "abcdefghjkmnpqrstuvwx"
UPPER = "ABCDEFGHJKLMNPQRSTUVWX"
DIGITS = "23456789"
# No quotes, backslash or spaces (shells, CSV), and nothing that starts a spreadsheet
# formula (= + - @).
SYMBOLS = "!#%&*?"

SSHA_PREFIX = "{SSHA}"
_SHA1_SIZE = 20
_SALT_SIZE = 8


@dataclass(frozen=True)
class PasswordPolicy:
    """What a generated password looks like. Every enabled kind of character appears at
    least once; the rest are drawn from all enabled kinds."""

    length: int = 10
    digits: bool = True
    upper: bool = True
    lower: bool = True
    symbols: bool = False

    def __post_init__(self) -> None:
        kinds = len(self.alphabets)
        if kinds == 0:
            raise ValueError("A password policy needs at least one kind of character.")
        if self.length < max(kinds, 6):
            raise ValueError("A password needs at least 6 characters and one of each kind.")

    @classmethod
    def from_settings(cls) -> "PasswordPolicy":
        return cls(
            length=getattr(settings, "LERNSTATT_PASSWORD_LENGTH", 10),
            digits=getattr(settings, "LERNSTATT_PASSWORD_DIGITS", True),
            upper=getattr(settings, "LERNSTATT_PASSWORD_UPPER", True),
            lower=getattr(settings, "LERNSTATT_PASSWORD_LOWER", True),
            symbols=getattr(settings, "LERNSTATT_PASSWORD_SYMBOLS", False),
        )

    @property
    def alphabets(self) -> tuple[str, ...]:
        enabled = (
            (self.lower, LOWER),
            (self.upper, UPPER),
            (self.digits, DIGITS),
            (self.symbols, SYMBOLS),
        )
        return tuple(alphabet for on, alphabet in enabled if on)


def password_generate(policy: PasswordPolicy | None = None) -> str:
    """A new random password following the policy (the settings' policy by default),
    drawn from the operating system's secure random source."""
    policy = policy or PasswordPolicy.from_settings()
    alphabets = policy.alphabets
    everything = "".join(alphabets)
    chars = [secrets.choice(alphabet) for alphabet in alphabets]
    chars += [secrets.choice(everything) for _ in range(policy.length - len(chars))]
    # The required characters would otherwise always stand at the front.
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _ssha(password: str, salt: bytes) -> str:
    digest = hashlib.sha1(password.encode() + salt).digest()
    return SSHA_PREFIX + base64.b64encode(digest + salt).decode("ascii")


def password_ldap_hash(password: str) -> str:
    """The password as an LDAP userPassword value in the {SSHA} scheme (salted SHA-1),
    which OpenLDAP's slapd verifies without extra modules: "{SSHA}" + base64(SHA-1(password
    + salt) + salt), with a new random 8-byte salt each time."""
    return _ssha(password, secrets.token_bytes(_SALT_SIZE))


def password_ldap_verify(password: str, hashed: str) -> bool:
    """Whether an {SSHA} value is the hash of this password."""
    if not hashed.startswith(SSHA_PREFIX):
        return False
    try:
        raw = base64.b64decode(hashed[len(SSHA_PREFIX) :], validate=True)
    except ValueError:
        return False
    if len(raw) <= _SHA1_SIZE:
        return False
    return hmac.compare_digest(_ssha(password, raw[_SHA1_SIZE:]), hashed)
