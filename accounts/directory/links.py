"""Linking a Lernstatt user to a directory entry, so that the entry's password logs them
in (the directory login). Only an IT admin makes a link: on the user's admin page
(the DN; the entryUUID is read at the first login) or with `manage.py directory_link`
(both at once)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.directory.layout import dn_key
from accounts.directory.login import LOGIN_ROLES, entry_person
from accounts.directory.lookup import entry_read
from accounts.models import Person, PersonRole
from core.errors import Conflict, NotFound
from core.models import User
from core.permissions import Perm, require


def directory_link(*, actor: User, user: User, dn: str) -> User:
    """Link `user` to the entry at `dn`: its DN and entryUUID are stored on the user. When
    the entry is a teacher's or staff member's own (one Lernstatt made), the user becomes
    that person's user. Only an IT admin may link (PermissionDenied otherwise).

    NotFound when there is no entry at `dn`; Conflict for a student's entry, for an entry
    already linked to another user, and for a person who already has another user.
    DirectoryUnavailable when the directory cannot be asked."""
    require(actor, Perm.ADMIN_SITE)
    entry = entry_read(dn)
    if entry is None:
        raise NotFound(_("The directory has no entry %(dn)s.") % {"dn": dn})
    if PersonRole.STUDENT in entry.employee_types:
        raise Conflict(_("%(dn)s is a student's entry: students do not log in.") % {"dn": dn})
    person = entry_person(entry)
    if person is not None and person.role not in LOGIN_ROLES:
        raise Conflict(_("%(dn)s is a student's entry: students do not log in.") % {"dn": dn})
    if person is not None and person.user_id not in (None, user.pk):
        raise Conflict(
            _("%(dn)s belongs to %(name)s, who already has another Lernstatt user.")
            % {"dn": dn, "name": person.full_name}
        )
    others = User.objects.exclude(pk=user.pk)
    if entry.uuid and others.filter(directory_uuid=entry.uuid).exists():
        raise Conflict(_("%(dn)s is already linked to another user.") % {"dn": dn})
    if any(dn_key(other) == entry.key for other in others.values_list("directory_dn", flat=True)):
        raise Conflict(_("%(dn)s is already linked to another user.") % {"dn": dn})
    with transaction.atomic():
        user.directory_dn, user.directory_uuid = entry.dn, entry.uuid
        user.save(update_fields=["directory_dn", "directory_uuid"])
        if person is not None:
            Person.objects.filter(pk=person.pk).update(user=user)
    return user


def directory_unlink(*, actor: User, user: User) -> User:
    """Remove the user's link, also to a person: from now on only a local password logs
    them in."""
    require(actor, Perm.ADMIN_SITE)
    with transaction.atomic():
        user.directory_dn, user.directory_uuid = "", ""
        user.save(update_fields=["directory_dn", "directory_uuid"])
        Person.objects.filter(user=user).update(user=None)
    return user
