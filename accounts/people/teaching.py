"""Who teaches which class (ClassTeacher): read by everyone who sees the class, changed by
those who edit classes. A teacher reaches the students of their classes only
(selectors.people_scope), so these links decide what a teacher sees."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import WORKING_STATUSES, ClassTeacher, Person, PersonRole, SchoolClass
from core.errors import NotFound, ValidationFailed
from core.models import User
from core.permissions import Perm, reaches_school, require


def class_teachers(school_class: SchoolClass) -> list[ClassTeacher]:
    """The class's teachers, the class teachers first, then by name; one query."""
    return list(
        ClassTeacher.objects.filter(school_class=school_class)
        .select_related("teacher")
        .order_by("-is_class_teacher", "teacher__last_name", "teacher__first_name", "pk")
    )


def class_teacher_candidates(school_class: SchoolClass) -> list[Person]:
    """The teachers of the class's school who work there (active or tolerated) and do not
    teach the class yet, by name."""
    return list(
        Person.objects.filter(
            school_id=school_class.school_id,
            role=PersonRole.TEACHER,
            status__in=WORKING_STATUSES,
        )
        .exclude(teachings__school_class=school_class)
        .order_by("last_name", "first_name", "login")
    )


def _editable(actor: User, school_class: SchoolClass) -> None:
    require(actor, Perm.CLASS_EDIT)
    if not reaches_school(actor, school_class.school_id):
        raise NotFound(_("Class not found."))


def class_teacher_set(
    *, actor: User, school_class: SchoolClass, teacher_id: int, is_class_teacher: bool
) -> ClassTeacher:
    """Let the teacher (a working teacher of the class's school) teach the class, as its
    class teacher or a subject teacher; a teacher who teaches it already gets the new
    role. A teacher of another school, a student or someone who has left is refused with
    the field named; a class out of the actor's reach is not found."""
    _editable(actor, school_class)
    teacher = Person.objects.filter(
        pk=teacher_id,
        school_id=school_class.school_id,
        role=PersonRole.TEACHER,
        status__in=WORKING_STATUSES,
    ).first()
    if teacher is None:
        message = _("Please choose a teacher of the school %(school)s.") % {
            "school": school_class.school.name
        }
        raise ValidationFailed(message, errors=[{"field": "teacher", "message": message}])
    with transaction.atomic():
        link, _created = ClassTeacher.objects.update_or_create(
            school_class=school_class,
            teacher=teacher,
            defaults={"is_class_teacher": is_class_teacher},
        )
    return link


def class_teacher_remove(*, actor: User, school_class: SchoolClass, teacher_id: int) -> Person:
    """The teacher no longer teaches the class (and so no longer sees its students);
    NotFound if they did not teach it."""
    _editable(actor, school_class)
    link = (
        ClassTeacher.objects.filter(school_class=school_class, teacher_id=teacher_id)
        .select_related("teacher")
        .first()
    )
    if link is None:
        raise NotFound(_("The teacher does not teach this class."))
    link.delete()
    return link.teacher
