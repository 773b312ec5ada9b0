"""Who may do what, and for which schools: decided here and nowhere else.

Two questions, always in this order:
1. May this role do this at all? (`require`) If not: 403, whatever the object.
2. Which schools does it reach? (`scope`) An object outside them is "not found" (404),
   so a coordinator cannot learn that a device of another school exists.
"""

from enum import StrEnum

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.errors import PermissionDenied
from core.models import Role, User


class Perm(StrEnum):
    SCHOOL_VIEW = "school.view"
    SCHOOL_EDIT = "school.edit"
    ROOM_VIEW = "room.view"
    ROOM_EDIT = "room.edit"
    DEVICE_MODEL_VIEW = "device_model.view"
    DEVICE_MODEL_CREATE = "device_model.create"
    # Changing or deleting a model touches every school's devices of that model.
    DEVICE_MODEL_EDIT = "device_model.edit"
    DEVICE_VIEW = "device.view"
    DEVICE_EDIT = "device.edit"
    DEVICE_DELETE = "device.delete"
    DEVICE_IMPORT = "device.import"
    REPORT_VIEW = "report.view"
    DIRECTORY_SYNC = "directory.sync"
    # Students and teachers of a school: names, class, login, status.
    PERSON_VIEW = "person.view"
    # Every person of one's schools; without it (a teacher) only the students of the
    # classes one teaches (accounts.people.selectors.people_scope) and oneself.
    PERSON_VIEW_SCHOOL = "person.view_school"
    # Birth dates and the school office's ids: only for those who keep the rosters.
    PERSON_PRIVATE_VIEW = "person.private_view"
    PERSON_EDIT = "person.edit"
    CLASS_EDIT = "class.edit"
    ROSTER_IMPORT = "roster.import"
    # Set a new password for a student and see it once.
    PASSWORD_RESET = "password.reset"
    # The class lists with the initial passwords of new accounts, for printing.
    PASSWORD_HANDOUT = "password.handout"
    # Ask for a loan device for a student; see one's own requests.
    LOAN_REQUEST = "loan.request"
    # The queue: approve, reject, allocate, hand out, take back, extend, mark lost.
    LOAN_MANAGE = "loan.manage"
    # The Django admin shows every school's data unscoped, so it is for IT admins alone.
    ADMIN_SITE = "admin.site"
    # Everything held about one person as one file (DSGVO Art. 15): IT admins only.
    PERSON_EXPORT = "person.export"
    # Who looked at or changed whose data (access_log_record): IT admins only.
    ACCESS_LOG_VIEW = "access_log.view"
    # Scan devices in an open stock-taking (Inventur). A teacher only in the rooms of the
    # classes they lead (stocktaking.selectors.scan_rooms); coordinators in their schools.
    STOCKTAKE_SCAN = "stocktake.scan"
    # Start and close a stock-taking, move a device found elsewhere, read the protocol.
    STOCKTAKE_MANAGE = "stocktake.manage"


_COORDINATOR = {
    Perm.SCHOOL_VIEW,
    Perm.ROOM_VIEW,
    Perm.ROOM_EDIT,
    Perm.DEVICE_MODEL_VIEW,
    Perm.DEVICE_MODEL_CREATE,
    Perm.DEVICE_VIEW,
    Perm.DEVICE_EDIT,
    Perm.DEVICE_IMPORT,
    Perm.REPORT_VIEW,
    Perm.DIRECTORY_SYNC,
    Perm.PERSON_VIEW,
    Perm.PERSON_VIEW_SCHOOL,
    Perm.PERSON_PRIVATE_VIEW,
    Perm.PERSON_EDIT,
    Perm.CLASS_EDIT,
    Perm.ROSTER_IMPORT,
    Perm.PASSWORD_RESET,
    Perm.PASSWORD_HANDOUT,
    Perm.LOAN_REQUEST,
    Perm.LOAN_MANAGE,
    Perm.STOCKTAKE_SCAN,
    Perm.STOCKTAKE_MANAGE,
}

GRANTS: dict[str, frozenset[Perm]] = {
    Role.IT_ADMIN: frozenset(Perm),
    Role.COORDINATOR: frozenset(_COORDINATOR),
    Role.TEACHER: frozenset(
        {
            Perm.SCHOOL_VIEW,
            Perm.ROOM_VIEW,
            Perm.DEVICE_MODEL_VIEW,
            Perm.PERSON_VIEW,
            Perm.PASSWORD_RESET,
            Perm.LOAN_REQUEST,
            Perm.STOCKTAKE_SCAN,
        }
    ),
    Role.CITY_STAFF: frozenset({Perm.SCHOOL_VIEW, Perm.DEVICE_MODEL_VIEW, Perm.REPORT_VIEW}),
}

# Roles that reach every school; all others reach only the schools assigned to them.
_CITY_WIDE = {Role.IT_ADMIN, Role.CITY_STAFF}


def role_of(actor: User) -> str | None:
    if not actor.is_active:
        return None
    if actor.is_superuser:
        return Role.IT_ADMIN
    return actor.role


def has(actor: User, perm: Perm) -> bool:
    return perm in GRANTS.get(role_of(actor), frozenset())


def require(actor: User, perm: Perm) -> None:
    """Raise PermissionDenied unless the actor's role may do `perm` at all."""
    if not has(actor, perm):
        raise PermissionDenied(_("You are not allowed to do this."))


def school_ids(actor: User) -> frozenset[int] | None:
    """The ids of the schools the actor reaches, or None for all schools."""
    if role_of(actor) in _CITY_WIDE:
        return None
    cached = getattr(actor, "_lernstatt_school_ids", None)
    if cached is None:
        cached = frozenset(actor.schools.values_list("id", flat=True))
        actor._lernstatt_school_ids = cached
    return cached


def reaches_school(actor: User, school_id: int) -> bool:
    ids = school_ids(actor)
    return ids is None or school_id in ids


def scope(
    qs: QuerySet, actor: User, perm: Perm, *, school_field: str | None = "school"
) -> QuerySet:
    """`qs` limited to what the actor may see for `perm`; raises PermissionDenied if the
    role may not do `perm` at all. `school_field` is the lookup from the model to its School
    (`"id"` for School itself, None for data that belongs to no school)."""
    require(actor, perm)
    ids = school_ids(actor)
    if ids is None or school_field is None:
        return qs
    return qs.filter(**{f"{school_field}__in": ids})


def _role_ignoring_status(user: User) -> str | None:
    return Role.IT_ADMIN if user.is_superuser else user.role


def outranks(user: User, actor: User) -> bool:
    """Whether `user` may do something `actor` may not: a permission the actor's role
    lacks, the Django admin (staff or superuser status the actor lacks), or a school the
    actor does not reach. Whether `user` is active does not matter: an account that is
    locked now may be open again tomorrow. Who outranks the actor is out of the actor's
    reach for everything that takes over an account, such as a password reset."""
    if user.pk is not None and user.pk == actor.pk:
        return False
    theirs = GRANTS.get(_role_ignoring_status(user), frozenset())
    if not theirs <= GRANTS.get(role_of(actor), frozenset()):
        return True
    if (user.is_superuser and not actor.is_superuser) or (user.is_staff and not actor.is_staff):
        return True
    reach = school_ids(actor)
    if reach is None:
        return False
    if _role_ignoring_status(user) in _CITY_WIDE:
        return True
    return not set(user.schools.values_list("id", flat=True)) <= reach
