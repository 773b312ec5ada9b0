"""The class teachers a student roster names (SchILD-NRW's column "Klassenlehrer": the
Kürzel of the class's teacher or teachers). A Kürzel means the working teacher of the
school who has it (a Kürzel is unique per school). When a class's rows name a Kürzel that
no teacher has, the preview says so and the class's teachers stay as they are; a class
whose rows name no Kürzel keeps its class teachers too."""

import re
from dataclasses import dataclass

from django.utils.translation import ngettext

from accounts.models import WORKING_STATUSES, ClassTeacher, Person, PersonRole, SchoolClass
from accounts.rosters.parse import RosterRow
from inventory.models import School

_SEPARATORS = re.compile(r"[,;/+&\s]+")


@dataclass
class PlannedClassTeachers:
    school_class: SchoolClass  # maybe a class the import creates
    teachers: list[Person]


def class_teacher_codes(text: str) -> list[str]:
    """The Kürzel of a cell, in order, each once: "MÜL, SCH" → ["MÜL", "SCH"]."""
    return list(dict.fromkeys(code for code in _SEPARATORS.split(text) if code))


def plan_class_teachers(
    *, school: School, rows: list[RosterRow]
) -> tuple[list[PlannedClassTeachers], list[dict]]:
    """The class teachers of each class the valid rows name Kürzel for, and the report's
    entries: class name, the teachers ("Müller, Anna (MÜL)") and the Kürzel no working
    teacher of the school has, with a message."""
    teachers = {
        teacher.short_code.casefold(): teacher
        for teacher in Person.objects.filter(
            school=school, role=PersonRole.TEACHER, status__in=WORKING_STATUSES
        ).exclude(short_code="")
    }
    named: dict[int, tuple[SchoolClass, dict[str, None]]] = {}
    for row in rows:
        if row.errors or row.school_class is None or not row.at_school:
            continue
        codes = class_teacher_codes(row.values.get("class_teacher") or "")
        if codes:
            entry = named.setdefault(id(row.school_class), (row.school_class, {}))
            entry[1].update(dict.fromkeys(codes))
    planned, report = [], []
    for school_class, codes in sorted(named.values(), key=lambda pair: pair[0].name):
        found = [teachers[code.casefold()] for code in codes if code.casefold() in teachers]
        unknown = [code for code in codes if code.casefold() not in teachers]
        if not unknown:
            planned.append(PlannedClassTeachers(school_class, found))
        entry = {
            "class_name": school_class.name,
            "teachers": [f"{t.sort_name} ({t.short_code})" for t in found],
            "unknown": unknown,
        }
        if unknown:
            entry["message"] = ngettext(
                "No teacher of the school has the short code %(codes)s, so the class "
                "teachers of %(class)s stay as they are: import the teachers first, or set "
                "them on the class page.",
                "No teacher of the school has the short codes %(codes)s, so the class "
                "teachers of %(class)s stay as they are: import the teachers first, or set "
                "them on the class page.",
                len(unknown),
            ) % {"codes": ", ".join(unknown), "class": school_class.name}
        report.append(entry)
    return planned, report


def class_teachers_write(planned: list[PlannedClassTeachers]) -> None:
    """Make the planned teachers the class teachers of each class; a class teacher the file
    no longer names teaches the class on as a subject teacher. Classes the import creates
    are saved by then."""
    for each in planned:
        class_id = each.school_class.pk
        ClassTeacher.objects.filter(school_class_id=class_id, is_class_teacher=True).exclude(
            teacher__in=each.teachers
        ).update(is_class_teacher=False)
        for teacher in each.teachers:
            ClassTeacher.objects.update_or_create(
                school_class_id=class_id, teacher=teacher, defaults={"is_class_teacher": True}
            )
