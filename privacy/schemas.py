"""What the privacy endpoints take and give."""

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class AccessLogFilterIn(Schema):
    person: int | None = Field(None, description="Only entries about this person (id)")
    actor: str | None = Field(None, description="Only entries of this username (case ignored)")


class AccessLogOut(Schema):
    id: int
    at: datetime
    actor: str = Field(description='The username; "manage.py" for a command without --user')
    person: int = Field(description="The person's id")
    action: str = Field(
        description="view, create, change, export (Art. 15), password_reset, class_list, "
        "loan_agreement (the PDF printed) or loan_export (in a loan list file)"
    )
    via: str = Field(description="api, web or command")
    detail: str

    @staticmethod
    def resolve_actor(obj) -> str:
        return obj.actor_name

    @staticmethod
    def resolve_person(obj) -> int:
        return obj.person_id


PersonExportOut = dict[str, Any]
