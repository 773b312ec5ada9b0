"""The demo city's people: per school a few classes of students and the teachers with their
Kürzel. Logins come from accounts.logins, as a roster import would give them."""

import random
import re
from datetime import date, timedelta

from accounts.logins import logins_assign, transliterate
from accounts.models import ClassTeacher, Person, PersonRole, SchoolClass
from core.models import Role, User
from demo.data import (
    CLASSES,
    DEMO_LOGINS,
    FIRST_NAMES,
    LAST_NAMES,
    OTHER_CLASSES,
    SCHOOL_YEAR,
    STUDENTS_PER_CLASS,
    TEACHER_FIRST_NAMES,
    TEACHERS_PER_SCHOOL,
)
from inventory.models import School


def demo_people_create(
    rng: random.Random, schools: list[School], *, teacher_user: User
) -> dict[str, int]:
    """Classes with students and teachers for each school; the demo teacher login is also
    the first teacher of her school (her Person linked to the user). Each class has a
    class teacher and two subject teachers (demo_teachings). Returns how many classes,
    students and teachers."""
    classes = SchoolClass.objects.bulk_create(
        SchoolClass(school=school, name=name, school_year=SCHOOL_YEAR)
        for school in schools
        for name, _grade in CLASSES.get(school.school_type, OTHER_CLASSES)
    )
    grades = {
        (school.pk, name): grade
        for school in schools
        for name, grade in CLASSES.get(school.school_type, OTHER_CLASSES)
    }
    people: list[Person] = []
    for school_class in classes:
        grade = grades[(school_class.school_id, school_class.name)]
        for _i in range(rng.randint(*STUDENTS_PER_CLASS)):
            people.append(_student(rng, school_class, grade, number=len(people) + 1))
    students = len(people)
    teacher_login = next(login for login in DEMO_LOGINS if login.role == Role.TEACHER)
    for school in schools:
        names = [
            (rng.choice(TEACHER_FIRST_NAMES), last)
            for last in rng.sample(LAST_NAMES, TEACHERS_PER_SCHOOL)
        ]
        hers = school.number in teacher_login.schools
        if hers:
            names[0] = (teacher_login.first_name, teacher_login.last_name)
        codes: set[str] = set()
        for index, (first, last) in enumerate(names):
            people.append(
                Person(
                    role=PersonRole.TEACHER,
                    first_name=first,
                    last_name=last,
                    birth_date=_birthday(rng, rng.randint(1962, 1996)),
                    external_id=f"L{len(people) + 1:05d}",
                    short_code=_kuerzel(last, codes),
                    school=school,
                    user=teacher_user if hers and index == 0 else None,
                )
            )
    logins_assign(people=people)
    Person.objects.bulk_create(people, batch_size=500)
    ClassTeacher.objects.bulk_create(demo_teachings(classes, people[students:]))
    return {"classes": len(classes), "students": students, "teachers": len(people) - students}


def demo_teachings(classes: list[SchoolClass], teachers: list[Person]) -> list[ClassTeacher]:
    """Per school, class i has the school's teacher i as class teacher and teachers i+1
    and i-1 as subject teachers: the first teacher (the demo teacher at her school) leads
    the first class and teaches the second."""
    by_school: dict[int, list[Person]] = {}
    for teacher in teachers:
        by_school.setdefault(teacher.school_id, []).append(teacher)
    links = []
    numbers: dict[int, int] = {}
    for school_class in classes:
        staff = by_school[school_class.school_id]
        i = numbers[school_class.school_id] = numbers.get(school_class.school_id, -1) + 1
        links.append(
            ClassTeacher(
                school_class=school_class, teacher=staff[i % len(staff)], is_class_teacher=True
            )
        )
        for other in {(i + 1) % len(staff), (i - 1) % len(staff)} - {i % len(staff)}:
            links.append(ClassTeacher(school_class=school_class, teacher=staff[other]))
    return links


def _student(rng: random.Random, school_class: SchoolClass, grade: int, *, number: int) -> Person:
    # Born in the year that puts the student into the grade at six, some a year later.
    born = SCHOOL_YEAR - 6 - grade + 1 - (rng.random() < 0.8)
    return Person(
        role=PersonRole.STUDENT,
        first_name=rng.choice(FIRST_NAMES),
        last_name=rng.choice(LAST_NAMES),
        birth_date=_birthday(rng, born),
        external_id=f"{number:05d}",
        school=school_class.school,
        school_class=school_class,
    )


def _birthday(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


def _kuerzel(last_name: str, taken: set[str]) -> str:
    """Three capital letters of the last name ("Krämer" → "KRA"), a digit added if the
    school already has them."""
    letters = re.sub(r"[^A-Z]", "", transliterate(last_name.split()[-1]).upper())
    code = letters[:3]
    number = 1
    while code in taken:
        number += 1
        code = f"{letters[:2]}{number}"
    taken.add(code)
    return code
