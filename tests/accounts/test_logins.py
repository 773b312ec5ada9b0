import datetime
import threading
import unicodedata

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.logins import (
    login_allocate,
    login_candidates,
    login_for_person,
    logins_assign,
    logins_release,
    transliterate,
)
from accounts.models import Person, PersonRole, ReleasedLogin, login_validator
from tests.accounts.factories import PersonFactory, SchoolClassFactory


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Müller-Lüdenscheidt", "muellerluedenscheidt"),
        ("ÄÖÜ äöü ß ẞ", "aeoeueaeoeuessss"),
        ("O'Brien", "obrien"),
        ("Al-Hassan", "alhassan"),
        ("Nguyễn", "nguyen"),
        ("Łukasz", "lukasz"),
        ("Đorđević", "dordevic"),
        ("Søren Ærø", "sorenaero"),
        ("Œuvre", "oeuvre"),
        ("Þór", "thor"),
        ("Yıldız", "yildiz"),
        ("İlkay Gündoğan", "ilkayguendogan"),
        ("François Çelik", "francoiscelik"),
        ("José María", "josemaria"),
        ("Zoë", "zoe"),
        ("李", ""),
        ("J.", "j"),
    ],
)
def test_transliterate_spells_names_with_a_to_z_the_german_way(name, expected):
    assert transliterate(name) == expected


def test_transliterate_treats_a_decomposed_umlaut_like_a_composed_one():
    assert transliterate(unicodedata.normalize("NFD", "Jürgen")) == "juergen"


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("Sean", "O'Brien", "sean.obrien"),
        ("Hans", "Müller-Lüdenscheidt", "hans.muellerluedensc"),
        ("Minh Anh", "Nguyễn", "minhanh.nguyen"),
        ("Ali", "Al-Hassan", "ali.alhassan"),
        ("J.", "Smith", "j.smith"),
        ("J", "Smith", "j.smith"),
        ("Anna Lena", "Schmidt", "annalena.schmidt"),
        ("李", "Wang", "wang"),
        ("Anna", "李", "anna"),
        ("李", "明", "user"),
        ("", "", "user"),
    ],
)
def test_login_from_the_default_pattern(first, last, expected):
    candidates = login_candidates(
        first_name=first, last_name=last, role=PersonRole.STUDENT, pattern="{first}.{last}"
    )
    assert candidates == [expected]


def test_a_long_double_name_is_cut_to_20_characters_keeping_the_dot():
    last = "Müller-Lüdenscheidt-Hohenzollern-Sigmaringen"
    assert len(last) >= 40
    [login] = login_candidates(
        first_name="Anna", last_name=last, role=PersonRole.STUDENT, pattern="{first}.{last}"
    )
    assert login == "anna.muellerluedensc"
    [login] = login_candidates(
        first_name="Maximilian Alexander",
        last_name=last,
        role=PersonRole.STUDENT,
        pattern="{first}.{last}",
    )
    first, _, last_part = login.partition(".")
    assert len(login) == 20
    assert first.startswith("maximilian") and last_part.startswith("mueller")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("{f}{last}", "amueller"),
        ("{last}{f}", "muellera"),
        ("{first}{last}", "annamueller"),
        ("{first}_{last}", "anna_mueller"),
        ("{last}.{first}", "mueller.anna"),
        ("{f}.{l}.{last}", "a.m.mueller"),
        ("S-{first}.{last}", "s-anna.mueller"),
    ],
)
def test_login_patterns(pattern, expected):
    candidates = login_candidates(
        first_name="Anna", last_name="Müller", role=PersonRole.STUDENT, pattern=pattern
    )
    assert candidates == [expected]


def test_teachers_may_use_their_kuerzel_with_the_name_as_fallback():
    assert login_candidates(
        first_name="Max", last_name="Müller", short_code="MÜL", role="teacher", pattern="{code}"
    ) == ["muel", "max.mueller"]
    assert login_candidates(
        first_name="Max", last_name="Müller", short_code="", role="teacher", pattern="{code}"
    ) == ["max.mueller"]


def test_the_pattern_comes_from_the_settings_per_role(settings):
    settings.LERNSTATT_LOGIN_PATTERN = "{f}{last}"
    settings.LERNSTATT_LOGIN_PATTERN_TEACHER = "{code}"
    kwargs = {"first_name": "Max", "last_name": "Müller", "short_code": "MUE"}
    assert login_candidates(role="student", **kwargs) == ["mmueller"]
    assert login_candidates(role="teacher", **kwargs) == ["mue", "max.mueller"]


@pytest.mark.parametrize("pattern", ["{first}.{name}", "{first}.{last", "plain"])
def test_a_broken_pattern_is_a_configuration_error(pattern):
    with pytest.raises(ImproperlyConfigured):
        login_candidates(first_name="A", last_name="B", role="student", pattern=pattern)


@given(first=st.text(max_size=60), last=st.text(max_size=60))
@hypothesis_settings(max_examples=300, deadline=None)
def test_any_name_gives_a_valid_login_of_at_most_20_characters(first, last):
    candidates = login_candidates(first_name=first, last_name=last, role="student")
    assert candidates
    for login in candidates:
        assert 1 <= len(login) <= 20
        login_validator(login)
        assert not login.endswith((".", "-", "_"))


def test_allocate_numbers_collisions():
    assert login_allocate(base="anna.mueller", taken=set()) == "anna.mueller"
    assert login_allocate(base="anna.mueller", taken={"anna.mueller"}) == "anna.mueller2"
    taken = {"anna.mueller", "anna.mueller2"}
    assert login_allocate(base="anna.mueller", taken=taken) == "anna.mueller3"
    assert login_allocate(base="anna.mueller", taken=lambda login: login in taken) == (
        "anna.mueller3"
    )


def test_allocate_shortens_the_base_to_make_room_for_the_number():
    base = "anna.muellerluedensc"
    taken = {base} | {base[:19] + str(n) for n in range(2, 10)}
    assert login_allocate(base=base, taken=taken) == "anna.muellerlueden10"
    # A cut that would end in the dot drops the dot too.
    assert login_allocate(base="abcdefghijklmnopqr.s", taken={"abcdefghijklmnopqr.s"}) == (
        "abcdefghijklmnopqr2"
    )


def _new_student(school_class, first, last):
    return Person(
        role=PersonRole.STUDENT,
        first_name=first,
        last_name=last,
        birth_date=datetime.date(2014, 5, 1),
        school=school_class.school,
        school_class=school_class,
    )


def test_two_anna_muellers_in_one_class_get_numbered_logins(school_a):
    school_class = SchoolClassFactory(school=school_a)
    people = [_new_student(school_class, "Anna", "Müller") for _ in range(3)]
    assigned = logins_assign(people=people)
    Person.objects.bulk_create(people)
    assert sorted(assigned) == ["anna.mueller", "anna.mueller2", "anna.mueller3"]
    assert sorted(Person.objects.values_list("login", flat=True)) == sorted(assigned)


def test_logins_are_unique_across_schools(school_a, school_b):
    PersonFactory(school=school_b, login="anna.mueller")
    person = _new_student(SchoolClassFactory(school=school_a), "Anna", "Müller")
    assert login_for_person(person) == "anna.mueller2"


def test_people_with_a_login_keep_it_and_their_login_is_taken(school_a):
    school_class = SchoolClassFactory(school=school_a)
    existing = _new_student(school_class, "Anna", "Müller")
    existing.login = "anna.mueller"
    new = _new_student(school_class, "Anna", "Müller")
    assert logins_assign(people=[existing, new]) == {"anna.mueller2": new}
    assert existing.login == "anna.mueller"


def test_a_login_released_10_days_ago_is_not_given_again(school_a):
    ReleasedLogin.objects.create(
        login="anna.mueller", released_at=timezone.now() - datetime.timedelta(days=10)
    )
    person = _new_student(SchoolClassFactory(school=school_a), "Anna", "Müller")
    assert login_for_person(person) == "anna.mueller2"


def test_a_login_released_400_days_ago_is_free_again(school_a):
    ReleasedLogin.objects.create(
        login="anna.mueller", released_at=timezone.now() - datetime.timedelta(days=400)
    )
    person = _new_student(SchoolClassFactory(school=school_a), "Anna", "Müller")
    assert login_for_person(person) == "anna.mueller"


def test_the_reuse_period_comes_from_the_settings(school_a, settings):
    settings.LERNSTATT_LOGIN_REUSE_DAYS = 30
    ReleasedLogin.objects.create(
        login="anna.mueller", released_at=timezone.now() - datetime.timedelta(days=40)
    )
    person = _new_student(SchoolClassFactory(school=school_a), "Anna", "Müller")
    assert login_for_person(person) == "anna.mueller"


def test_releasing_logins_reserves_them_from_now(school_a):
    old = timezone.now() - datetime.timedelta(days=400)
    ReleasedLogin.objects.create(login="anna.mueller", released_at=old)
    assert logins_release(logins=["anna.mueller", "ben.schulz", "ben.schulz"]) == 2
    assert ReleasedLogin.objects.get(login="anna.mueller").released_at > old
    people = [
        _new_student(SchoolClassFactory(school=school_a), "Anna", "Müller"),
        _new_student(SchoolClassFactory(school=school_a), "Ben", "Schulz"),
    ]
    assert sorted(logins_assign(people=people)) == ["anna.mueller2", "ben.schulz2"]


def test_a_teachers_kuerzel_taken_at_another_school_falls_back_to_the_name(
    school_a, school_b, settings
):
    settings.LERNSTATT_LOGIN_PATTERN_TEACHER = "{code}"
    PersonFactory(school=school_b, role=PersonRole.TEACHER, login="mue", short_code="MUE")
    teacher = Person(
        role=PersonRole.TEACHER,
        first_name="Max",
        last_name="Müller",
        short_code="MUE",
        birth_date=datetime.date(1980, 1, 1),
        school=school_a,
    )
    assert login_for_person(teacher) == "max.mueller"


def test_taken_logins_are_read_in_one_query_whatever_the_number_of_people(school_a):
    school_class = SchoolClassFactory(school=school_a)
    PersonFactory(school=school_a, login="anna.mueller")

    def queries_for(count):
        people = [_new_student(school_class, "Anna", "Müller") for _ in range(count)]
        with CaptureQueriesContext(connection) as ctx:
            logins_assign(people=people)
        return [q["sql"] for q in ctx.captured_queries if "login" in q["sql"]]

    assert len(queries_for(1)) == 1
    assert len(queries_for(300)) == 1


def test_ten_thousand_new_people_get_unique_valid_logins_in_a_fixed_number_of_queries(
    school_a, django_assert_max_num_queries
):
    school_class = SchoolClassFactory(school=school_a)
    firsts = ["Anna", "Ben", "Emma", "Jonas", "Mia", "Leon", "Zoë", "Ömer", "Łucja", "J."]
    lasts = [f"Müller{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}" for i in range(500)]
    people = [
        _new_student(school_class, firsts[i % len(firsts)], lasts[i % len(lasts)])
        for i in range(10_000)
    ]
    # Reading the taken and released logins (and on PostgreSQL the lock), never per person.
    with django_assert_max_num_queries(4):
        assigned = logins_assign(people=people)
    assert len(assigned) == 10_000
    assert len({person.login for person in people}) == 10_000
    assert all(len(login) <= 20 for login in assigned)


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_the_same_time_do_not_hand_out_the_same_login():
    school_class = SchoolClassFactory()
    assigned_first = threading.Event()
    may_commit = threading.Event()
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def import_one(name: str, hold: bool) -> None:
        try:
            with transaction.atomic():
                person = _new_student(school_class, "Anna", "Müller")
                logins_assign(people=[person])
                person.save()
                if hold:
                    assigned_first.set()
                    may_commit.wait(timeout=10)
            results[name] = person.login
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=import_one, args=("first", True))
    first.start()
    assert assigned_first.wait(timeout=10)
    second = threading.Thread(target=import_one, args=("second", False))
    second.start()
    # The second import waits for the first one's transaction instead of reading a stale
    # list of taken logins.
    second.join(timeout=0.5)
    assert second.is_alive()
    may_commit.set()
    first.join(timeout=10)
    second.join(timeout=10)
    assert not errors
    assert results == {"first": "anna.mueller", "second": "anna.mueller2"}
