"""The first step of a directory sync: compare the database with the directory and list
every change that would make the directory match. Making a plan writes nothing, neither
to the directory nor to the database; the changes carry what applying them needs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.utils import translation

from accounts.directory.changes import (
    AddEntry,
    Change,
    DeleteEntry,
    DirectoryPlan,
    DisableAccount,
    EnableAccount,
    GroupMembership,
    ModifyAttribute,
    MoveEntry,
)
from accounts.directory.connection import DirectoryEntry, directory_connect, paged_search
from accounts.directory.layout import (
    GROUP_OBJECT_CLASSES,
    MANAGED_PERSON_ATTRIBUTES,
    OU_OBJECT_CLASSES,
    PERSON_OBJECT_CLASSES,
    ROLE_OUS,
    SEARCH_ATTRIBUTES,
    DnKey,
    Layout,
    class_group_cn,
    dn_key,
    is_password_disabled,
    rdn,
    role_group_cn,
)
from accounts.models import WORKING_STATUSES, Person, PersonStatus, SchoolClass
from core.collector import no_gc_pauses
from inventory.models import School

DEFAULT_ID_START = 10000


@dataclass
class _Directory:
    """The result of the one search, indexed for matching."""

    layout: Layout
    entries: dict[DnKey, DirectoryEntry] = field(default_factory=dict)
    people_by_uid: dict[str, DirectoryEntry] = field(default_factory=dict)
    people_by_uid_number: dict[str, DirectoryEntry] = field(default_factory=dict)
    uid_numbers: set[int] = field(default_factory=set)
    gid_numbers: set[int] = field(default_factory=set)
    managed: set[DnKey] = field(default_factory=set)  # Lernstatt's people

    def add(self, entry: DirectoryEntry) -> None:
        key = entry.key
        self.entries[key] = entry
        classes = entry.object_classes()
        if "posixgroup" in classes:
            self.gid_numbers.update(_ints(entry.values("gidNumber")))
        if _is_managed_person(self.layout, entry, classes):
            self.managed.add(key)
            self.uid_numbers.update(_ints(entry.values("uidNumber")))
            self.people_by_uid.setdefault(entry.first("uid").lower(), entry)
            for number in entry.values("uidNumber"):
                self.people_by_uid_number.setdefault(number, entry)
        elif "posixaccount" in classes:
            self.uid_numbers.update(_ints(entry.values("uidNumber")))

    def get(self, dn: str) -> DirectoryEntry | None:
        return self.entries.get(dn_key(dn)) if dn else None


def _ints(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit()]


def _is_managed_person(layout: Layout, entry: DirectoryEntry, classes: set[str]) -> bool:
    return (
        layout.place_of(entry.key) is not None
        and {"inetorgperson", "posixaccount"} <= classes
        and bool(entry.first("uid"))
        and entry.first("employeeType") in ROLE_OUS
    )


class _Allocator:
    """Hands out the lowest free numbers from `start` on, never one in `taken`."""

    def __init__(self, start: int, taken: set[int]) -> None:
        self.next = start
        self.taken = taken

    def take(self) -> int:
        while self.next in self.taken:
            self.next += 1
        self.taken.add(self.next)
        return self.next


def directory_plan(*, school: School | None = None) -> DirectoryPlan:
    """List every change that makes the directory match the database, for one school or
    all of them. Reads the directory with one paged search below ou=schools and writes
    nothing anywhere. Only Lernstatt's own entries and their managed attributes appear
    in the plan. Raises DirectoryNotConfigured or DirectoryUnavailable."""
    with no_gc_pauses():
        return _plan(school)


def _plan(school: School | None) -> DirectoryPlan:
    layout = Layout.from_settings()
    conn = directory_connect()
    directory = _Directory(layout=layout)
    # The directory is read in a second thread while this one reads the database, so
    # that the server's and the database's work overlap. Only this thread touches the
    # database (a test's transaction, a request's connection).
    with ThreadPoolExecutor(max_workers=1) as reader:
        reading = reader.submit(_read, conn, layout, directory, translation.get_language())
        people = _People(school)
        reading.result()  # the directory's error, if any, is raised here
    return _Planner(layout, directory, school, people).plan()


def _read(conn, layout: Layout, directory: _Directory, language: str | None) -> None:
    with translation.override(language):
        try:
            for entry in paged_search(conn, base=layout.schools_dn, attributes=SEARCH_ATTRIBUTES):
                directory.add(entry)
        finally:
            conn.unbind()


class _PersonRow(NamedTuple):
    """What the plan reads of a person: values, not a model instance, since a plan of the
    whole city reads tens of thousands of people and needs no model behaviour."""

    pk: int
    role: str
    status: str
    login: str
    dn: str
    uid_number: int | None
    first_name: str
    last_name: str
    external_id: str
    school_number: str
    class_name: str | None

    @property
    def has_working_account(self) -> bool:
        return self.status in WORKING_STATUSES


_PERSON_ROW_FIELDS = (
    "pk",
    "role",
    "status",
    "login",
    "dn",
    "uid_number",
    "first_name",
    "last_name",
    "external_id",
    "school__number",
    "school_class__name",
)


class _People:
    """What the plan needs from the database: the people (of one school, or all) and every
    uidNumber already given."""

    def __init__(self, school: School | None) -> None:
        people = Person.objects.order_by("pk")
        if school is not None:
            people = people.filter(school=school)
        self.people = [_PersonRow._make(row) for row in people.values_list(*_PERSON_ROW_FIELDS)]
        self.uid_numbers = set(
            Person.objects.filter(uid_number__isnull=False).values_list("uid_number", flat=True)
        )


class _Planner:
    def __init__(
        self, layout: Layout, directory: _Directory, school: School | None, loaded: _People
    ) -> None:
        self.layout = layout
        self.dir = directory
        self.school = school
        self.people = loaded.people
        db_uid_numbers = loaded.uid_numbers
        self.db_uid_numbers = db_uid_numbers
        self.uids = _Allocator(
            getattr(settings, "LDAP_UID_NUMBER_START", DEFAULT_ID_START),
            db_uid_numbers | directory.uid_numbers,
        )
        self.gids = _Allocator(
            getattr(settings, "LDAP_GID_NUMBER_START", DEFAULT_ID_START),
            set(directory.gid_numbers),
        )
        self.claimed: set[DnKey] = set()
        self._role_ous: dict[tuple[str, str], tuple[str, DnKey]] = {}

    def plan(self) -> DirectoryPlan:
        entries: dict[int, DirectoryEntry | None] = {}
        # Numbers and DNs the sync recorded first, logins only for what is left: a login
        # that moved to another person must not take the old owner's entry with it.
        for person in self.people:
            entries[person.pk] = self._match_recorded(person)
        for person in self.people:
            if entries[person.pk] is None:
                entries[person.pk] = self._match_login(person)
        in_directory: list[_PersonRow] = []  # will have an entry once the plan is applied
        for person in self.people:
            entry = entries[person.pk]
            if person.status == PersonStatus.DELETED:
                continue
            if entry is not None or person.has_working_account:
                in_directory.append(person)

        in_directory_pks = {person.pk for person in in_directory}
        ous, groups, memberships, group_deletes = self._groups(in_directory)
        adds: list[Change] = []
        moves: list[Change] = []
        modifies: list[Change] = []
        switches: list[Change] = []
        deletes: list[Change] = []
        for person in self.people:
            entry = entries[person.pk]
            if person.status == PersonStatus.DELETED:
                if entry is not None:
                    deletes.append(DeleteEntry(dn=entry.dn))
                continue
            if person.pk not in in_directory_pks:
                continue
            wanted = self._person_attributes(person, entry)
            dn, key = self._person_dn(person)
            # An entry in the person's place that the database never recorded was made by an
            # apply cut off before its batch reached the database: adding it again checks
            # the entry and gives it a fresh password, since nobody got the first one.
            unrecorded = (
                entry is not None
                and not person.dn
                and person.has_working_account
                and entry.key == key
            )
            if entry is None or unrecorded:
                attributes = {"objectClass": PERSON_OBJECT_CLASSES, **wanted}
                adds.append(AddEntry(dn=dn, attributes=attributes, person_id=person.pk))
                continue
            if entry.key != key:
                moves.append(MoveEntry(dn=entry.dn, new_dn=dn, person_id=person.pk))
            for attribute in MANAGED_PERSON_ATTRIBUTES:
                old = tuple(entry.values(attribute))
                new = wanted.get(attribute, ())
                if sorted(old) != sorted(new):
                    modifies.append(ModifyAttribute(dn=dn, attribute=attribute, old=old, new=new))
            passwords = entry.values("userPassword")
            disabled = any(is_password_disabled(value) for value in passwords)
            if person.has_working_account and disabled:
                switches.append(EnableAccount(dn=dn))
            elif not person.has_working_account and passwords and not disabled:
                switches.append(DisableAccount(dn=dn))
        deletes += self._orphans()
        changes = [*ous, *groups, *moves, *adds, *modifies, *switches, *memberships]
        return DirectoryPlan(changes=changes + deletes + group_deletes)

    def _person_dn(self, person: _PersonRow) -> tuple[str, DnKey]:
        """The DN the person's entry belongs at, and its key (see dn_key), built from the
        role OU's, which is worked out once per school and role."""
        place = (person.school_number, person.role)
        if place not in self._role_ous:
            ou_dn = self.layout.role_ou_dn(*place)
            self._role_ous[place] = (ou_dn, dn_key(ou_dn))
        ou_dn, ou_key = self._role_ous[place]
        uid = rdn("uid", person.login)
        return f"{uid},{ou_dn}", dn_key(uid) + ou_key

    def _claim(self, entry: DirectoryEntry | None) -> DirectoryEntry | None:
        if entry is None or entry.key in self.claimed:
            return None
        self.claimed.add(entry.key)
        return entry

    def _match_recorded(self, person: _PersonRow) -> DirectoryEntry | None:
        if person.uid_number is not None:
            entry = self.dir.people_by_uid_number.get(str(person.uid_number))
            if entry is not None:
                return self._claim(entry)
        entry = self.dir.get(person.dn)
        if entry is not None and entry.key in self.dir.managed:
            return self._claim(entry)
        return None

    def _match_login(self, person: _PersonRow) -> DirectoryEntry | None:
        return self._claim(self.dir.people_by_uid.get(person.login.lower()))

    def _uid_number(self, person: _PersonRow, entry: DirectoryEntry | None) -> int:
        if person.uid_number is not None:
            return person.uid_number
        numbers = _ints(entry.values("uidNumber")) if entry is not None else []
        if numbers and numbers[0] not in self.db_uid_numbers:
            return numbers[0]
        return self.uids.take()

    def _person_attributes(
        self, person: _PersonRow, entry: DirectoryEntry | None
    ) -> dict[str, tuple[str, ...]]:
        number = person.school_number
        full_name = Person.name_on_letter(person.first_name, person.last_name)
        attributes = {
            "cn": (full_name or person.login,),
            "sn": (person.last_name or person.login,),
            "givenName": (person.first_name,) if person.first_name else (),
            "uid": (person.login,),
            "uidNumber": (str(self._uid_number(person, entry)),),
            "gidNumber": (str(self.group_gids[role_group_cn(number, person.role)]),),
            "homeDirectory": (self.layout.home_directory(number, person.login),),
            "loginShell": (self.layout.login_shell,),
            "employeeNumber": (person.external_id,) if person.external_id else (),
            "employeeType": (person.role,),
            "departmentNumber": (person.class_name,) if person.class_name else (),
        }
        return {name: values for name, values in attributes.items() if values}

    def _groups(
        self, in_directory: list[_PersonRow]
    ) -> tuple[list[Change], list[Change], list[Change], list[Change]]:
        wanted: dict[tuple[str, str], set[str]] = {}  # (school number, cn) -> logins
        numbers: set[str] = set()
        if self.school is not None:
            numbers.add(self.school.number)
        for person in in_directory:
            number = person.school_number
            numbers.add(number)
            wanted.setdefault((number, role_group_cn(number, person.role)), set()).add(person.login)
            if person.class_name is not None:
                group = class_group_cn(number, person.class_name)
                wanted.setdefault((number, group), set()).add(person.login)

        ous: list[Change] = []
        if self.dir.get(self.layout.schools_dn) is None:
            ous.append(_ou(self.layout.schools_dn))
        for number in sorted(numbers):
            if not any(school == number for school, _cn in wanted):
                continue
            ous += [_ou(dn) for dn in self.layout.school_ou_dns(number) if not self.dir.get(dn)]

        self.group_gids: dict[str, int] = {}
        adds: list[Change] = []
        memberships: list[Change] = []
        for (number, cn), logins in sorted(wanted.items()):
            dn = self.layout.group_dn(cn, number)
            entry = self.dir.get(dn)
            gids = _ints(entry.values("gidNumber")) if entry is not None else []
            gid = gids[0] if gids else self.gids.take()
            self.group_gids[cn] = gid
            if entry is None:
                attributes = {
                    "objectClass": GROUP_OBJECT_CLASSES,
                    "cn": (cn,),
                    "gidNumber": (str(gid),),
                    "memberUid": tuple(sorted(logins)),
                }
                adds.append(AddEntry(dn=dn, attributes=attributes))
                continue
            present = set(entry.values("memberUid"))
            added, removed = sorted(logins - present), sorted(present - logins)
            if added or removed:
                memberships.append(
                    GroupMembership(dn=entry.dn, added=tuple(added), removed=tuple(removed))
                )
        return ous, adds, memberships, self._stale_groups(numbers, wanted)

    def _stale_groups(
        self, numbers: set[str], wanted: dict[tuple[str, str], set[str]]
    ) -> list[Change]:
        """Groups Lernstatt made that nobody belongs to any more. A group counts as
        Lernstatt's only if its name is one Lernstatt gives: a role group, or a class of
        that school; a group someone else made under another name is left alone."""
        if self.school is not None:
            numbers = {self.school.number}
        ours: dict[str, set[str]] = {number: set() for number in numbers}
        for number in numbers:
            ours[number] |= {role_group_cn(number, role).lower() for role in ROLE_OUS}
        classes = SchoolClass.objects.filter(school__number__in=numbers).values_list(
            "school__number", "name"
        )
        for number, name in classes:
            ours[number].add(class_group_cn(number, name).lower())
        wanted_keys = {dn_key(self.layout.group_dn(cn, number)) for number, cn in wanted}
        deletes: list[Change] = []
        for key, entry in self.dir.entries.items():
            number = self.layout.group_school_of(key)
            if number is None or number not in ours or key in wanted_keys:
                continue
            if "posixgroup" in entry.object_classes() and key[0][1] in ours[number]:
                deletes.append(DeleteEntry(dn=entry.dn))
        return deletes

    def _orphans(self) -> list[Change]:
        """Lernstatt's entries that no person owns any more. With one school planned, an
        entry of someone who moved to another school is left for that school's plan."""
        elsewhere_logins: set[str] = set()
        elsewhere_numbers: set[str] = set()
        if self.school is not None:
            others = Person.objects.exclude(school=self.school).exclude(status=PersonStatus.DELETED)
            for login, number in others.values_list("login", "uid_number"):
                elsewhere_logins.add(login.lower())
                elsewhere_numbers.add(str(number))
        deletes: list[Change] = []
        for key, entry in self.dir.entries.items():
            if key in self.claimed or key not in self.dir.managed:
                continue
            if entry.first("uid").lower() in elsewhere_logins or (
                entry.first("uidNumber") in elsewhere_numbers
            ):
                continue
            place = self.layout.place_of(key)
            if self.school is not None and place is not None and place[0] != self.school.number:
                continue
            deletes.append(DeleteEntry(dn=entry.dn))
        return deletes


def _ou(dn: str) -> AddEntry:
    name = dn_key(dn)[0][1]
    return AddEntry(dn=dn, attributes={"objectClass": OU_OBJECT_CLASSES, "ou": (name,)})
