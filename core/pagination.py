"""The bounds of every page an API list gives: `?limit=&offset=`.

An offset past the end of a list is an empty page; an offset past any list Lernstatt could
hold is refused with 422 before it reaches the database, which cannot count that far
(PostgreSQL: "bigint out of range"; SQLite: "datatype mismatch")."""

from typing import Annotated

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100
# Far beyond any list (a billion rows), and well inside what every database and driver
# takes as an integer.
MAX_OFFSET = 1_000_000_000

Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description="Skip this many")]


class Page(LimitOffsetPagination):
    """`?limit=&offset=`; the answer is `{"items": [...], "count": total}`."""

    class Input(Schema):
        limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
        offset: Offset = 0
