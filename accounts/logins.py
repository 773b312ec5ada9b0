"""Login names: made from a person's name by a configurable pattern, unique across the city.

Settings (all optional):
- LERNSTATT_LOGIN_PATTERN: the pattern for everyone, default "{first}.{last}".
- LERNSTATT_LOGIN_PATTERN_STUDENT / _TEACHER / _STAFF: a pattern for one role, e.g.
  "{code}" for teachers who log in with their Kürzel.
- LERNSTATT_LOGIN_REUSE_DAYS: how long the login of a deleted person stays reserved (365).

Pattern fields: {first} first name(s), {last} last name, {f} first letter of the first
name, {l} first letter of the last name, {code} the Kürzel. Everything else in a pattern
is kept if it is one of a-z 0-9 . - _.
"""

import re
import string
import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from accounts.directory.lookup import uids_in_directory
from accounts.models import LOGIN_MAX_LENGTH, Person, ReleasedLogin
from core.errors import DirectoryUnavailable
from core.models import User
from core.usernames import username_normalise

DEFAULT_PATTERN = "{first}.{last}"
FALLBACK_LOGIN = "user"
PATTERN_FIELDS = frozenset({"first", "last", "f", "l", "code"})
# Fields that may be cut to fit the length limit; one-letter fields are never cut.
_CUTTABLE = ("last", "first", "code")
_SEPARATORS = "._-"
_LITERAL_CHARS = frozenset(string.ascii_lowercase + string.digits + _SEPARATORS)
# Any fixed number; it only has to be the same for every process allocating logins.
_ADVISORY_LOCK_KEY = 0x4C6F67696E  # "Login"

_TRANSLITERATION = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "Ä": "ae",
        "Ö": "oe",
        "Ü": "ue",
        "ß": "ss",
        "ẞ": "ss",
        # Latin letters that Unicode does not decompose into a base letter and an accent.
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
        "ħ": "h",
        "Ħ": "h",
        "ŧ": "t",
        "Ŧ": "t",
    }
)
_NOT_LOGIN_CHAR = re.compile(r"[^a-z0-9]")
_RUN_OF_SEPARATORS = re.compile(r"[._-]{2,}")


@lru_cache(maxsize=65536)
def transliterate(text: str) -> str:
    """Spell a name with a-z and 0-9 only, the German way: "Müller-Lüdenscheidt" →
    "muellerluedenscheidt", "Nguyễn" → "nguyen", "O'Brien" → "obrien". Characters
    without a Latin spelling (e.g. "李") are dropped, so the result may be empty."""
    # NFC first so that an umlaut typed as "u" + combining diaeresis is still "ue".
    text = unicodedata.normalize("NFC", text).translate(_TRANSLITERATION)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_LOGIN_CHAR.sub("", text.lower())


@lru_cache(maxsize=64)
def _parse_pattern(pattern: str) -> tuple[tuple[str, str | None], ...]:
    parts: list[tuple[str, str | None]] = []
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise ImproperlyConfigured(f"Login pattern {pattern!r}: {exc}") from exc
    for literal, field, _spec, _conversion in parsed:
        if field is not None and field not in PATTERN_FIELDS:
            raise ImproperlyConfigured(
                f"Login pattern {pattern!r}: unknown field {{{field}}}; "
                f"use {', '.join(sorted(PATTERN_FIELDS))}."
            )
        kept = "".join(c for c in literal.lower() if c in _LITERAL_CHARS)
        parts.append((kept, field))
    if not any(field for _literal, field in parts):
        raise ImproperlyConfigured(f"Login pattern {pattern!r} has no field.")
    return tuple(parts)


def _tidy(login: str) -> str:
    # An empty field leaves its separators behind: ".mueller", "anna.", "a..b".
    return _RUN_OF_SEPARATORS.sub(lambda m: m.group()[0], login).strip(_SEPARATORS)


def _render(pattern: str, values: dict[str, str]) -> str:
    parts = _parse_pattern(pattern)
    used = {field: values[field] for _literal, field in parts if field}
    fixed = sum(len(literal) for literal, _field in parts)
    # Cut the longest name part one letter at a time (the last name on a tie), so the
    # separators survive and both names keep a recognisable beginning.
    while fixed + sum(len(v) for v in used.values()) > LOGIN_MAX_LENGTH:
        cuttable = [f for f in _CUTTABLE if f in used and len(used[f]) > 1]
        if not cuttable:
            break
        longest = max(cuttable, key=lambda f: len(used[f]))
        used[longest] = used[longest][:-1]
    login = "".join(literal + (used[field] if field else "") for literal, field in parts)
    return _tidy(login)[:LOGIN_MAX_LENGTH].rstrip(_SEPARATORS)


def _uses_code(pattern: str) -> bool:
    return any(field == "code" for _literal, field in _parse_pattern(pattern))


def login_pattern(role: str) -> str:
    """The configured pattern for a role (see the module docstring)."""
    return getattr(
        settings,
        f"LERNSTATT_LOGIN_PATTERN_{role.upper()}",
        getattr(settings, "LERNSTATT_LOGIN_PATTERN", DEFAULT_PATTERN),
    )


def login_candidates(
    *,
    first_name: str,
    last_name: str,
    short_code: str | None = None,
    role: str,
    pattern: str | None = None,
) -> list[str]:
    """The logins to try for a person, best first; never empty, each at most 20 characters.

    All given names are kept and joined ("Anna Lena" → "annalena"): the school office
    records the name a person goes by, and many use a double first name as one name.
    A pattern with {code} falls back to the default pattern when the Kürzel is missing
    or already taken elsewhere in the city; a name that transliterates to nothing
    ("李") gets the login "user" (numbered when taken)."""
    first = transliterate(first_name)
    last = transliterate(last_name)
    values = {
        "first": first,
        "last": last,
        "f": first[:1],
        "l": last[:1],
        "code": transliterate(short_code or ""),
    }
    pattern = pattern or login_pattern(role)
    patterns = [pattern]
    if _uses_code(pattern):
        patterns.append(DEFAULT_PATTERN)
    candidates: list[str] = []
    for each in patterns:
        if _uses_code(each) and not values["code"]:
            continue
        login = _render(each, values)
        if login and login not in candidates:
            candidates.append(login)
    return candidates or [FALLBACK_LOGIN]


def _numbered(base: str, number: int) -> str:
    suffix = str(number)
    return base[: LOGIN_MAX_LENGTH - len(suffix)].rstrip(_SEPARATORS) + suffix


def _allocate(base: str, is_taken: Callable[[str], bool], start: int) -> tuple[str, int]:
    if not is_taken(base):
        return base, 1
    number = max(start, 2)
    while is_taken(login := _numbered(base, number)):
        number += 1
    return login, number


def login_allocate(*, base: str, taken: set[str] | Callable[[str], bool]) -> str:
    """The first free login of base, base2, base3, …; the base is shortened to make room
    for the number, so the result never exceeds 20 characters. `taken` is a set of logins
    in use or a function that tells whether a login is in use."""
    is_taken = taken.__contains__ if isinstance(taken, set) else taken
    return _allocate(base, is_taken, 2)[0]


def taken_logins() -> set[str]:
    """Every login that may not be given to a new person: those of all people in the
    database (whatever their status), those released within the reuse period, and the
    names of all Lernstatt users (lower case), so that no person's account is ever named
    like a user. One query."""
    reuse_days = getattr(settings, "LERNSTATT_LOGIN_REUSE_DAYS", 365)
    since = timezone.now() - timedelta(days=reuse_days)
    # Without their default ordering: a UNION's parts may not be ordered on SQLite.
    people = Person.objects.order_by().values_list("login")
    released = ReleasedLogin.objects.filter(released_at__gt=since).order_by().values_list("login")
    users = User.objects.order_by().values_list("username")
    return {login.lower() for (login,) in people.union(released, users, all=True)}


def login_reserves_username(username: str) -> bool:
    """Whether `username` is a person's login (case ignored) and so may not name a
    Lernstatt user, unless that user is the person's own."""
    return (
        Person.objects.filter(login=username_normalise(username))
        .exclude(user__username=username)
        .exists()
    )


def logins_assign(*, people: Iterable[Person]) -> dict[str, Person]:
    """Give every person without a login a new one, unique across the whole city and
    among the people given, and return {login: person} for those who got one. People who
    already have a login keep it. Nothing is saved: the caller saves the people, and
    must do so in the same transaction, because on PostgreSQL this call takes a lock
    (held until that transaction ends) so that two imports at the same time cannot hand
    out the same login. On SQLite, write transactions are serialised anyway. The taken
    logins are read in one query, whatever the number of people, and a login is never
    a Lernstatt username or a uid found anywhere below LDAP_BASE_DN. Raises
    DirectoryUnavailable (nothing assigned) when a configured directory cannot be
    asked."""
    people = list(people)
    assigned: dict[str, Person] = {}
    if not any(not person.login for person in people):
        return assigned
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        taken = taken_logins()
        taken.update(person.login for person in people if person.login)
        new = [person for person in people if not person.login]
        unassigned = list(new)
        # A uid below the base DN that is no person's (an admin's own entry, say) is taken
        # too. The directory is asked about the logins chosen, and again for those chosen
        # anew in place of one it has, until it has none of them.
        while new:
            chosen = _choose(new, taken)
            try:
                in_directory = uids_in_directory(chosen)
            except DirectoryUnavailable:
                for person in unassigned:
                    person.login = ""
                raise
            for login, person in chosen.items():
                if login in in_directory:
                    person.login = ""
                else:
                    assigned[login] = person
            taken.update(chosen)
            new = [person for person in new if not person.login]
    return assigned


def _choose(people: list[Person], taken: set[str]) -> dict[str, Person]:
    """A free login for each person (set on the person), as {login: person}; `taken` is
    left as it was."""
    taken = set(taken)
    chosen: dict[str, Person] = {}
    # Where numbering of a base continues, so a hundred namesakes cost no more than one.
    next_number: dict[str, int] = {}
    for person in people:
        candidates = login_candidates(
            first_name=person.first_name,
            last_name=person.last_name,
            short_code=person.short_code,
            role=person.role,
        )
        login = next((c for c in candidates if c not in taken), None)
        if login is None:
            base = candidates[0]
            login, number = _allocate(base, taken.__contains__, next_number.get(base, 2))
            next_number[base] = number + 1
        taken.add(login)
        person.login = login
        chosen[login] = person
    return chosen


def login_for_person(person: Person) -> str:
    """The person's login, after giving them a new one if they have none (see
    logins_assign); the person is not saved."""
    logins_assign(people=[person])
    return person.login


def logins_release(*, logins: Iterable[str], released_at: datetime | None = None) -> int:
    """Reserve the logins of people who are being deleted for the reuse period, counted
    from released_at (now by default). Call it in the transaction that deletes them.
    Returns how many logins were recorded."""
    released_at = released_at or timezone.now()
    rows = [ReleasedLogin(login=login, released_at=released_at) for login in set(logins)]
    with transaction.atomic():
        ReleasedLogin.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["login"], update_fields=["released_at"]
        )
    return len(rows)
