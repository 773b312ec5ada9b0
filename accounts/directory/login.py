"""Logging in to Lernstatt with the directory password.

`DirectoryBackend` comes after Django's ModelBackend in AUTHENTICATION_BACKENDS. It finds
the entries of the typed uid below LDAP_BASE_DN (one search, as Lernstatt's service
account), keeps those that stand for a Lernstatt user through a stored link, and binds as
each of them with the password given, on a new connection: the directory alone judges the
password. A user is never found by matching the typed name to a username. The links:

- a teacher's or staff member's own entry, the one Lernstatt made for that Person (the
  person's `dn`): it stands for the person's user (`Person.user`). That user is made at
  the first login (role teacher, the person's school) and follows the person's name and
  school while it stays a teacher's user. The person's status is checked at every login:
  only an active or tolerated teacher or staff member logs in.
- any other entry: it stands for the user an IT admin linked to it (`User.directory_dn`
  and `directory_uuid`, set on the user's admin page or with `manage.py directory_link`).
  An entry nobody linked logs nobody in.

Students never log in to Lernstatt, a deactivated user stays locked out, and when the
password fits more than one linked entry nobody is logged in. Without a configured or
reachable directory the backend steps aside (returns None), so local passwords still
work. Neither a password nor what was typed with it is ever logged.
"""

from __future__ import annotations

import contextlib
import logging

from django.contrib.auth.backends import ModelBackend
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from ldap3.core.exceptions import LDAPBindError, LDAPException, LDAPInvalidCredentialsResult

from accounts.directory.connection import directory_bind, directory_configured
from accounts.directory.layout import dn_key
from accounts.directory.lookup import FoundEntry, entries_with_uid
from accounts.models import Person, PersonRole
from core.errors import DirectoryUnavailable
from core.models import Role, User
from core.usernames import username_normalise

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
        uid = username_normalise(username)
        try:
            entries = entries_with_uid(uid)
        except DirectoryUnavailable as exc:
            _unavailable(exc)
            return None
        linked = [(entry, who) for entry in entries if (who := _linked(entry)) is not None]
        fitting = [(entry, who) for entry, who in linked if _password_works(entry.dn, password)]
        if len(fitting) != 1:
            if len(fitting) > 1:
                logger.warning("A directory login was refused: its password fits several entries.")
            return None
        entry, who = fitting[0]
        if isinstance(who, Person):
            return _person_user(who, entry)
        if entry.uuid and not who.directory_uuid:
            # A link made by its DN on the admin page holds on to this entry from now on.
            who.directory_uuid = entry.uuid
            who.save(update_fields=["directory_uuid"])
        return who


def _linked(entry: FoundEntry) -> Person | User | None:
    """Who the entry stands for: a teacher's or staff member's Person (for their own entry),
    or the active user linked to it; None for an entry that logs nobody in."""
    person = entry_person(entry)
    if person is not None:
        if person.role not in LOGIN_ROLES or not person.has_working_account:
            return None
        if person.user is not None and not person.user.is_active:
            return None
        return person
    if PersonRole.STUDENT in entry.employee_types:
        return None
    user = _linked_user(entry)
    if user is None or not user.is_active:
        return None
    # A person's user logs in through that person's own entry only: an entry left behind
    # (a deleted person's, until the sync removes it) or another one is not theirs.
    if Person.objects.filter(user=user).exists():
        return None
    return user


def entry_person(entry: FoundEntry) -> Person | None:
    """The person whose own entry this is: their login is one of its uids and their DN the
    entry's (a person's DN is written by the directory sync alone)."""
    for person in Person.objects.select_related("school", "user").filter(login__in=entry.uids):
        if person.dn and dn_key(person.dn) == entry.key:
            return person
    return None


def _linked_user(entry: FoundEntry) -> User | None:
    """The user linked to the entry: by entryUUID where both have one, else by DN."""
    if entry.uuid:
        user = User.objects.filter(directory_uuid=entry.uuid).first()
        if user is not None:
            return user
    for user in User.objects.filter(directory_uuid="").exclude(directory_dn=""):
        if dn_key(user.directory_dn) == entry.key:
            return user
    return None


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


def _unavailable(exc: Exception) -> None:
    # The exception's text comes from the server or the socket, never from the request.
    logger.warning(
        "The directory could not be asked about a login (%s: %s); only local passwords "
        "work until it answers again.",
        type(exc).__name__,
        exc,
    )


def _person_user(person: Person, entry: FoundEntry) -> User | None:
    """The person's user, made now if they have none; None when the person's login is
    already another user's name (an IT admin links the two by hand then)."""
    user = person.user
    if user is None:
        try:
            user = _teacher_user_create(person, entry)
        except IntegrityError:
            # A second first login at the same moment made the user; take that one.
            person.refresh_from_db(fields=["user"])
            user = person.user
        if user is None:
            logger.warning(
                "A directory login was refused: the login of person %d is the name of "
                "another Lernstatt user. An IT admin can link them (manage.py directory_link).",
                person.pk,
            )
            return None
    elif (user.directory_dn, user.directory_uuid) != (entry.dn, entry.uuid):
        user.directory_dn, user.directory_uuid = entry.dn, entry.uuid
        user.save(update_fields=["directory_dn", "directory_uuid"])
    if user.role == Role.TEACHER:
        _teacher_user_update(user, person)
    return user


@transaction.atomic
def _teacher_user_create(person: Person, entry: FoundEntry) -> User | None:
    if User.objects.filter(username__iexact=person.login).exists():
        return None
    user = User(
        username=person.login,
        role=Role.TEACHER,
        first_name=person.first_name,
        last_name=person.last_name,
        directory_dn=entry.dn,
        directory_uuid=entry.uuid,
    )
    # The directory holds the password; a local one is never set.
    user.set_unusable_password()
    user.save()
    user.schools.set([person.school])
    # Only if the person has no user yet: two first logins at once make one link.
    if not Person.objects.filter(pk=person.pk, user__isnull=True).update(user=user):
        raise IntegrityError("the person got a user at the same time")
    person.user = user
    return user


def _teacher_user_update(user: User, person: Person) -> None:
    """A teacher's user follows the person: name and school."""
    if (user.first_name, user.last_name) != (person.first_name, person.last_name):
        user.first_name, user.last_name = person.first_name, person.last_name
        user.save(update_fields=["first_name", "last_name"])
    if list(user.schools.values_list("pk", flat=True)) != [person.school_id]:
        user.schools.set([person.school])
