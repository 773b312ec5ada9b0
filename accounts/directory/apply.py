"""The second step of a directory sync: make a fresh plan and carry it out, one
idempotent LDAP operation at a time, recording the run in a DirectorySyncRun.

Every operation can be repeated without harm: an add that finds its entry already there
checks that it is Lernstatt's and goes on, a delete of a missing entry counts as done,
a membership change that finds some members already added or removed does the rest.
After each add and move the person's DN and uidNumber are written to the database at
once (not at the end of the run), so a run cut off half-way leaves a state the next
plan matches exactly: it finishes the work without creating anyone twice.

Faults: a change the server refuses (a conflict with an entry Lernstatt does not manage,
a schema violation) is recorded in the run's errors and the run goes on with the next
one. The server going away ends the run: it is recorded as failed with what was done
and an error of code "directory_unavailable". In both cases directory_apply returns the
run and raises nothing; only a missing configuration (DirectoryNotConfigured) is raised,
since then there is no run to record.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import ldap3
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ldap3.core.exceptions import (
    LDAPAttributeOrValueExistsResult,
    LDAPEntryAlreadyExistsResult,
    LDAPException,
    LDAPNoSuchAttributeResult,
    LDAPNoSuchObjectResult,
    LDAPOperationResult,
)
from ldap3.utils.dn import to_dn

from accounts.directory.changes import (
    AddEntry,
    Change,
    DeleteEntry,
    DisableAccount,
    EnableAccount,
    GroupMembership,
    ModifyAttribute,
    MoveEntry,
)
from accounts.directory.connection import directory_configured, directory_connect
from accounts.directory.layout import (
    MANAGED_PERSON_ATTRIBUTES,
    ROLE_OUS,
    password_disabled,
    password_enabled,
)
from accounts.directory.plan import directory_plan
from accounts.handout import initial_passwords_keep
from accounts.models import DirectorySyncRun, DirectorySyncRunStatus, Person
from accounts.passwords import password_generate, password_ldap_hash
from core.errors import (
    DirectoryNotConfigured,
    DirectoryUnavailable,
    LernstattError,
    NotFound,
    PermissionDenied,
)
from core.models import User
from core.permissions import Perm, reaches_school, require, school_ids
from inventory.models import School

Progress = Callable[[int, int], None]
"""Called after each change with (changes handled so far, changes in the plan)."""

# How often a running run's counters reach the database, for whoever watches it.
SAVE_EVERY = 100
# LDAP result codes that mean the server, not the change, is the trouble.
_SERVER_TROUBLE = {51, 52}  # busy, unavailable


class _Refused(LernstattError):
    """The server, or Lernstatt's own check, turned one change down."""

    code = "directory_refused"


def directory_apply(
    *,
    actor: User | None = None,
    school: School | None = None,
    progress: Progress | None = None,
    run_id: int | None = None,
) -> DirectorySyncRun:
    """Make the directory match the database (one school, or all with school=None).
    `run_id`: a run recorded beforehand (directory_sync_queue) to carry out and complete.

    Makes a fresh plan and carries out each change; returns the finished run with its
    status, counts per kind, how many changes were done and the errors. The initial
    passwords of the accounts created are on the returned run as `new_passwords`
    (login → password), in memory only: they are stored nowhere else. Directory faults
    end up in the run, not in an exception; raises DirectoryNotConfigured without a
    configured directory. Running it again right after a succeeded run changes nothing.
    With an actor (not the scheduler), the actor must be allowed to sync, and a
    coordinator only for one of their schools.
    """
    if actor is not None:
        require(actor, Perm.DIRECTORY_SYNC)
        if school is None and school_ids(actor) is not None:
            raise PermissionDenied(_("Choose one of your schools to synchronise."))
        if school is not None and not reaches_school(actor, school.id):
            raise NotFound(_("School not found."))
    if not directory_configured():
        raise DirectoryNotConfigured(
            _("No directory is configured (LDAP_URL and LDAP_BASE_DN are empty).")
        )
    if run_id is not None:
        run = DirectorySyncRun.objects.get(pk=run_id, status=DirectorySyncRunStatus.RUNNING)
    else:
        run = DirectorySyncRun.objects.create(started_by=actor, school=school)
    run.new_passwords = {}
    # No transaction around the run: each database write must stay even if the run is
    # cut off later, or the next plan would not know which entries already exist.
    try:
        plan = directory_plan(school=school)
        run.counts = plan.counts()
        run.total = len(plan)
        run.save(update_fields=["counts", "total"])
        if not plan.is_empty:
            conn = directory_connect()
            try:
                _Applier(conn, run, progress).apply(plan.changes)
            finally:
                _unbind(conn)
    except DirectoryUnavailable as exc:
        run.errors.append({"change": "", "dn": "", "code": exc.code, "message": exc.message})
    except BaseException as exc:
        run.errors.append({"change": "", "dn": "", "code": "error", "message": str(exc)})
        _finish(run)
        raise
    _finish(run)
    return run


def _finish(run: DirectorySyncRun) -> None:
    run.finished_at = timezone.now()
    run.duration = run.finished_at - run.started_at
    run.status = DirectorySyncRunStatus.FAILED if run.errors else DirectorySyncRunStatus.SUCCEEDED
    run.save(update_fields=["finished_at", "duration", "status", "done", "errors"])


def _unbind(conn: ldap3.Connection) -> None:
    # The server may be gone already; there is nothing left to close then.
    with contextlib.suppress(LDAPException):
        conn.unbind()


class _Applier:
    def __init__(
        self, conn: ldap3.Connection, run: DirectorySyncRun, progress: Progress | None
    ) -> None:
        self.conn = conn
        self.run = run
        self.progress = progress

    def apply(self, changes: list[Change]) -> None:
        total = len(changes)
        for handled, change in enumerate(changes, start=1):
            try:
                self._one(change)
            except _Refused as exc:
                self._error(change, exc.code, exc.message)
            except LDAPOperationResult as exc:
                if exc.result in _SERVER_TROUBLE:
                    raise self._unavailable(exc) from exc
                detail = f"{exc.description}: {exc.message}" if exc.message else exc.description
                self._error(change, _Refused.code, str(detail))
            except LDAPException as exc:
                raise self._unavailable(exc) from exc
            else:
                self.run.done += 1
            if handled % SAVE_EVERY == 0:
                self.run.save(update_fields=["done", "errors"])
            if self.progress is not None:
                self.progress(handled, total)

    def _unavailable(self, exc: Exception) -> DirectoryUnavailable:
        return DirectoryUnavailable(
            _("The directory stopped answering after %(done)d of %(total)d changes: %(error)s")
            % {"done": self.run.done, "total": self.run.total, "error": exc}
        )

    def _error(self, change: Change, code: str, message: str) -> None:
        self.run.errors.append(
            {"change": change.describe(), "dn": change.dn, "code": code, "message": message}
        )

    def _one(self, change: Change) -> None:
        if isinstance(change, AddEntry):
            self._add(change)
        elif isinstance(change, ModifyAttribute):
            self._modify(change)
        elif isinstance(change, MoveEntry):
            self._move(change)
        elif isinstance(change, GroupMembership):
            self._membership(change)
        elif isinstance(change, DisableAccount):
            self._password(change.dn, password_disabled)
        elif isinstance(change, EnableAccount):
            self._password(change.dn, password_enabled)
        elif isinstance(change, DeleteEntry):
            # An entry that is gone already is what the change wanted.
            with contextlib.suppress(LDAPNoSuchObjectResult):
                self.conn.delete(change.dn)
        else:
            raise TypeError(f"unknown change {change!r}")

    # -- the operations -----------------------------------------------------------------

    def _add(self, change: AddEntry) -> None:
        attributes = {name: [*values] for name, values in change.attributes.items()}
        object_classes = attributes.pop("objectClass")
        password = None
        if change.person_id is not None:
            password = password_generate()
            attributes["userPassword"] = [password_ldap_hash(password)]
        try:
            self.conn.add(change.dn, object_classes, attributes)
        except LDAPEntryAlreadyExistsResult:
            password = None  # the entry keeps the password it has
            self._check_existing(change)
        if change.person_id is None:
            return
        self._record(
            Person.objects.filter(pk=change.person_id),
            dn=change.dn,
            uid_number=int(change.attributes["uidNumber"][0]),
        )
        if password is not None:
            initial_passwords_keep({change.person_id: password})
            self.run.new_passwords[change.attributes["uid"][0]] = password

    def _check_existing(self, change: AddEntry) -> None:
        """An add found its DN taken: by an earlier, cut-off run (then bring the entry up
        to the plan), or by an entry Lernstatt does not manage (then leave it alone)."""
        if change.person_id is None:
            # An OU or a group: the next plan sees what it lacks.
            return
        found = self._read(change.dn, ["uid", "employeeType"])
        login = change.attributes["uid"][0].lower()
        if (
            found is None
            or [value.lower() for value in found.get("uid", [])] != [login]
            or not set(found.get("employeetype", [])) & set(ROLE_OUS)
        ):
            raise _Refused(
                _("An entry that Lernstatt does not manage already has this name: %(dn)s")
                % {"dn": change.dn}
            )
        managed = {
            name: [(ldap3.MODIFY_REPLACE, [*change.attributes.get(name, ())])]
            for name in MANAGED_PERSON_ATTRIBUTES
        }
        self.conn.modify(change.dn, managed)

    def _move(self, change: MoveEntry) -> None:
        new_rdn, *parent = to_dn(change.new_dn)
        try:
            self.conn.modify_dn(change.dn, new_rdn, new_superior=",".join(parent))
        except LDAPNoSuchObjectResult:
            # Moved by a run that was cut off before it could record it.
            if self._read(change.new_dn, ["uid"]) is None:
                raise
        if change.person_id is None:
            return
        found = self._read(change.new_dn, ["uidNumber"]) or {}
        numbers = [int(value) for value in found.get("uidnumber", []) if value.isdigit()]
        self._record(
            Person.objects.filter(pk=change.person_id),
            dn=change.new_dn,
            uid_number=numbers[0] if numbers else None,
        )

    def _modify(self, change: ModifyAttribute) -> None:
        self.conn.modify(change.dn, {change.attribute: [(ldap3.MODIFY_REPLACE, [*change.new])]})
        if change.attribute == "uidNumber" and change.new and change.new[0].isdigit():
            self._record(Person.objects.filter(dn=change.dn), uid_number=int(change.new[0]))

    def _record(self, people: QuerySet[Person], *, uid_number: int | None, **fields: str) -> None:
        """Write where a person's entry is, at once, for the next plan to match."""
        now = timezone.now()
        if uid_number is None:
            people.update(last_synced_at=now, **fields)
            return
        try:
            with transaction.atomic():
                people.update(uid_number=uid_number, last_synced_at=now, **fields)
        except IntegrityError:
            # Another person got the number meanwhile (a run for another school at the same
            # time); the next plan gives this one a free number.
            people.update(last_synced_at=now, **fields)

    def _membership(self, change: GroupMembership) -> None:
        added, removed = [*change.added], [*change.removed]
        try:
            self._modify_members(change.dn, added, removed)
        except (LDAPAttributeOrValueExistsResult, LDAPNoSuchAttributeResult):
            # Some of it was done already (a cut-off run, or by hand): do what is left.
            found = self._read(change.dn, ["memberUid"])
            if found is None:
                raise
            present = set(found.get("memberuid", []))
            self._modify_members(
                change.dn,
                [login for login in added if login not in present],
                [login for login in removed if login in present],
            )

    def _modify_members(self, dn: str, added: list[str], removed: list[str]) -> None:
        operations = []
        if added:
            operations.append((ldap3.MODIFY_ADD, added))
        if removed:
            operations.append((ldap3.MODIFY_DELETE, removed))
        if operations:
            self.conn.modify(dn, {"memberUid": operations})

    def _password(self, dn: str, switch: Callable[[str], str]) -> None:
        found = self._read(dn, ["userPassword"])
        if found is None:
            raise _Refused(_("The entry %(dn)s does not exist.") % {"dn": dn})
        old = found.get("userpassword", [])
        new = [switch(value) for value in old]
        if new != old:
            self.conn.modify(dn, {"userPassword": [(ldap3.MODIFY_REPLACE, new)]})

    def _read(self, dn: str, attributes: list[str]) -> dict[str, list[str]] | None:
        """One entry's attributes (names lowercased, values as text), None if it is missing."""
        try:
            self.conn.search(dn, "(objectClass=*)", ldap3.BASE, attributes=attributes)
        except LDAPNoSuchObjectResult:
            return None
        if not self.conn.response:
            return None
        raw = self.conn.response[0].get("raw_attributes", {})
        return {
            name.lower(): [
                value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value
                for value in values
            ]
            for name, values in raw.items()
        }
