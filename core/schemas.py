from datetime import datetime

from ninja import Schema

from core import permissions
from core.models import User


class MeOut(Schema):
    username: str
    full_name: str
    role: str | None
    schools: list[str]
    permissions: list[str]

    @classmethod
    def from_user(cls, user: User) -> "MeOut":
        return cls(
            username=user.username,
            full_name=user.get_full_name(),
            role=permissions.role_of(user),
            schools=sorted(user.schools.values_list("number", flat=True)),
            permissions=sorted(p.value for p in permissions.Perm if permissions.has(user, p)),
        )


class ApiTokenIn(Schema):
    name: str


class ApiTokenOut(Schema):
    id: int
    name: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreatedOut(Schema):
    id: int
    name: str
    hint: str
    created_at: datetime
    key: str
