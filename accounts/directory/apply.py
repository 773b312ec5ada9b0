"""The second step of a directory sync: make a fresh plan and carry it out, recording the
run in a DirectorySyncRun.

Speed: the changes go out over one connection with up to pipeline.WINDOW requests in
flight, and the database learns of new entries in batches (records.AddedPeople). Order
is kept where it matters: nothing is sent for a DN while a request for that DN or one of
its parents is still unanswered (OUs before their entries, an entry before its move,
modification or deletion).

Every operation can be repeated without harm: an add that finds its entry already there
checks that it is Lernstatt's, brings it up to the plan and gives it a fresh initial
password (nobody got the one of the run that made it, if that run was cut off before its
batch reached the database); a delete of a missing entry counts as done; a membership
change that finds some members already added or removed does the rest. A run cut off
half-way therefore leaves a state the next plan finishes without creating anyone twice.

Faults: a change the server refuses (a conflict with an entry Lernstatt does not manage,
a schema violation) is recorded in the run's errors and the run goes on with the next
one. The server going away ends the run: what it confirmed is written to the database,
and the run is recorded as failed with an error of code "directory_unavailable". In both
cases directory_apply returns the run and raises nothing; a missing configuration
(DirectoryNotConfigured) and a sync of the same scope still running (Conflict) are
raised, since then no run is recorded.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import ldap3
from django.conf import settings
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
    DnKey,
    dn_key,
    password_disabled,
    password_enabled,
)
from accounts.directory.pipeline import Answer, Pipeline
from accounts.directory.plan import directory_plan
from accounts.directory.records import AddedPeople, person_record
from accounts.directory.requests import send_add
from accounts.directory.runs import directory_run_begin, directory_run_claim
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

# How often a running run's counters and heartbeat reach the database, for whoever
# watches it, and for the check that finds runs that were cut off.
SAVE_EVERY = 500
HEARTBEAT_SECONDS = 10
# LDAP result codes that mean the server, not the change, is the trouble.
_SERVER_TROUBLE = {51, 52}  # busy, unavailable


class _Refused(LernstattError):
    """The server, or Lernstatt's own check, turned one change down."""

    code = "directory_refused"


def directory_sync_check(*, actor: User | None, school: School | None) -> None:
    """Whether a sync of `school` (None: all schools) may run, for the actor (None: the
    scheduler): the one rule of every way to start one. 403 for a role that may not sync
    or a coordinator who names no school, 404 for a school out of reach, 503 without a
    configured directory."""
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


def directory_apply(
    *,
    actor: User | None = None,
    school: School | None = None,
    progress: Progress | None = None,
    run_id: int | None = None,
) -> DirectorySyncRun:
    """Make the directory match the database (one school, or all with school=None).
    `run_id`: a run recorded beforehand (directory_sync_queue) to carry out and complete;
    if it is no longer running (marked cut off meanwhile), it is returned untouched.

    Makes a fresh plan and carries out each change; returns the finished run with its
    status, counts per kind, how many changes were done and the errors. The initial
    passwords of the accounts created are on the returned run as `new_passwords`
    (login → password), in memory only, and kept encrypted for the class list
    (initial_passwords_keep). Directory faults end up in the run, not in an exception; raises
    DirectoryNotConfigured without a configured directory and Conflict while a sync of
    the same school or of all schools is running. Running it again right after a
    succeeded run changes nothing. With an actor (not the scheduler), the actor must be
    allowed to sync, and a coordinator only for one of their schools.
    """
    directory_sync_check(actor=actor, school=school)
    if run_id is not None:
        run = directory_run_claim(run_id)
        if run is None:
            run = DirectorySyncRun.objects.get(pk=run_id)
            run.new_passwords = {}
            return run
    else:
        run = directory_run_begin(actor=actor, school=school)
    run.new_passwords = {}
    # No transaction around the run: each database write must stay even if the run is
    # cut off later, or the next plan would not know which entries already exist.
    try:
        plan = directory_plan(school=school)
        run.counts = plan.counts()
        run.total = len(plan)
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["counts", "total", "heartbeat_at"])
        if not plan.is_empty:
            conn = directory_connect(strategy=ldap3.ASYNC)
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
    run.heartbeat_at = run.finished_at
    run.duration = run.finished_at - run.started_at
    run.status = DirectorySyncRunStatus.FAILED if run.errors else DirectorySyncRunStatus.SUCCEEDED
    run.save(update_fields=["finished_at", "heartbeat_at", "duration", "status", "done", "errors"])


def _unbind(conn: ldap3.Connection) -> None:
    # The server may be gone already; there is nothing left to close then.
    with contextlib.suppress(LDAPException):
        conn.unbind()


def _keys(change: Change) -> tuple[DnKey, ...]:
    if isinstance(change, MoveEntry):
        return (dn_key(change.dn), dn_key(change.new_dn))
    return (dn_key(change.dn),)


class _Applier:
    def __init__(
        self, conn: ldap3.Connection, run: DirectorySyncRun, progress: Progress | None
    ) -> None:
        self.conn = conn
        self.pipe = Pipeline(conn, timeout=settings.LDAP_TIMEOUT)
        self.run = run
        self.progress = progress
        self.added = AddedPeople()
        self.handled = 0
        self.beat = time.monotonic()

    def apply(self, changes: list[Change]) -> None:
        try:
            try:
                for change in changes:
                    keys = _keys(change)
                    for answer in self.pipe.make_room(keys):
                        self._answered(answer)
                    request, context = self._request(change)
                    self.pipe.sent(keys, request(), (change, context))
                for answer in self.pipe.drain():
                    self._answered(answer)
            except LDAPException as exc:
                raise self._unavailable(exc) from exc
        finally:
            # What the server confirmed reaches the database even when the run ends early.
            self.added.flush()

    # -- bookkeeping ----------------------------------------------------------------------

    def _answered(self, answer: Answer) -> None:
        change, context = answer.tag
        try:
            if answer.error is not None:
                self._failed(change, context, answer.error)
            else:
                self._succeeded(change, context, answer.response)
        except _Refused as exc:
            self._error(change, exc.code, exc.message)
        except LDAPOperationResult as exc:
            if exc.result in _SERVER_TROUBLE:
                raise
            detail = f"{exc.description}: {exc.message}" if exc.message else exc.description
            self._error(change, _Refused.code, str(detail))
        else:
            self.run.done += 1
        self.handled += 1
        if self.handled % SAVE_EVERY == 0 or time.monotonic() - self.beat > HEARTBEAT_SECONDS:
            self.beat = time.monotonic()
            self.run.heartbeat_at = timezone.now()
            self.run.save(update_fields=["done", "errors", "heartbeat_at"])
        if self.progress is not None:
            self.progress(self.handled, self.run.total)

    def _unavailable(self, exc: Exception) -> DirectoryUnavailable:
        return DirectoryUnavailable(
            _("The directory stopped answering after %(done)d of %(total)d changes: %(error)s")
            % {"done": self.run.done, "total": self.run.total, "error": exc}
        )

    def _error(self, change: Change, code: str, message: str) -> None:
        self.run.errors.append(
            {"change": change.describe(), "dn": change.dn, "code": code, "message": message}
        )

    # -- sending --------------------------------------------------------------------------

    def _request(self, change: Change) -> tuple[Callable[[], int], str | None]:
        """A function that sends the change's first request and returns its message id,
        and what handling the answer needs besides the change (a new account's password)."""
        conn = self.conn
        if isinstance(change, AddEntry):
            attributes = dict(change.attributes)
            password = None
            if change.person_id is not None:
                password = password_generate()
                attributes["userPassword"] = (password_ldap_hash(password),)
            return lambda: send_add(conn, change.dn, attributes), password
        if isinstance(change, ModifyAttribute):
            modification = {change.attribute: [(ldap3.MODIFY_REPLACE, [*change.new])]}
            return lambda: conn.modify(change.dn, modification), None
        if isinstance(change, MoveEntry):
            new_rdn, *parent = to_dn(change.new_dn)
            return lambda: conn.modify_dn(change.dn, new_rdn, new_superior=",".join(parent)), None
        if isinstance(change, GroupMembership):
            return lambda: conn.modify(change.dn, _members(change.added, change.removed)), None
        if isinstance(change, DisableAccount | EnableAccount):
            return lambda: conn.search(
                change.dn, "(objectClass=*)", ldap3.BASE, attributes=["userPassword"]
            ), None
        if isinstance(change, DeleteEntry):
            return lambda: conn.delete(change.dn), None
        raise TypeError(f"unknown change {change!r}")

    # -- answers --------------------------------------------------------------------------

    def _succeeded(self, change: Change, password: str | None, response: list[dict]) -> None:
        if isinstance(change, AddEntry):
            if change.person_id is not None:
                self._added(change, password)
        elif isinstance(change, ModifyAttribute):
            if change.attribute == "uidNumber" and change.new and change.new[0].isdigit():
                person_record(Person.objects.filter(dn=change.dn), uid_number=int(change.new[0]))
        elif isinstance(change, MoveEntry):
            self._moved(change)
        elif isinstance(change, DisableAccount | EnableAccount):
            switch = password_disabled if isinstance(change, DisableAccount) else password_enabled
            self._switch_password(change.dn, _entry_attributes(response), switch)

    def _failed(self, change: Change, password: str | None, error: LDAPOperationResult) -> None:
        if isinstance(change, AddEntry) and isinstance(error, LDAPEntryAlreadyExistsResult):
            self._check_existing(change)
        elif isinstance(change, MoveEntry) and isinstance(error, LDAPNoSuchObjectResult):
            # Moved by a run that was cut off before it could record it.
            if self._read(change.new_dn, ["uid"]) is None:
                raise error
            self._moved(change)
        elif isinstance(change, GroupMembership) and isinstance(
            error, LDAPAttributeOrValueExistsResult | LDAPNoSuchAttributeResult
        ):
            self._finish_membership(change, error)
        elif isinstance(change, DeleteEntry) and isinstance(error, LDAPNoSuchObjectResult):
            return  # an entry that is gone already is what the change wanted
        elif isinstance(change, DisableAccount | EnableAccount) and isinstance(
            error, LDAPNoSuchObjectResult
        ):
            raise _Refused(_("The entry %(dn)s does not exist.") % {"dn": change.dn})
        else:
            raise error

    def _added(self, change: AddEntry, password: str | None) -> None:
        self.added.add(
            change.person_id,
            change.dn,
            int(change.attributes["uidNumber"][0]),
            password,
        )
        if password is not None:
            self.run.new_passwords[change.attributes["uid"][0]] = password

    def _check_existing(self, change: AddEntry) -> None:
        """An add found its DN taken: by an earlier, cut-off run (then bring the entry up
        to the plan with a fresh password), or by an entry Lernstatt does not manage (then
        leave it alone)."""
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
        # Nobody got the password the entry was made with: the run that made it did not
        # live to keep it. A fresh one is set and kept like any new account's.
        password = password_generate()
        managed = {
            name: [(ldap3.MODIFY_REPLACE, [*change.attributes.get(name, ())])]
            for name in MANAGED_PERSON_ATTRIBUTES
        }
        managed["userPassword"] = [(ldap3.MODIFY_REPLACE, [password_ldap_hash(password)])]
        self.pipe.call(self.conn.modify(change.dn, managed))
        self._added(change, password)

    def _moved(self, change: MoveEntry) -> None:
        if change.person_id is None:
            return
        found = self._read(change.new_dn, ["uidNumber"]) or {}
        numbers = [int(value) for value in found.get("uidnumber", []) if value.isdigit()]
        person_record(
            Person.objects.filter(pk=change.person_id),
            dn=change.new_dn,
            uid_number=numbers[0] if numbers else None,
        )

    def _finish_membership(self, change: GroupMembership, error: LDAPOperationResult) -> None:
        # Some of it was done already (a cut-off run, or by hand): do what is left.
        found = self._read(change.dn, ["memberUid"])
        if found is None:
            raise error
        present = set(found.get("memberuid", []))
        added = [login for login in change.added if login not in present]
        removed = [login for login in change.removed if login in present]
        if added or removed:
            self.pipe.call(self.conn.modify(change.dn, _members(added, removed)))

    def _switch_password(
        self, dn: str, found: dict[str, list[str]] | None, switch: Callable[[str], str]
    ) -> None:
        if found is None:
            raise _Refused(_("The entry %(dn)s does not exist.") % {"dn": dn})
        old = found.get("userpassword", [])
        new = [switch(value) for value in old]
        if new != old:
            self.pipe.call(self.conn.modify(dn, {"userPassword": [(ldap3.MODIFY_REPLACE, new)]}))

    def _read(self, dn: str, attributes: list[str]) -> dict[str, list[str]] | None:
        """One entry's attributes (names lowercased, values as text), None if it is missing."""
        try:
            response = self.pipe.call(
                self.conn.search(dn, "(objectClass=*)", ldap3.BASE, attributes=attributes)
            )
        except LDAPNoSuchObjectResult:
            return None
        return _entry_attributes(response)


def _members(added: tuple[str, ...] | list[str], removed: tuple[str, ...] | list[str]) -> dict:
    operations = []
    if added:
        operations.append((ldap3.MODIFY_ADD, [*added]))
    if removed:
        operations.append((ldap3.MODIFY_DELETE, [*removed]))
    return {"memberUid": operations}


def _entry_attributes(response: list[dict]) -> dict[str, list[str]] | None:
    entries = [item for item in response if item.get("type") == "searchResEntry"]
    if not entries:
        return None
    raw = entries[0].get("raw_attributes", {})
    return {
        name.lower(): [
            value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value
            for value in values
        ]
        for name, values in raw.items()
    }
