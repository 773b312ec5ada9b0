"""Writes of classes and people by hand. People leave through the roster import's
lifecycle (tolerated → disabled → deleted), so there is no person_delete here."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.access_log import access_log_record
from accounts.logins import logins_assign
from accounts.models import AccessAction, AccessVia, Person, PersonStatus, SchoolClass
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import User
from core.permissions import Perm, reaches_school, require
from inventory.models import Room, School

# What a person's PATCH may change; the login stays, whatever the name becomes.
PERSON_EDITABLE = ("first_name", "last_name", "birth_date", "short_code", "school_class")
PERSON_CREATE_FIELDS = ("role", "external_id", *PERSON_EDITABLE)
CLASS_EDITABLE = ("name", "school_year")


def _check_school(actor: User, school: School) -> None:
    if not reaches_school(actor, school.id):
        raise NotFound(_("School %(number)s not found.") % {"number": school.number})


def _errors_from(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": field, "message": str(message)}
        for field, messages in exc.message_dict.items()
        for message in messages
    ]


def _field_check(obj: Any, *, exclude: list[str]) -> list[dict[str, str]]:
    try:
        obj.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as exc:
        return _errors_from(exc)
    return []


def class_validate(school_class: SchoolClass) -> None:
    """Raise ValidationFailed, naming each field, if saving the class would break a rule:
    a name and a school year (2000-2100), the name unique per school and year (case
    ignored). Writes nothing."""
    school_class.name = " ".join((school_class.name or "").split())
    errors = _field_check(school_class, exclude=["school"])
    if school_class.name and school_class.school_year:
        same = SchoolClass.objects.filter(
            school_id=school_class.school_id,
            school_year=school_class.school_year,
            name__iexact=school_class.name,
        ).exclude(pk=school_class.pk)
        if same.exists():
            errors.append(
                {
                    "field": "name",
                    "message": _("There is already a class %(name)s in %(year)s.")
                    % {"name": school_class.name, "year": school_class.school_year_label},
                }
            )
    if errors:
        raise ValidationFailed(_("The class could not be saved."), errors=errors)


def _save(obj: Any) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        # Another request saved the same name, id or Kürzel between our check and our write.
        raise Conflict(_("Someone else saved the same values just now. Please try again.")) from exc


def class_create(*, actor: User, school: School, name: str, school_year: int) -> SchoolClass:
    """Create a class of a school the actor reaches (NotFound otherwise); ValidationFailed
    naming the field for a missing or taken name or a school year out of range."""
    require(actor, Perm.CLASS_EDIT)
    _check_school(actor, school)
    school_class = SchoolClass(school=school, name=name, school_year=school_year)
    class_validate(school_class)
    _save(school_class)
    return school_class


def class_update(*, actor: User, school_class: SchoolClass, **changes: Any) -> SchoolClass:
    """Rename a class or change its school year; its students stay in it."""
    require(actor, Perm.CLASS_EDIT)
    _check_school(actor, school_class.school)
    unknown = set(changes) - set(CLASS_EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for field, value in changes.items():
        setattr(school_class, field, value)
    class_validate(school_class)
    _save(school_class)
    return school_class


def class_room_set(*, actor: User, school_class: SchoolClass, room: Room | None) -> SchoolClass:
    """Make `room` the class's classroom (None: it has none). Its class teachers then confirm
    the devices in it in a stock-taking. A room of another school is refused with the
    field named; a class out of the actor's reach is not found."""
    require(actor, Perm.CLASS_EDIT)
    _check_school(actor, school_class.school)
    if room is not None and room.school_id != school_class.school_id:
        message = _("The room belongs to another school.")
        raise ValidationFailed(
            _("The class could not be saved."), errors=[{"field": "room", "message": message}]
        )
    school_class.room = room
    _save(school_class)
    return school_class


def class_delete(*, actor: User, school_class: SchoolClass) -> None:
    """Delete a class that has no students; Conflict (nothing deleted) while it has any,
    whatever their status."""
    require(actor, Perm.CLASS_EDIT)
    _check_school(actor, school_class.school)
    count = Person.objects.filter(school_class=school_class).count()
    if count:
        raise Conflict(
            ngettext(
                "Class %(name)s still has %(count)d student; move them to another class first.",
                "Class %(name)s still has %(count)d students; move them to another class first.",
                count,
            )
            % {"name": school_class.name, "count": count},
            code="class_not_empty",
        )
    school_class.delete()


def person_validate(person: Person) -> None:
    """Raise ValidationFailed, naming each field, if saving the person would break a rule:
    names, a date of birth for students and teachers, a class only for students and of
    their school, the school office's id and the Kürzel unique per school. Writes
    nothing."""
    for field in ("first_name", "last_name", "external_id", "short_code"):
        setattr(person, field, " ".join((getattr(person, field) or "").split()))
    errors = _field_check(person, exclude=["login"] if not person.login else [])
    others = Person.objects.filter(school_id=person.school_id).exclude(pk=person.pk)
    if person.external_id and others.filter(external_id=person.external_id).exists():
        errors.append(
            {
                "field": "external_id",
                "message": _("ID %(id)s already belongs to another person of this school.")
                % {"id": person.external_id},
            }
        )
    # Compared in Python: SQLite folds the case of ASCII letters only ("MÜL" ≠ "mül").
    codes = {
        code.lower() for code in others.exclude(short_code="").values_list("short_code", flat=True)
    }
    if person.short_code and person.short_code.lower() in codes:
        errors.append(
            {
                "field": "short_code",
                "message": _("The short code %(code)s already belongs to someone else.")
                % {"code": person.short_code},
            }
        )
    if errors:
        raise ValidationFailed(_("The person could not be saved."), errors=errors)


def person_create(
    *, actor: User, school: School, via: str = AccessVia.API, **fields: Any
) -> Person:
    """Create a person (e.g. a staff member, who is in no roster) in a school the actor
    reaches, with a new login that is unique across the city; the directory sync then
    creates the account. ValidationFailed names each bad field. The creation is recorded
    in the access log with `via`, in the same transaction, naming the fields given."""
    require(actor, Perm.PERSON_EDIT)
    _check_school(actor, school)
    unknown = set(fields) - set(PERSON_CREATE_FIELDS)
    if unknown:
        raise ValueError(f"unknown person fields: {sorted(unknown)}")
    person = Person(school=school, status=PersonStatus.ACTIVE, **fields)
    person_validate(person)
    given = sorted(field for field, value in fields.items() if value not in (None, ""))
    try:
        with transaction.atomic():
            logins_assign(people=[person])
            person.save()
            access_log_record(
                actor=actor,
                action=AccessAction.CREATE,
                via=via,
                people=[person],
                detail=", ".join(given),
            )
    except IntegrityError as exc:
        raise Conflict(_("Someone else saved the same values just now. Please try again.")) from exc
    return person


def person_update(
    *, actor: User, person: Person, via: str = AccessVia.API, **changes: Any
) -> Person:
    """Change a person's names, date of birth, Kürzel or class. The login stays as it is,
    also when the name changes. A deleted person cannot be changed (Conflict). The
    change is recorded in the access log with `via`, naming the fields whose value
    changed."""
    require(actor, Perm.PERSON_EDIT)
    _check_school(actor, person.school)
    unknown = set(changes) - set(PERSON_EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if person.status == PersonStatus.DELETED:
        raise Conflict(_("This person has been deleted and can no longer be changed."))
    changed = sorted(field for field, value in changes.items() if getattr(person, field) != value)
    for field, value in changes.items():
        setattr(person, field, value)
    person_validate(person)
    with transaction.atomic():
        _save(person)
        access_log_record(
            actor=actor,
            action=AccessAction.CHANGE,
            via=via,
            people=[person],
            detail=", ".join(changed),
        )
    return person
