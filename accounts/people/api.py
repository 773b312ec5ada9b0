"""Classes and people over the API. Every endpoint parses, makes one selector or service
call, and returns a schema; who may do what is decided in core.permissions (a row is
fetched with the permission the request needs, so a role without it gets 403 and a row
outside the actor's schools 404). People leave through the roster import's lifecycle, so
there is no DELETE for them."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.pagination import paginate

from accounts.models import AccessVia
from accounts.people import selectors, services, teaching
from accounts.people.schemas import (
    ClassFilterIn,
    ClassIn,
    ClassOut,
    ClassPatch,
    ClassTeacherIn,
    ClassTeacherOut,
    PersonFilterIn,
    PersonIn,
    PersonOut,
    PersonPatch,
)
from accounts.rosters import school_year_of
from core.errors import NotFound
from core.models import User
from core.pagination import Page
from core.permissions import Perm
from inventory.selectors import school_get

router = Router(tags=["people"])


def _school(actor: User, number: str, perm: Perm):
    try:
        return school_get(actor=actor, number=number, perm=perm)
    except NotFound as exc:
        raise NotFound(exc.message, errors=[{"field": "school", "message": exc.message}]) from exc


def _class_values(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    """The class id a client sends, as the class it names (looked up for editing people,
    so a class out of reach is 404)."""
    if data.get("school_class") is not None:
        try:
            data["school_class"] = selectors.class_get(
                actor=actor, class_id=data["school_class"], perm=Perm.PERSON_EDIT
            )
        except NotFound as exc:
            errors = [{"field": "school_class", "message": exc.message}]
            raise NotFound(exc.message, errors=errors) from exc
    return data


# Classes


@router.get("/classes", response=list[ClassOut])
@paginate(Page)
def class_list(request: HttpRequest, filters: Query[ClassFilterIn]):
    return selectors.class_list(
        actor=request.user, filters=selectors.ClassFilters(**filters.dict())
    )


@router.post("/classes", response={201: ClassOut})
def class_create(request: HttpRequest, payload: ClassIn):
    """Create a class; without `school_year` in the current school year."""
    school = _school(request.user, payload.school, Perm.CLASS_EDIT)
    year = payload.school_year or school_year_of(timezone.localdate())
    school_class = services.class_create(
        actor=request.user, school=school, name=payload.name, school_year=year
    )
    return Status(201, school_class)


@router.get("/classes/{class_id}", response=ClassOut)
def class_get(request: HttpRequest, class_id: int):
    return selectors.class_get(actor=request.user, class_id=class_id)


@router.patch("/classes/{class_id}", response=ClassOut)
def class_update(request: HttpRequest, class_id: int, payload: ClassPatch):
    school_class = selectors.class_get(actor=request.user, class_id=class_id, perm=Perm.CLASS_EDIT)
    return services.class_update(
        actor=request.user, school_class=school_class, **payload.dict(exclude_unset=True)
    )


@router.delete("/classes/{class_id}", response={204: None})
def class_delete(request: HttpRequest, class_id: int):
    """Delete an empty class; 409 while students are in it."""
    school_class = selectors.class_get(actor=request.user, class_id=class_id, perm=Perm.CLASS_EDIT)
    services.class_delete(actor=request.user, school_class=school_class)
    return Status(204, None)


@router.get("/classes/{class_id}/teachers", response=list[ClassTeacherOut])
def class_teacher_list(request: HttpRequest, class_id: int):
    """Who teaches the class, its class teachers first. A teacher sees the students of the
    classes they teach, and no one else."""
    school_class = selectors.class_get(actor=request.user, class_id=class_id)
    return teaching.class_teachers(school_class)


@router.put("/classes/{class_id}/teachers/{person_id}", response=ClassTeacherOut)
def class_teacher_set(request: HttpRequest, class_id: int, person_id: int, payload: ClassTeacherIn):
    """Let a working teacher of the class's school teach the class (or change whether they
    lead it); anyone else is 422 naming `teacher`."""
    school_class = selectors.class_get(actor=request.user, class_id=class_id, perm=Perm.CLASS_EDIT)
    return teaching.class_teacher_set(
        actor=request.user,
        school_class=school_class,
        teacher_id=person_id,
        is_class_teacher=payload.is_class_teacher,
    )


@router.delete("/classes/{class_id}/teachers/{person_id}", response={204: None})
def class_teacher_remove(request: HttpRequest, class_id: int, person_id: int):
    """The teacher no longer teaches the class; 404 if they did not."""
    school_class = selectors.class_get(actor=request.user, class_id=class_id, perm=Perm.CLASS_EDIT)
    teaching.class_teacher_remove(
        actor=request.user, school_class=school_class, teacher_id=person_id
    )
    return Status(204, None)


# People


@router.get("/people", response=list[PersonOut])
@paginate(Page)
def person_list(request: HttpRequest, filters: Query[PersonFilterIn]):
    """Students, teachers and staff; birth date and external id only for those who keep
    the rosters (null otherwise)."""
    return selectors.person_list(
        actor=request.user, filters=selectors.PersonFilters(**filters.dict())
    )


@router.post("/people", response={201: PersonOut})
def person_create(request: HttpRequest, payload: PersonIn):
    """Add a person who is in no roster (e.g. a staff member); the login is made from the
    name, unique across the city. Recorded in the access log."""
    values = _class_values(request.user, payload.dict())
    school = _school(request.user, values.pop("school"), Perm.PERSON_EDIT)
    person = services.person_create(actor=request.user, school=school, via=AccessVia.API, **values)
    return Status(201, person)


@router.get("/people/{person_id}", response=PersonOut)
def person_get(request: HttpRequest, person_id: int):
    """One person; the look is recorded in the access log."""
    return selectors.person_detail(actor=request.user, person_id=person_id, via=AccessVia.API)


@router.patch("/people/{person_id}", response=PersonOut)
def person_update(request: HttpRequest, person_id: int, payload: PersonPatch):
    """Change names, date of birth, Kürzel or class; the login stays."""
    person = selectors.person_get(actor=request.user, person_id=person_id, perm=Perm.PERSON_EDIT)
    values = _class_values(request.user, payload.dict(exclude_unset=True))
    return services.person_update(actor=request.user, person=person, **values)
