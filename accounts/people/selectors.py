"""Reads of classes and people, always through the actor's scope (the permissions' `scope`)."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.access_log import access_log_record
from accounts.models import AccessAction, ClassTeacher, Person, PersonStatus, SchoolClass
from core.errors import NotFound
from core.models import User
from core.permissions import Perm, has, scope

PERSON_ORDERINGS = {
    "last_name",
    "first_name",
    "login",
    "role",
    "status",
    "school",
    "school_class",
    "updated_at",
}


@dataclass(frozen=True)
class ClassFilters:
    school: str | None = None  # school number
    school_year: int | None = None
    q: str | None = None


@dataclass(frozen=True)
class PersonFilters:
    school: str | None = None  # school number
    school_class: int | None = None  # class id
    role: str | None = None
    status: str | None = None  # without: everyone but the deleted
    q: str | None = None
    ordering: str = "last_name"


def sees_private(actor: User) -> bool:
    """Whether the actor may see people's birth dates and the school office's ids."""
    return has(actor, Perm.PERSON_PRIVATE_VIEW)


def people_scope(qs: QuerySet[Person], actor: User, perm: Perm) -> QuerySet[Person]:
    """`qs` limited to the people the actor may reach for `perm` (scope); for an actor who
    may not see every person of their schools (a teacher), further to the students of the
    classes they teach (ClassTeacher) and themselves. The one rule for who is whose."""
    qs = scope(qs, actor, perm)
    if has(actor, Perm.PERSON_VIEW_SCHOOL):
        return qs
    return qs.filter(Q(school_class_id__in=_taught(actor)) | Q(user=actor))


def classes_scope(qs: QuerySet[SchoolClass], actor: User, perm: Perm) -> QuerySet[SchoolClass]:
    """`qs` limited to the classes the actor reaches for `perm`: for a teacher the classes
    they teach."""
    qs = scope(qs, actor, perm)
    if has(actor, Perm.PERSON_VIEW_SCHOOL):
        return qs
    return qs.filter(pk__in=_taught(actor))


def _taught(actor: User) -> QuerySet:
    """The ids of the classes the actor teaches, as a subquery."""
    return ClassTeacher.objects.filter(teacher__user=actor).values("school_class_id")


def class_list(
    *, actor: User, filters: ClassFilters | None = None, perm: Perm = Perm.PERSON_VIEW
) -> QuerySet[SchoolClass]:
    """Classes the actor may see, with `student_count` (students not deleted), newest
    school year first; one query."""
    filters = filters or ClassFilters()
    qs = classes_scope(SchoolClass.objects.select_related("school"), actor, perm)
    if filters.school:
        qs = qs.filter(school__number=filters.school)
    if filters.school_year is not None:
        qs = qs.filter(school_year=filters.school_year)
    if filters.q:
        qs = qs.filter(name__icontains=filters.q.strip())
    qs = qs.annotate(
        student_count=Count("students", filter=~Q(students__status=PersonStatus.DELETED))
    )
    return qs.order_by("school__name", "school__number", "-school_year", "name", "id")


def class_get(*, actor: User, class_id: int, perm: Perm = Perm.PERSON_VIEW) -> SchoolClass:
    classes = class_list(actor=actor, perm=perm).select_related("room")
    school_class = classes.filter(pk=class_id).first()
    if school_class is None:
        raise NotFound(_("Class not found."))
    return school_class


def person_list(
    *, actor: User, filters: PersonFilters | None = None, perm: Perm = Perm.PERSON_VIEW
) -> QuerySet[Person]:
    """People the actor may see, filtered and ordered (`ordering` may start with '-'); the
    deleted only when asked for with `status`. A fixed number of queries, whatever the
    number of people. `q` matches each of its words against first name, last name and
    login."""
    filters = filters or PersonFilters()
    qs = people_scope(Person.objects.select_related("school", "school_class"), actor, perm)
    if filters.school:
        qs = qs.filter(school__number=filters.school)
    if filters.school_class is not None:
        qs = qs.filter(school_class_id=filters.school_class)
    if filters.role:
        qs = qs.filter(role=filters.role)
    if filters.status:
        qs = qs.filter(status=filters.status)
    else:
        qs = qs.exclude(status=PersonStatus.DELETED)
    for word in (filters.q or "").split():
        qs = qs.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(login__icontains=word)
        )
    field = filters.ordering.lstrip("-")
    if field not in PERSON_ORDERINGS:
        field = "last_name"
    sort = {"school": "school__name", "school_class": "school_class__name"}.get(field, field)
    prefix = "-" if filters.ordering.startswith("-") else ""
    return qs.order_by(prefix + sort, "last_name", "first_name", "login")


def person_get(*, actor: User, person_id: int, perm: Perm = Perm.PERSON_VIEW) -> Person:
    """One person, whatever their status; NotFound also outside the actor's schools."""
    person = (
        people_scope(Person.objects.select_related("school", "school_class"), actor, perm)
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise NotFound(_("Person not found."))
    return person


def person_detail(*, actor: User, person_id: int, via: str) -> Person:
    """One person, as person_get finds them, for a page or answer that shows their data:
    the look is recorded in the access log (access_log_record) with `via`."""
    person = person_get(actor=actor, person_id=person_id)
    access_log_record(actor=actor, action=AccessAction.VIEW, via=via, people=[person])
    return person
