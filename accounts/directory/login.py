"""Logging in to Lernstatt with the directory password.

`DirectoryBackend` comes after Django's ModelBackend in AUTHENTICATION_BACKENDS. It finds
the directory entry of the login with one search below LDAP_BASE_DN (as Lernstatt's
service account) and then binds as that entry with the password given, on a new
connection: the directory alone judges the password. Who may log in this way:

- an active teacher or staff member (a Person) whose login it is: their Lernstatt user of
  the same name is created on the first login (role teacher, their school) and kept in
  step with the person afterwards, as long as it stays a teacher's user;
- an existing, active Lernstatt user of any role (an IT admin, say) with an entry of that
  uid in the directory.

Students never log in to Lernstatt; disabled and deleted people cannot, since the
directory refuses their bind. A user deactivated in Lernstatt stays locked out. Without a
configured or reachable directory the backend steps aside (returns None), so local
passwords still work. Neither a password nor what was typed with it is ever logged.
"""

from __future__ import annotations

import contextlib
import logging

import ldap3
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.http import HttpRequest
from ldap3.core.exceptions import LDAPBindError, LDAPException, LDAPInvalidCredentialsResult

from accounts.directory.connection import directory_bind, directory_configured
from accounts.directory.layout import dn_key, eq_filter
from accounts.models import Person, PersonRole, PersonStatus
from core.models import Role, User

logger = logging.getLogger(__name__)

MAX_USERNAME_LENGTH = 150
# Roles whose people may log in to Lernstatt with their directory password.
LOGIN_ROLES = (PersonRole.TEACHER, PersonRole.STAFF)


class DirectoryBackend(ModelBackend):
    """Authenticates against the schools' directory; see the module docstring."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs,
    ) -> User | None:
        username = username or kwargs.get(User.USERNAME_FIELD)
        # An empty password would be an anonymous bind, which a directory accepts.
        if not username or not password or len(username) > MAX_USERNAME_LENGTH:
            return None
        if not directory_configured():
            return None
        person, user = _candidates(username)
        if person is None and user is None:
            return None
        dn = _entry_dn(username, person)
        if dn is None or not _password_works(dn, password):
            return None
        if user is None:
            return _teacher_user_create(person)
        if person is not None and user.role == Role.TEACHER:
            _teacher_user_update(user, person)
        return user


def _candidates(username: str) -> tuple[Person | None, User | None]:
    """The teacher or staff member whose login this is (if active), and the existing
    active user of that name. A student's login names nobody: a student has no Lernstatt
    login, not even through a user who happens to have the same name."""
    person = (
        Person.objects.select_related("school")
        .filter(login=username.lower())
        .exclude(status=PersonStatus.DELETED)
        .first()
    )
    if person is not None and person.role not in LOGIN_ROLES:
        return None, None
    if person is not None and person.status != PersonStatus.ACTIVE:
        person = None
    user = User.objects.filter(username=username).first()
    if user is not None and not user.is_active:
        return None, None
    if person is not None and user is None:
        user = User.objects.filter(username=person.login).first()
        if user is not None and not user.is_active:
            return None, None
    return person, user


def _entry_dn(username: str, person: Person | None) -> str | None:
    """The DN of the one entry with this uid below LDAP_BASE_DN, read with Lernstatt's
    service account; None when there is none, more than one, a student's, or (for a
    person) not the person's own entry, and when the directory cannot be reached."""
    try:
        conn = directory_bind(settings.LDAP_BIND_DN or None, settings.LDAP_BIND_PASSWORD or None)
    except LDAPException as exc:
        _unavailable(exc)
        return None
    try:
        conn.search(
            settings.LDAP_BASE_DN,
            eq_filter("uid", username),
            ldap3.SUBTREE,
            attributes=["employeeType"],
            size_limit=2,
        )
        entries = [item for item in conn.response if item.get("type") == "searchResEntry"]
    except LDAPException as exc:
        _unavailable(exc)
        return None
    finally:
        with contextlib.suppress(LDAPException):
            conn.unbind()
    if len(entries) != 1:
        if entries:
            logger.warning("A directory login was refused: its uid names several entries.")
        return None
    dn = entries[0]["dn"]
    types = {str(value).lower() for value in entries[0]["attributes"].get("employeeType", [])}
    if PersonRole.STUDENT in types:
        return None
    if person is not None and (not person.dn or dn_key(person.dn) != dn_key(dn)):
        return None
    return dn


def _password_works(dn: str, password: str) -> bool:
    """Whether the directory accepts this password for the entry `dn`."""
    try:
        conn = directory_bind(dn, password)
    except (LDAPBindError, LDAPInvalidCredentialsResult):
        return False
    except LDAPException as exc:
        _unavailable(exc)
        return False
    with contextlib.suppress(LDAPException):
        conn.unbind()
    return True


def _unavailable(exc: LDAPException) -> None:
    # The exception's text comes from the server or the socket, never from the request.
    logger.warning(
        "The directory could not be asked about a login (%s: %s); only local passwords "
        "work until it answers again.",
        type(exc).__name__,
        exc,
    )


@transaction.atomic
def _teacher_user_create(person: Person) -> User:
    user, created = User.objects.get_or_create(
        username=person.login,
        defaults={
            "role": Role.TEACHER,
            "first_name": person.first_name,
            "last_name": person.last_name,
        },
    )
    if created:
        # The directory holds the password; a local one is never set.
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.schools.set([person.school])
    elif user.role == Role.TEACHER:
        _teacher_user_update(user, person)
    return user


def _teacher_user_update(user: User, person: Person) -> None:
    """A teacher's user follows the person: name and school."""
    if (user.first_name, user.last_name) != (person.first_name, person.last_name):
        user.first_name, user.last_name = person.first_name, person.last_name
        user.save(update_fields=["first_name", "last_name"])
    if list(user.schools.values_list("pk", flat=True)) != [person.school_id]:
        user.schools.set([person.school])
