"""A new password for a person whose password is lost: written to the directory at once
and shown once to whoever reset it; Lernstatt stores it nowhere."""

import contextlib
import logging
from typing import NamedTuple

import ldap3
from django.utils.translation import gettext as _
from ldap3.core.exceptions import LDAPException, LDAPNoSuchObjectResult, LDAPOperationResult

from accounts.access_log import access_log_record
from accounts.directory.connection import directory_configured, directory_connect
from accounts.handout import initial_passwords_drop
from accounts.models import AccessAction, AccessVia, Person
from accounts.passwords import password_generate, password_ldap_hash
from accounts.people.selectors import people_scope
from core.errors import (
    Conflict,
    DirectoryNotConfigured,
    DirectoryUnavailable,
    LernstattError,
    NotFound,
)
from core.models import User
from core.permissions import Perm, has, outranks, reaches_school

logger = logging.getLogger(__name__)

# LDAP result codes that mean the server, not the request, is the trouble.
_SERVER_TROUBLE = {51, 52}  # busy, unavailable


class NewPassword(NamedTuple):
    login: str
    password: str


def password_reset_allowed(actor: User, person: Person) -> bool:
    """Whether the actor may set a new password for the person: the one rule for the
    reset itself, its page and its button.

    An actor allowed to reset passwords, for a person of one of their schools; an actor
    who may not edit people (a teacher) only for students, never for a teacher's or staff
    member's account. And never for the account of a Lernstatt user who outranks the
    actor (outranks), since the new password would log the actor in as
    that user."""
    if not has(actor, Perm.PASSWORD_RESET) or not reaches_school(actor, person.school_id):
        return False
    if not person.is_student and not has(actor, Perm.PERSON_EDIT):
        return False
    return person.user is None or not outranks(person.user, actor)


def password_reset_refusal(actor: User, person: Person | None) -> LernstattError | None:
    """Why the actor cannot reset the person's password now, or None when they can: the
    one rule behind the reset and its button. Someone the actor may not reset is not
    found; an account that does not work, or has no directory entry yet, is a conflict;
    without a directory (LDAP_URL) nobody can reset."""
    if person is None or not password_reset_allowed(actor, person):
        return NotFound(_("Person not found."))
    if not person.has_working_account:
        return Conflict(
            _("The account of %(name)s is %(status)s: its password cannot be reset.")
            % {"name": person.full_name, "status": person.get_status_display().lower()},
            code="account_not_working",
        )
    if not person.dn:
        return Conflict(
            _(
                "%(name)s has no account in the directory yet. The directory sync creates "
                "it, with an initial password for the class list."
            )
            % {"name": person.full_name},
            code="no_directory_entry",
        )
    if not directory_configured():
        return DirectoryNotConfigured(
            _("Lernstatt is not connected to a directory here, so no password can be reset.")
        )
    return None


def password_reset(*, actor: User, person_id: int, via: str = AccessVia.API) -> NewPassword:
    """Give the person a new random password in the directory and return it with the
    login, to be shown once; it is stored nowhere and never logged.

    Who: see password_reset_allowed; for anyone else the person is not found (404), a
    role without the capability gets 403. The person must have a working
    account (active or tolerated) with an entry in the directory, else 409. The
    directory out of reach is 503 and changes nothing. A kept initial password of the
    person is forgotten, since it no longer works; the reset is logged (who, whose) and
    recorded in the access log with `via`."""
    people = people_scope(
        Person.objects.select_related("school", "user"), actor, Perm.PASSWORD_RESET
    )
    person = people.filter(pk=person_id).first()
    refusal = password_reset_refusal(actor, person)
    if refusal is not None:
        raise refusal
    password = password_generate()
    _write_password(person, password)
    initial_passwords_drop([person.pk])
    access_log_record(actor=actor, action=AccessAction.PASSWORD_RESET, via=via, people=[person])
    logger.info(
        "Password of %s (person %d, school %s) reset by %s",
        person.login,
        person.pk,
        person.school.number,
        actor.username,
    )
    return NewPassword(login=person.login, password=password)


def _write_password(person: Person, password: str) -> None:
    conn = directory_connect()
    try:
        conn.modify(
            person.dn, {"userPassword": [(ldap3.MODIFY_REPLACE, [password_ldap_hash(password)])]}
        )
    except LDAPNoSuchObjectResult as exc:
        raise Conflict(
            _(
                "The directory has no entry %(dn)s for %(name)s. Run the directory sync, "
                "then reset the password again."
            )
            % {"dn": person.dn, "name": person.full_name},
            code="no_directory_entry",
        ) from exc
    except LDAPOperationResult as exc:
        if exc.result in _SERVER_TROUBLE:
            raise _unavailable(exc) from exc
        raise DirectoryUnavailable(
            _("The directory refused the new password: %(error)s") % {"error": exc.description}
        ) from exc
    except LDAPException as exc:
        raise _unavailable(exc) from exc
    finally:
        with contextlib.suppress(LDAPException):
            conn.unbind()


def _unavailable(exc: Exception) -> DirectoryUnavailable:
    return DirectoryUnavailable(
        _("The directory cannot be reached, the password is unchanged: %(error)s") % {"error": exc}
    )
