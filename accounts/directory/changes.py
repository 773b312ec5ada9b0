"""The changes a directory plan lists, each with what carrying it out needs and a
sentence for the user (`describe`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Change:
    kind: ClassVar[str] = ""
    dn: str

    def describe(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class AddEntry(Change):
    kind: ClassVar[str] = "add"
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    person_id: int | None = None

    def describe(self) -> str:
        return _("Add %(dn)s") % {"dn": self.dn}


@dataclass(frozen=True)
class ModifyAttribute(Change):
    kind: ClassVar[str] = "modify"
    attribute: str = ""
    old: tuple[str, ...] = ()
    new: tuple[str, ...] = ()

    def describe(self) -> str:
        return _("Change %(attribute)s of %(dn)s: %(old)s → %(new)s") % {
            "attribute": self.attribute,
            "dn": self.dn,
            "old": ", ".join(self.old) or _("(empty)"),
            "new": ", ".join(self.new) or _("(empty)"),
        }


@dataclass(frozen=True)
class MoveEntry(Change):
    kind: ClassVar[str] = "move"
    new_dn: str = ""
    person_id: int | None = None

    def describe(self) -> str:
        return _("Move %(dn)s to %(new_dn)s") % {"dn": self.dn, "new_dn": self.new_dn}


@dataclass(frozen=True)
class GroupMembership(Change):
    kind: ClassVar[str] = "membership"
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = []
        if self.added:
            parts.append(_("add %(logins)s") % {"logins": ", ".join(self.added)})
        if self.removed:
            parts.append(_("remove %(logins)s") % {"logins": ", ".join(self.removed)})
        return _("Group %(dn)s: %(changes)s") % {"dn": self.dn, "changes": "; ".join(parts)}


@dataclass(frozen=True)
class DisableAccount(Change):
    kind: ClassVar[str] = "disable"

    def describe(self) -> str:
        return _("Disable the account %(dn)s") % {"dn": self.dn}


@dataclass(frozen=True)
class EnableAccount(Change):
    kind: ClassVar[str] = "enable"

    def describe(self) -> str:
        return _("Enable the account %(dn)s") % {"dn": self.dn}


@dataclass(frozen=True)
class DeleteEntry(Change):
    kind: ClassVar[str] = "delete"

    def describe(self) -> str:
        return _("Delete %(dn)s") % {"dn": self.dn}


@dataclass
class DirectoryPlan:
    """Every change, in the order to carry them out: parents before children, moves
    before the changes to the moved entries, deletions last."""

    changes: list[Change] = field(default_factory=list)

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def counts(self) -> dict[str, int]:
        """How many changes of each kind ("add", "modify", ...)."""
        return dict(Counter(change.kind for change in self.changes))

    def of_kind(self, kind: str) -> list[Change]:
        return [change for change in self.changes if change.kind == kind]
