"""A directory plan as people read it: the changes grouped by kind, each in a sentence that
names the login, class or group instead of the DN ("Create account: anna.mueller (class
5a)"). For the sync page; the plan itself (directory_plan) stays as it is."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.directory.changes import (
    AddEntry,
    Change,
    DirectoryPlan,
    GroupMembership,
    ModifyAttribute,
    MoveEntry,
)
from accounts.directory.layout import dn_key

# The kinds in the order a sync carries them out, with their headings.
KINDS = (
    ("add", gettext_lazy("Create")),
    ("modify", gettext_lazy("Change attributes")),
    ("move", gettext_lazy("Move or rename")),
    ("membership", gettext_lazy("Group membership")),
    ("disable", gettext_lazy("Disable")),
    ("enable", gettext_lazy("Enable")),
    ("delete", gettext_lazy("Delete")),
)
# A plan of a whole city can list tens of thousands of changes: a page shows this many per
# kind and says how many more there are.
SHOWN_PER_KIND = 200

_ROLES = {
    "student": gettext_lazy("student"),
    "teacher": gettext_lazy("teacher"),
    "staff": gettext_lazy("staff"),
}


@dataclass
class PlanGroup:
    kind: str
    label: str
    count: int = 0
    lines: list[str] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        return self.count - len(self.lines)


def plan_groups(plan: DirectoryPlan, *, shown: int = SHOWN_PER_KIND) -> list[PlanGroup]:
    """The plan's changes by kind (only kinds that occur), at most `shown` sentences each."""
    groups = {kind: PlanGroup(kind=kind, label=str(label)) for kind, label in KINDS}
    for change in plan:
        group = groups.setdefault(change.kind, PlanGroup(kind=change.kind, label=change.kind))
        group.count += 1
        if len(group.lines) < shown:
            group.lines.append(change_text(change))
    return [group for group in groups.values() if group.count]


def _first(dn: str) -> tuple[str, str]:
    """The first RDN's attribute and value, e.g. ("uid", "anna.mueller")."""
    try:
        return dn_key(dn)[0]
    except (IndexError, ValueError):
        return "", dn


def _name(dn: str) -> str:
    return _first(dn)[1] or dn


def change_text(change: Change) -> str:
    """One change in a sentence for the sync page."""
    attribute, name = _first(change.dn)
    if isinstance(change, AddEntry):
        return _add_text(change, attribute, name)
    if isinstance(change, ModifyAttribute):
        return _("Change %(attribute)s of %(name)s: %(old)s → %(new)s") % {
            "attribute": change.attribute,
            "name": name,
            "old": ", ".join(change.old) or _("(empty)"),
            "new": ", ".join(change.new) or _("(empty)"),
        }
    if isinstance(change, MoveEntry):
        new_name = _name(change.new_dn)
        if new_name != name:
            return _("Rename account: %(old)s → %(new)s") % {"old": name, "new": new_name}
        return _("Move account: %(name)s (%(dn)s)") % {"name": name, "dn": change.new_dn}
    if isinstance(change, GroupMembership):
        parts = []
        if change.added:
            parts.append(_("add %(logins)s") % {"logins": ", ".join(change.added)})
        if change.removed:
            parts.append(_("remove %(logins)s") % {"logins": ", ".join(change.removed)})
        return _("Group %(group)s: %(changes)s") % {"group": name, "changes": "; ".join(parts)}
    if change.kind == "disable":
        return _("Disable account: %(name)s") % {"name": name}
    if change.kind == "enable":
        return _("Enable account: %(name)s") % {"name": name}
    if change.kind == "delete":
        if attribute == "cn":
            return _("Delete group: %(name)s") % {"name": name}
        if attribute == "uid":
            return _("Delete account: %(name)s") % {"name": name}
        return _("Delete: %(dn)s") % {"dn": change.dn}
    return change.describe()


def _add_text(change: AddEntry, attribute: str, name: str) -> str:
    classes = {value.lower() for value in change.attributes.get("objectClass", ())}
    if "posixaccount" in classes:
        login = (change.attributes.get("uid") or (name,))[0]
        school_class = (change.attributes.get("departmentNumber") or ("",))[0]
        if school_class:
            return _("Create account: %(login)s (class %(class)s)") % {
                "login": login,
                "class": school_class,
            }
        role = (change.attributes.get("employeeType") or ("",))[0]
        if role in _ROLES:
            return _("Create account: %(login)s (%(role)s)") % {
                "login": login,
                "role": _ROLES[role],
            }
        return _("Create account: %(login)s") % {"login": login}
    if "posixgroup" in classes:
        return _("Create group: %(name)s") % {"name": name}
    return _("Create folder: %(dn)s") % {"dn": change.dn}


def count_rows(counts: dict[str, int]) -> list[tuple[str, int]]:
    """A run's or plan's counts per kind as (heading, number), in the order of KINDS."""
    labels = dict(KINDS)
    rows = [(str(label), counts[kind]) for kind, label in KINDS if counts.get(kind)]
    rows += [(kind, n) for kind, n in counts.items() if kind not in labels and n]
    return rows
