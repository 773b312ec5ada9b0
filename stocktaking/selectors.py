"""Reads of stock-takings, always for an actor (core.permissions decides).

Who sees which stock-taking: those who manage stock-takings (coordinators, IT admins) see
every one of the schools they reach, open and closed; a teacher sees an open one only if
it covers a room of a class they lead (Selbstinventur), and of it only those rooms
(`scan_rooms`). Everything else is "not found", so nobody learns that it exists.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ClassTeacher
from core.errors import NotFound
from core.models import User
from core.permissions import Perm, has, reaches_school, require, school_ids, scope
from inventory.models import Device, DeviceModel, Room, School, Status
from scheduling.models import Loan, LoanStatus
from stocktaking.models import (
    DeviceSeen,
    ExpectedDevice,
    ExpectedResult,
    Outcome,
    Scan,
    Stocktaking,
    StocktakingStatus,
)

RECENT_SCANS = 20


def manages(actor: User) -> bool:
    """Whether the actor's role starts, closes and moves (and sees every room)."""
    return has(actor, Perm.STOCKTAKE_MANAGE)


def _classrooms(actor: User) -> QuerySet:
    """The ids of the classrooms of the classes the actor leads as class teacher (through
    the link from their user to their Person), in the schools they reach; a subquery."""
    links = ClassTeacher.objects.filter(
        teacher__user=actor, is_class_teacher=True, school_class__room__isnull=False
    )
    reach = school_ids(actor)
    if reach is not None:
        links = links.filter(school_class__room__school_id__in=reach)
    return links.values("school_class__room_id")


def teacher_room_ids(actor: User) -> frozenset[int]:
    """The classrooms of the classes the actor leads as class teacher."""
    return frozenset(row["school_class__room_id"] for row in _classrooms(actor))


def _covering(rooms: QuerySet) -> Q:
    """The stock-takings whose scope holds one of the rooms (a subquery of room ids)."""
    schools_of_rooms = Room.objects.filter(pk__in=rooms).values("school_id")
    return Q(rooms__in=rooms) | Q(whole_school=True, school_id__in=schools_of_rooms)


def stocktaking_list(*, actor: User, perm: Perm = Perm.STOCKTAKE_SCAN) -> QuerySet[Stocktaking]:
    """The stock-takings the actor may see, newest first (see the module's docstring)."""
    qs = scope(Stocktaking.objects.select_related("school", "started_by", "closed_by"), actor, perm)
    if not manages(actor):
        ids = Stocktaking.objects.filter(_covering(_classrooms(actor))).values("pk")
        qs = qs.filter(status=StocktakingStatus.OPEN, pk__in=ids)
    return qs.order_by("-started_at", "-pk")


def stocktaking_open_count(*, actor: User) -> int:
    """How many open stock-takings the actor may scan in (the start page's tile)."""
    return stocktaking_list(actor=actor).filter(status=StocktakingStatus.OPEN).count()


def stocktaking_get(
    *, actor: User, stocktaking_id: int, perm: Perm = Perm.STOCKTAKE_SCAN
) -> Stocktaking:
    """One stock-taking the actor may see; with STOCKTAKE_MANAGE a teacher gets 403 (the
    role first), one out of reach is NotFound."""
    found = stocktaking_list(actor=actor, perm=perm).filter(pk=stocktaking_id).first()
    if found is None:
        raise NotFound(_("Stock-taking not found."))
    return found


def scope_rooms(stocktaking: Stocktaking) -> QuerySet[Room]:
    """The rooms the stock-taking covers: all of the school's, or those chosen at the start."""
    rooms = Room.objects.filter(school_id=stocktaking.school_id)
    if not stocktaking.whole_school:
        rooms = rooms.filter(stocktakings=stocktaking)
    return rooms.order_by("building", "name", "pk")


def scan_rooms(*, actor: User, stocktaking: Stocktaking) -> list[Room]:
    """The rooms of the stock-taking the actor may scan in (and see): all for those who
    manage, a teacher's classrooms among them for a teacher."""
    rooms = scope_rooms(stocktaking)
    if not manages(actor):
        rooms = rooms.filter(pk__in=teacher_room_ids(actor))
    return list(rooms)


def scan_room_get(*, actor: User, stocktaking: Stocktaking, room_id: int) -> Room | None:
    """One of scan_rooms by id (with its school), or None."""
    rooms = scope_rooms(stocktaking).select_related("school").filter(pk=room_id)
    if not manages(actor):
        rooms = rooms.filter(pk__in=_classrooms(actor))
    return rooms.first()


def visible_room_ids(*, actor: User, stocktaking: Stocktaking) -> frozenset[int] | None:
    """The rooms whose devices the actor sees in counts and lists; None: all of them."""
    if manages(actor):
        return None
    return frozenset(room.pk for room in scan_rooms(actor=actor, stocktaking=stocktaking))


def on_loan_device_ids() -> QuerySet:
    """The devices handed out on a loan now, as a subquery: they count as seen."""
    return Loan.objects.filter(status=LoanStatus.ON_LOAN, device__isnull=False).values("device_id")


def _expected(stocktaking: Stocktaking, room_ids: frozenset[int] | None) -> QuerySet:
    rows = ExpectedDevice.objects.filter(stocktaking=stocktaking)
    if room_ids is not None:
        rows = rows.filter(room_id__in=room_ids)
    return rows


def _expected_states(stocktaking: Stocktaking) -> dict[str, Q]:
    """What each expected device is now, as conditions on ExpectedDevice: from the scans
    and loans while open, from the results stored at closing once closed."""
    if stocktaking.is_open:
        return {
            "seen": Q(seen=True),
            "on_loan": Q(seen=False, device_id__in=on_loan_device_ids()),
            "missing": Q(seen=False) & ~Q(device_id__in=on_loan_device_ids()),
            "lost": Q(result=ExpectedResult.LOST),  # decided at closing: none yet
        }
    return {
        "seen": Q(result=ExpectedResult.SEEN),
        "on_loan": Q(result=ExpectedResult.ON_LOAN),
        "missing": Q(result__in=(ExpectedResult.MISSING, ExpectedResult.LOST)),
        "lost": Q(result=ExpectedResult.LOST),
    }


@dataclass(frozen=True)
class Counts:
    expected: int
    seen: int  # scanned, or on loan
    found: int
    elsewhere: int
    unknown: int
    on_loan: int
    missing: int
    lost: int


def stocktaking_counts(
    *, stocktaking: Stocktaking, room_ids: frozenset[int] | None = None
) -> Counts:
    """The figures of a stock-taking, for the rooms `room_ids` (None: all). `seen` counts
    the expected devices scanned and those on loan; `found`/`elsewhere` the devices seen
    by a scan; `unknown` the asset tags no device has (each once). Two queries."""
    states = _expected_states(stocktaking)
    expected = _expected(stocktaking, room_ids).aggregate(
        expected=Count("pk"),
        scanned=Count("pk", filter=states["seen"]),
        on_loan=Count("pk", filter=states["on_loan"]),
        missing=Count("pk", filter=states["missing"]),
        lost=Count("pk", filter=states["lost"]),
    )
    scans = Scan.objects.filter(stocktaking=stocktaking)
    if room_ids is not None:
        scans = scans.filter(room_id__in=room_ids)
    outcomes = scans.aggregate(
        found=Count("pk", filter=Q(outcome=Outcome.FOUND)),
        elsewhere=Count("pk", filter=Q(outcome=Outcome.ELSEWHERE)),
        unknown=Count(Upper("asset_tag"), filter=Q(outcome=Outcome.UNKNOWN), distinct=True),
    )
    return Counts(
        expected=expected["expected"],
        seen=expected["scanned"] + expected["on_loan"],
        found=outcomes["found"],
        elsewhere=outcomes["elsewhere"],
        unknown=outcomes["unknown"],
        on_loan=expected["on_loan"],
        missing=expected["missing"],
        lost=expected["lost"],
    )


@dataclass(frozen=True)
class ScanCounts:
    expected: int
    seen: int
    missing: int


def scan_counts(*, stocktaking: Stocktaking, room_ids: frozenset[int] | None = None) -> ScanCounts:
    """The counts every scan's answer carries (stocktaking_counts' expected, seen and
    missing), in one statement written out: it runs on every scan, and the ORM takes
    longer to build the same aggregate than the database takes to answer it. An expected
    device not seen looks up its loan through the loans' index of devices."""
    if not stocktaking.is_open:
        counts = stocktaking_counts(stocktaking=stocktaking, room_ids=room_ids)
        return ScanCounts(counts.expected, counts.seen, counts.missing)
    params: list = [LoanStatus.ON_LOAN.value, stocktaking.pk]
    rooms = ""
    if room_ids is not None:
        if not room_ids:
            return ScanCounts(0, 0, 0)
        rooms = f" AND e.room_id IN ({', '.join(['%s'] * len(room_ids))})"
        params.extend(sorted(room_ids))
    on_loan = (
        f"EXISTS (SELECT 1 FROM {Loan._meta.db_table} l WHERE l.device_id = e.device_id"
        f" AND l.status = %s)"
    )
    sql = (
        f"SELECT COUNT(*), SUM(CASE WHEN e.seen OR {on_loan} THEN 1 ELSE 0 END)"
        f" FROM {ExpectedDevice._meta.db_table} e WHERE e.stocktaking_id = %s{rooms}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        expected, seen = cursor.fetchone()
    seen = seen or 0
    return ScanCounts(expected, seen, expected - seen)


@dataclass
class RoomProgress:
    room_id: int | None
    name: str
    building: str = ""
    expected: int = 0
    seen: int = 0
    missing: int = 0


def room_progress(
    *, stocktaking: Stocktaking, room_ids: frozenset[int] | None = None
) -> list[RoomProgress]:
    """Per room of the scope (the actor's rooms: `room_ids`), the devices expected there,
    seen and missing; the expected devices without a room last. Two queries."""
    states = _expected_states(stocktaking)
    rows = (
        _expected(stocktaking, room_ids)
        .order_by()
        .values("room_id", "room_name")
        .annotate(
            n_expected=Count("pk"),
            n_seen=Count("pk", filter=states["seen"] | states["on_loan"]),
            n_missing=Count("pk", filter=states["missing"]),
        )
    )
    by_room = {row["room_id"]: row for row in rows}
    rooms = scope_rooms(stocktaking)
    if room_ids is not None:
        rooms = rooms.filter(pk__in=room_ids)
    progress = []
    for room in rooms:
        row = by_room.pop(room.pk, {})
        progress.append(
            RoomProgress(
                room.pk,
                room.name,
                room.building,
                row.get("n_expected", 0),
                row.get("n_seen", 0),
                row.get("n_missing", 0),
            )
        )
    # Rooms gone or left out of the scope since the start, then no room at all.
    for room_id, row in sorted(
        by_room.items(), key=lambda item: (item[0] is None, item[1]["room_name"])
    ):
        name = row["room_name"] or _("without a room")
        progress.append(
            RoomProgress(room_id, name, "", row["n_expected"], row["n_seen"], row["n_missing"])
        )
    return progress


@dataclass
class MissingDevice:
    expected_id: int
    asset_tag: str
    model: str
    room: str
    on_loan: bool
    result: str = ""


def missing_devices(
    *, stocktaking: Stocktaking, room_ids: frozenset[int] | None = None
) -> list[MissingDevice]:
    """The expected devices not seen by a scan, by asset tag: those on loan now (they count
    as seen) and the missing ones; once closed, as the closing decided. One query."""
    states = _expected_states(stocktaking)
    rows = (
        _expected(stocktaking, room_ids)
        .filter(states["missing"] | states["on_loan"])
        .select_related("device__model")
        .order_by("asset_tag", "pk")
    )
    if stocktaking.is_open:
        loans = Loan.objects.filter(status=LoanStatus.ON_LOAN, device_id=OuterRef("device_id"))
        rows = rows.annotate(is_on_loan=Exists(loans))
    return [
        MissingDevice(
            expected_id=row.pk,
            asset_tag=row.asset_tag,
            model=str(row.device.model) if row.device is not None else "",
            room=row.room_name,
            on_loan=(
                row.is_on_loan if stocktaking.is_open else row.result == ExpectedResult.ON_LOAN
            ),
            result=row.result,
        )
        for row in rows
    ]


def may_move(actor: User, scan: Scan) -> bool:
    """Whether the actor may move the scan's device into the room it was scanned in: a
    device found elsewhere, not moved yet, scanned in a room, of a school the actor edits
    devices of, in an open stock-taking of theirs."""
    device = scan.device
    return bool(
        scan.outcome == Outcome.ELSEWHERE
        and scan.moved_at is None
        and scan.room_id is not None
        and device is not None
        and scan.stocktaking.is_open
        and manages(actor)
        and has(actor, Perm.DEVICE_EDIT)
        and reaches_school(actor, device.school_id)
        and reaches_school(actor, scan.stocktaking.school_id)
    )


def recent_scans(*, actor: User, stocktaking: Stocktaking) -> list[Scan]:
    """The actor's last scans in the stock-taking, newest first."""
    return list(
        Scan.objects.filter(stocktaking=stocktaking, scanned_by=actor)
        .select_related("device__model", "room", "recorded_room", "recorded_school")
        .order_by("-received_at", "-pk")[:RECENT_SCANS]
    )


def scan_get(*, actor: User, stocktaking: Stocktaking, scan_id: int) -> Scan:
    """A scan of the stock-taking: for those who manage any, for a teacher only their own."""
    scans = Scan.objects.filter(stocktaking=stocktaking).select_related(
        "device__model", "device__room", "device__school", "room__school", "recorded_room",
        "recorded_school",
    )  # fmt: skip
    if not manages(actor):
        scans = scans.filter(scanned_by=actor)
    scan = scans.filter(pk=scan_id).first()
    if scan is None:
        raise NotFound(_("Scan not found."))
    return scan


# -- the protocol's lists ---------------------------------------------------------------------


@dataclass
class Protocol:
    """Everything the protocol of a stock-taking shows, read once."""

    stocktaking: Stocktaking
    counts: Counts
    rooms: list[Room]
    scanners: list[tuple[str, int]]
    found: list[tuple[str, str, str]]  # asset tag, model, room scanned in
    moved: list[Scan]
    elsewhere: list[Scan]
    unknown: list[dict]
    missing: list[MissingDevice]
    on_loan: list[MissingDevice] = field(default_factory=list)


def _person(user: User | None) -> str:
    if user is None:
        return _("unknown")
    return user.get_full_name() or user.username


def stocktaking_protocol(*, stocktaking: Stocktaking) -> Protocol:
    """The protocol's figures and lists. `stocktaking` comes from stocktaking_get with
    STOCKTAKE_MANAGE, so who may read it is decided. A fixed number of queries."""
    # The devices found are most of the school: read as values, not as models.
    found = [
        (tag, DeviceModel.label(manufacturer, model) if model else "", room or "–")
        for tag, manufacturer, model, room in Scan.objects.filter(
            stocktaking=stocktaking, outcome=Outcome.FOUND
        )
        .order_by("asset_tag", "pk")
        .values_list(
            "asset_tag", "device__model__manufacturer", "device__model__name", "room__name"
        )
    ]
    sightings = list(
        Scan.objects.filter(stocktaking=stocktaking, outcome=Outcome.ELSEWHERE)
        .select_related("stocktaking", "device__model", "room", "recorded_room", "recorded_school")
        .order_by("asset_tag", "pk")
    )
    scanners = (
        Scan.objects.filter(stocktaking=stocktaking)
        .order_by()
        .values("scanned_by")
        .annotate(n=Count("pk"))
    )
    users = {
        user.pk: user
        for user in User.objects.filter(pk__in=[row["scanned_by"] for row in scanners])
    }
    unknown = (
        Scan.objects.filter(stocktaking=stocktaking, outcome=Outcome.UNKNOWN)
        .annotate(tag=Upper("asset_tag"))
        .order_by()
        .values("tag")
        .annotate(n=Count("pk"))
        .order_by("tag")
    )
    first_rooms = {}
    for scan in (
        Scan.objects.filter(stocktaking=stocktaking, outcome=Outcome.UNKNOWN)
        .select_related("room")
        .order_by("received_at", "pk")
    ):
        first_rooms.setdefault(scan.asset_tag.upper(), (scan.asset_tag, scan.room))
    not_seen = missing_devices(stocktaking=stocktaking)
    return Protocol(
        stocktaking=stocktaking,
        counts=stocktaking_counts(stocktaking=stocktaking),
        rooms=list(scope_rooms(stocktaking)) if not stocktaking.whole_school else [],
        scanners=sorted(
            ((_person(users.get(row["scanned_by"])), row["n"]) for row in scanners),
            key=lambda item: (-item[1], item[0]),
        ),
        found=found,
        moved=[scan for scan in sightings if scan.moved_at is not None],
        elsewhere=[scan for scan in sightings if scan.moved_at is None],
        unknown=[
            {
                "asset_tag": first_rooms[row["tag"]][0],
                "room": first_rooms[row["tag"]][1],
                "count": row["n"],
            }
            for row in unknown
        ],
        missing=[device for device in not_seen if not device.on_loan],
        on_loan=[device for device in not_seen if device.on_loan],
    )


# -- the comparison with the stock-taking before ----------------------------------------------


@dataclass
class Comparison:
    previous: Stocktaking
    counts: Counts
    previous_counts: Counts
    missing_now_found_before: list[str]
    found_now_missing_before: list[str]


def _seen_and_missing(stocktaking: Stocktaking) -> tuple[set[int], set[int]]:
    states = _expected_states(stocktaking)
    rows = ExpectedDevice.objects.filter(stocktaking=stocktaking, device__isnull=False)
    seen = set(rows.filter(states["seen"] | states["on_loan"]).values_list("device_id", flat=True))
    missing = set(rows.filter(states["missing"]).values_list("device_id", flat=True))
    return seen, missing


def stocktaking_comparison(*, stocktaking: Stocktaking) -> Comparison | None:
    """The stock-taking beside the last closed one of the same school before it (None if
    there is none): the counts of both, the devices missing now that the one before saw,
    and those seen now that it missed (asset tags, sorted)."""
    previous = (
        Stocktaking.objects.filter(
            school_id=stocktaking.school_id,
            status=StocktakingStatus.CLOSED,
            started_at__lt=stocktaking.started_at,
        )
        .exclude(pk=stocktaking.pk)
        .order_by("-closed_at", "-pk")
        .first()
    )
    if previous is None:
        return None
    seen_now, missing_now = _seen_and_missing(stocktaking)
    seen_before, missing_before = _seen_and_missing(previous)
    tags = dict(
        Device.objects.filter(
            pk__in=(seen_now | missing_now | seen_before | missing_before)
        ).values_list("pk", "asset_tag")
    )
    return Comparison(
        previous=previous,
        counts=stocktaking_counts(stocktaking=stocktaking),
        previous_counts=stocktaking_counts(stocktaking=previous),
        missing_now_found_before=sorted(tags[pk] for pk in missing_now & seen_before),
        found_now_missing_before=sorted(tags[pk] for pk in seen_now & missing_before),
    )


# -- last seen ----------------------------------------------------------------------------------


def device_seen(*, device: Device) -> DeviceSeen | None:
    """When the device was last seen by a stock-taking, and by which; None: never.
    `device` comes from device_get, so who may see it is decided."""
    return DeviceSeen.objects.select_related("stocktaking").filter(device=device).first()


def not_seen_by_school(
    *, actor: User, perm: Perm = Perm.REPORT_VIEW, today: datetime.date | None = None
) -> list[dict]:
    """Per school the actor may report on (every school, zeros too): its devices in
    service (neither retired nor lost), how many of them a stock-taking last saw more than
    12 months ago, and how many no stock-taking has ever seen. One query."""
    require(actor, perm)
    today = today or timezone.localdate()
    year_ago = timezone.make_aware(
        datetime.datetime.combine(_year_before(today), datetime.time.min)
    )
    in_service = ~Q(devices__status__in=(Status.RETIRED, Status.LOST))
    schools = (
        scope(School.objects.all(), actor, perm, school_field="id")
        .order_by("name", "number")
        .annotate(
            n_devices=Count("devices", filter=in_service),
            n_over_year=Count(
                "devices", filter=in_service & Q(devices__last_seen__seen_at__lt=year_ago)
            ),
            n_never=Count("devices", filter=in_service & Q(devices__last_seen__isnull=True)),
        )
        .values_list("name", "number", "n_devices", "n_over_year", "n_never")
    )
    return [
        {
            "school": name,
            "school_number": number,
            "devices": devices,
            "seen_over_a_year_ago": over_year,
            "never_seen": never,
            "not_seen": over_year + never,
        }
        for name, number, devices, over_year, never in schools
    ]


def _year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
