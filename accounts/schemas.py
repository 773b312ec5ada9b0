"""What the class list and password reset endpoints take and give."""

from ninja import Field, Schema
from pydantic import ConfigDict


class ClassListIn(Schema):
    """The body of POST /class-lists (a POST: the list hands initial passwords out)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    school: str = Field(..., description="The school number")
    classes: list[int] | None = Field(
        None,
        alias="class",
        description="Only these classes (ids); default: all classes of the current school "
        "year and the teachers",
    )
    teachers: bool | None = Field(
        None, description="Add the teachers' sheet (default: only with all classes)"
    )


class NewPasswordOut(Schema):
    login: str
    password: str = Field(..., description="Shown this once; Lernstatt stores it nowhere")
