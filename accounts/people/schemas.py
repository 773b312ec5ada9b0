"""What the classes and people API takes and gives. Inputs refuse unknown fields; `…Patch`
classes change only the fields a client sends."""

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import field_validator

from accounts.models import Person, PersonRole, PersonStatus
from accounts.people.selectors import PERSON_ORDERINGS, sees_private
from inventory.schemas.catalog import SchoolRef, _In, _Patch

# Classes


class ClassRef(Schema):
    id: int
    name: str
    school_year: int


class ClassOut(Schema):
    id: int
    name: str
    school_year: int = Field(description="The year the school year starts in: 2026 for 2026/27")
    school_year_label: str = Field(description='As schools write it: "2026/27"')
    school: SchoolRef
    student_count: int = Field(description="Students in the class (the deleted not counted)")

    @staticmethod
    def resolve_student_count(obj) -> int:
        return getattr(obj, "student_count", None) or 0


class ClassTeacherOut(Schema):
    """A teacher of a class: the person (a teacher of the class's school) and whether they
    lead the class."""

    person_id: int
    name: str = Field(description='As in a class list: "Müller, Anna"')
    short_code: str = Field(description="The Kürzel")
    is_class_teacher: bool = Field(description="Leads the class (Klassenleitung)")

    @staticmethod
    def resolve_person_id(obj) -> int:
        return obj.teacher_id

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.teacher.sort_name

    @staticmethod
    def resolve_short_code(obj) -> str:
        return obj.teacher.short_code


class ClassTeacherIn(_In):
    is_class_teacher: bool = Field(False, description="Leads the class (Klassenleitung)")


class ClassIn(_In):
    school: str = Field(..., description="School number")
    name: str = Field(..., description='For example "5a", "Q1"')
    school_year: int | None = Field(
        None, description="The year the school year starts in; default: the current one"
    )


class ClassPatch(_Patch):
    name: str | None = None
    school_year: int | None = None


class ClassFilterIn(Schema):
    school: str | None = Field(None, description="School number")
    school_year: int | None = None
    q: str | None = Field(None, description="Part of the class name")


# People


def _private(obj: Person, context, value):
    request = (context or {}).get("request")
    return value if request is not None and sees_private(request.user) else None


class PersonOut(Schema):
    id: int
    role: str
    first_name: str
    last_name: str
    login: str
    status: str
    school: SchoolRef
    school_class: ClassRef | None
    short_code: str
    birth_date: date | None = Field(description="Only for those who keep the rosters; else null")
    external_id: str | None = Field(
        description="The school office's ID; only for those who keep the rosters, else null"
    )
    tolerated_at: date | None
    disabled_at: date | None
    deleted_at: date | None
    last_synced_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_birth_date(obj: Person, context) -> date | None:
        return _private(obj, context, obj.birth_date)

    @staticmethod
    def resolve_external_id(obj: Person, context) -> str | None:
        return _private(obj, context, obj.external_id)


class PersonIn(_In):
    school: str = Field(..., description="School number")
    role: PersonRole
    first_name: str
    last_name: str
    birth_date: date | None = Field(None, description="Required for students and teachers")
    external_id: str = Field("", description="The ID in the school administration software")
    short_code: str = Field("", description="A teacher's Kürzel")
    school_class: int | None = Field(None, description="Class id (students only)")


class PersonPatch(_Patch):
    nullable = frozenset({"birth_date", "school_class"})

    first_name: str | None = None
    last_name: str | None = None
    birth_date: date | None = None
    short_code: str | None = None
    school_class: int | None = Field(None, description="Class id; null: no class")


class PersonFilterIn(Schema):
    school: str | None = Field(None, description="School number")
    school_class: int | None = Field(None, description="Class id")
    role: PersonRole | None = None
    status: PersonStatus | None = Field(None, description="Without it: all but the deleted")
    q: str | None = Field(None, description="Words of the first name, last name or login")
    ordering: str = Field(
        "last_name",
        description="One of: "
        + ", ".join(sorted(PERSON_ORDERINGS))
        + "; a leading '-' sorts descending",
    )

    @field_validator("ordering")
    @classmethod
    def _known_ordering(cls, value: str) -> str:
        if value.removeprefix("-") not in PERSON_ORDERINGS:
            raise ValueError(
                _("Sort by one of: %(fields)s.") % {"fields": ", ".join(sorted(PERSON_ORDERINGS))}
            )
        return value
