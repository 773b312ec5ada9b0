"""What a username is: how a typed one is compared, and which names no user may take.

Every login path compares the name as `username_normalise` makes it: the directory login
(the directory login) and the login throttle (django-axes, AXES_USERNAME_CALLABLE),
so that `First.Last` and `first.last ` are one name to both and a lockout cannot be
stepped around by changing case.

A user may not be named like a person's login (a student's or teacher's account in the
directory), or an account could one day be mistaken for the other. The apps that own such
names register a check here in their AppConfig.ready(); core itself knows none of them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

# A check answers whether `username` is taken by something other than the user of that
# name (which may already exist: its own name is not taken from it).
ReservedCheck = Callable[[str], bool]
_RESERVED_CHECKS: list[ReservedCheck] = []


def username_normalise(username: str) -> str:
    """The name as every login path compares it: NFC, no surrounding spaces, lower case."""
    return unicodedata.normalize("NFC", username).strip().lower()


def username_reserved_register(check: ReservedCheck) -> None:
    """Add a check that reserves names (called once, from an AppConfig.ready())."""
    if check not in _RESERVED_CHECKS:
        _RESERVED_CHECKS.append(check)


def username_reserved(username: str) -> bool:
    return any(check(username) for check in _RESERVED_CHECKS)


def validate_username_not_reserved(value: str) -> None:
    """The username field's validator: refuses a name that is a person's login."""
    if value and username_reserved(value):
        raise ValidationError(
            _(
                "%(name)s is the login of a person in the schools' directory. Choose "
                "another username; to let that person log in, link the user to their "
                "directory entry instead."
            )
            % {"name": value},
            code="username_reserved",
        )


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username the login throttle counts failures for (AXES_USERNAME_CALLABLE)."""
    data = credentials if credentials else getattr(request, "POST", {})
    username = data.get("username") if data else None
    return username_normalise(username) if isinstance(username, str) else username
