"""The demo city behind `make run`: twelve schools of Musterstadt with their rooms, about
3,000 devices of twenty-one models bought in batches from 2016 to 2026, the devices'
history, and one login per role.

Demo data only. The logins have fixed, published passwords (`DEMO_LOGINS`); never load
the demo city into a database that real people use.
"""

import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.models import Role, User
from demo.data import (
    BERLIN,
    CATEGORIES,
    CITY,
    DEMO_LOGINS,
    FIRST_DAY,
    LAST_DAY,
    MIX,
    MODEL_ROWS,
    NOTES,
    POOL_FROM,
    POOL_MODEL,
    POOL_SITE,
    POOL_UNTIL,
    SCHOOL_ROWS,
    SECONDARY,
    SERIAL_CHARS,
    SHORT_NAMES,
    WIRED,
    DemoLogin,
    ModelRow,
)
from demo.loans import demo_loans_create
from demo.people import demo_people_create
from demo.stocktakings import demo_stocktakings_create
from inventory.models import (
    Category,
    Device,
    DeviceHistory,
    DeviceModel,
    Room,
    School,
    SchoolType,
    Status,
)


def demo_logins_present() -> list[DemoLogin]:
    """The demo logins whose user exists in this database."""
    names = [login.username for login in DEMO_LOGINS]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    return [login for login in DEMO_LOGINS if login.username in existing]


@transaction.atomic
def demo_city_load(*, seed: int) -> dict:
    """Build the demo city in an empty database: schools, rooms, device models, devices
    with their 'created' history rows (and a 'status' row for each device that broke, got
    lost or was retired), and the demo logins. The same seed builds the same city.
    Raises Conflict, writing nothing, when the database already has schools or a user
    with a demo login's username. Returns how many rows of each kind it wrote."""
    if School.objects.exists():
        raise Conflict(_("The database already has schools; the demo city was not loaded."))
    if demo_logins_present():
        raise Conflict(_("The demo users already exist; the demo city was not loaded."))
    rng = random.Random(seed)
    users = _create_users()
    schools = School.objects.bulk_create(
        School(
            number=n,
            school_type=t,
            name=name,
            short_name=SHORT_NAMES.get(n, ""),
            street=street,
            postal_code=code,
            city=CITY,
        )
        for n, t, name, street, code, _devices in SCHOOL_ROWS
    )
    for login in DEMO_LOGINS:
        if login.schools:
            users[login.username].schools.set([s for s in schools if s.number in login.schools])
    rooms = _create_rooms(schools)
    models = _device_models()
    devices: list[Device] = []
    for school, (*_row, count) in zip(schools, SCHOOL_ROWS, strict=True):
        devices += _school_devices(rng, school, rooms[school.number], models, count)
    _give_serials(rng, devices, models)
    Device.objects.bulk_create(devices, batch_size=500)
    pool_site, pool_devices = _pool_site(rng, models)
    Device.objects.bulk_create(pool_devices)
    devices += pool_devices
    history = _history(rng, devices, actor=users[DEMO_LOGINS[0].username])
    DeviceHistory.objects.bulk_create(history, batch_size=500)
    by_role = {login.role: users[login.username] for login in DEMO_LOGINS}
    people = demo_people_create(rng, schools, teacher_user=by_role[Role.TEACHER])
    loans = demo_loans_create(
        admin=by_role[Role.IT_ADMIN],
        coordinator=by_role[Role.COORDINATOR],
        teacher=by_role[Role.TEACHER],
    )
    scans = demo_stocktakings_create(rng=rng, coordinator=by_role[Role.COORDINATOR])
    return {
        "stocktaking_scans": scans,
        **people,
        "loans": sum(loans.values()),
        "loan_pool": pool_site.name,
        "schools": len(schools) + 1,
        "rooms": sum(len(group) for by_use in rooms.values() for group in by_use.values()) + 1,
        "device_models": len(MODEL_ROWS),
        "devices": len(devices),
        "history": len(history),
        "users": len(users),
    }


def _pool_site(rng: random.Random, models: dict) -> tuple[School, list[Device]]:
    """The media centre, the city's loan pool: its laptops bought together with the
    schools' loan devices, all lendable and waiting in its lending room."""
    number, name, street, code, count = POOL_SITE
    site = School.objects.create(
        number=number,
        school_type=SchoolType.OTHER,
        name=name,
        street=street,
        postal_code=code,
        city=CITY,
        loan_pool=True,
    )
    room = Room.objects.create(school=site, name="Ausleihe", building="Hauptgebäude")
    model, row = next(
        pair
        for pair in models[Category.LAPTOP]
        if (pair[0].manufacturer, pair[0].name) == POOL_MODEL
    )
    bought = _day(rng, POOL_FROM, POOL_UNTIL)
    price = Decimal(row.price) - Decimal("0.10")
    devices = [
        Device(
            asset_tag=f"{number}-{i:04d}",
            serial_number=f"PF{number}{i:03d}",
            model=model,
            manufacturer=model.manufacturer,
            school=site,
            room=room,
            status=Status.IN_STOCK,
            purchase_date=bought,
            purchase_price=price,
            funding_programme="Sofortausstattungsprogramm",
            warranty_end=_plus_years(bought, row.warranty_years),
            lendable=True,
        )
        for i in range(1, count + 1)
    ]
    return site, devices


def _create_users() -> dict[str, User]:
    users = {}
    for login in DEMO_LOGINS:
        user = User(
            username=login.username,
            first_name=login.first_name,
            last_name=login.last_name,
            email=f"{login.username}@musterstadt.example",
            role=login.role,
            # The Django admin is the IT admins' tool (see core.admin).
            is_staff=login.role == Role.IT_ADMIN,
        )
        user.set_password(login.password)
        user.save()
        users[login.username] = user
    return users


def _create_rooms(schools: list[School]) -> dict[str, dict[str, list[Room]]]:
    """Per school number, its rooms grouped by use: class, it, office, media, server, store."""
    rooms: list[tuple[Room, str]] = []
    for school, (*_row, count) in zip(schools, SCHOOL_ROWS, strict=True):
        classrooms = max(8, count // 12)
        big = count >= 200
        # A big school has outgrown its main building: a third of its classes are next door.
        main = classrooms * 2 // 3 if big else classrooms
        rooms += [(Room(school=school, name=f"R{i:03d}"), "class") for i in range(1, main + 1)]
        rooms += [
            (Room(school=school, name=f"N{100 + i}", building="Neubau"), "class")
            for i in range(1, classrooms - main + 1)
        ]
        special = [
            ("Informatikraum 1", "it"),
            ("Lehrerzimmer", "office"),
            ("Sekretariat", "office"),
            ("Medienraum", "media"),
            ("Serverraum", "server"),
            ("Lager", "store"),
        ]
        if school.school_type != SchoolType.GRUNDSCHULE:
            special.append(("Bibliothek", "media"))
        rooms += [(Room(school=school, name=name), use) for name, use in special]
        if big:
            rooms.append((Room(school=school, name="Informatikraum 2", building="Neubau"), "it"))
    for room, _use in rooms:
        room.building = room.building or "Hauptgebäude"
    Room.objects.bulk_create(room for room, _use in rooms)
    grouped: dict[str, dict[str, list[Room]]] = {}
    for room, use in rooms:
        grouped.setdefault(room.school.number, {}).setdefault(use, []).append(room)
    return grouped


def _device_models() -> dict[str, list[tuple[DeviceModel, ModelRow]]]:
    """The demo's models per category, reusing models the database already knows."""
    known = {(m.manufacturer.lower(), m.name.lower()): m for m in DeviceModel.objects.all()}
    new = [
        DeviceModel(manufacturer=row.manufacturer, name=row.name, category=row.category)
        for row in MODEL_ROWS
        if (row.manufacturer.lower(), row.name.lower()) not in known
    ]
    for model in DeviceModel.objects.bulk_create(new):
        known[(model.manufacturer.lower(), model.name.lower())] = model
    by_category: dict[str, list[tuple[DeviceModel, ModelRow]]] = {}
    for row in MODEL_ROWS:
        model = known[(row.manufacturer.lower(), row.name.lower())]
        by_category.setdefault(row.category, []).append((model, row))
    return by_category


def _school_devices(
    rng: random.Random,
    school: School,
    rooms: dict[str, list[Room]],
    models: dict[str, list[tuple[DeviceModel, ModelRow]]],
    count: int,
) -> list[Device]:
    """A school's devices, bought in batches: its loan pool first, then per category."""
    primary = school.school_type in (SchoolType.GRUNDSCHULE, SchoolType.FOERDERSCHULE)
    pool = max(6, count // 15)
    batches = [(Category.TABLET if primary else Category.LAPTOP, pool, True)]
    weights = MIX.get(school.school_type, SECONDARY)
    per_category = Counter(rng.choices(CATEGORIES, weights=weights, k=count - pool))
    for category in CATEGORIES:
        left = per_category[category]
        while left > 0:
            size = min(left, rng.randint(4, 40 if category in ("laptop", "tablet") else 12))
            batches.append((category, size, False))
            left -= size
    devices: list[Device] = []
    for category, size, pool_batch in batches:
        # The loan pool was bought with the Sofortausstattungsprogramm in 2020/21.
        choices = [m for m in models[category] if not pool_batch or m[1].first_year <= 2021]
        model, row = rng.choice(choices)
        devices += _batch(rng, school, rooms, model, row, size, pool=pool_batch, first=len(devices))
    return devices


def _batch(
    rng: random.Random,
    school: School,
    rooms: dict[str, list[Room]],
    model: DeviceModel,
    row: ModelRow,
    size: int,
    *,
    pool: bool,
    first: int,
) -> list[Device]:
    """One delivery: devices of one model, bought on one day at one price."""
    first_day, last_day = date(row.first_year, 1, 4), date(row.last_year, 12, 18)
    if pool:
        first_day, last_day = max(first_day, POOL_FROM), min(last_day, POOL_UNTIL)
    bought = _day(rng, first_day, last_day)
    funding = _funding(rng, row.category, bought, pool)
    price = Decimal(round(row.price * rng.uniform(0.9, 1.08))) - Decimal("0.10")
    place = _placement(rng, row.category, rooms)
    devices = []
    for i in range(size):
        status = _status(rng, row.category, 2026 - bought.year, pool)
        if status == Status.IN_USE:
            room = place(i)
        elif status == Status.IN_STOCK:
            room = rooms["media"][0] if pool else rooms["store"][0]
        elif status == Status.RETIRED and rng.random() < 0.5:
            room = rooms["store"][0]
        else:
            room = None  # at the repair shop, lost, or gone for good
        devices.append(
            Device(
                asset_tag=f"{school.number}-{first + i + 1:04d}",
                model=model,
                manufacturer=model.manufacturer,
                school=school,
                room=room,
                status=status,
                purchase_date=bought,
                purchase_price=price,
                funding_programme=funding,
                warranty_end=_plus_years(bought, row.warranty_years),
                lendable=pool or funding == "Sofortausstattungsprogramm",
                mac_addresses=[_mac(rng)] if row.category in WIRED else [],
                notes=rng.choice(NOTES[status]) if status in NOTES else "",
            )
        )
    return devices


def _funding(rng: random.Random, category: str, bought: date, pool: bool) -> str:
    if pool or (
        category in (Category.LAPTOP, Category.TABLET)
        and POOL_FROM <= bought <= POOL_UNTIL
        and rng.random() < 0.5
    ):
        return "Sofortausstattungsprogramm"
    if 2019 <= bought.year <= 2024 and category != Category.PRINTER and rng.random() < 0.65:
        return "DigitalPakt Schule"
    return rng.choice(("Medienentwicklungsplan", "Schulträger Haushalt"))


def _status(rng: random.Random, category: str, age: int, pool: bool) -> str:
    mobile = category in (Category.LAPTOP, Category.TABLET)
    roll = rng.random()
    if roll < (0.03 if mobile else 0.01):
        return Status.IN_REPAIR
    roll -= 0.03 if mobile else 0.01
    if roll < (0.012 if mobile else 0.002):
        return Status.LOST
    if pool:
        return Status.IN_STOCK
    retired = 0.5 if age >= 7 else 0.15 if age >= 5 else 0.0
    if rng.random() < retired:
        return Status.RETIRED
    return Status.IN_STOCK if rng.random() < (0.3 if age == 0 else 0.03) else Status.IN_USE


def _placement(rng: random.Random, category: str, rooms: dict[str, list[Room]]):
    """Where the i-th device of a batch in use stands: displays, document cameras and
    access points one per classroom (every fourth network device is a switch in the server
    room), printers in offices, a set of computers together in one room."""
    classrooms, start = rooms["class"], rng.randrange(len(rooms["class"]))
    if category in (Category.DISPLAY, Category.OTHER, Category.NETWORK):
        return lambda i: (
            rooms["server"][0]
            if category == Category.NETWORK and i % 4 == 0
            else classrooms[(start + i) % len(classrooms)]
        )
    if category == Category.PRINTER:
        return lambda i: rng.choice(rooms["office"] + rooms["it"])
    if category == Category.DESKTOP:
        room = rng.choice(rooms["it"] * 2 + rooms["office"])
    else:
        room = rng.choice(rooms["media"] + rooms["it"] + classrooms[:3])
    return lambda i: room


def _give_serials(
    rng: random.Random, devices: list[Device], models: dict[str, list[tuple]]
) -> None:
    """A serial number per device, unique per manufacturer, in the manufacturer's format."""
    pattern = {model.pk: row.serial for group in models.values() for model, row in group}
    used: set[tuple[str, str]] = set()
    for device in devices:
        if device.purchase_date.year < 2018 and rng.random() < 0.02:
            device.notes = device.notes or "Typenschild unleserlich"
            continue
        serial = ""
        while not serial or (device.manufacturer, serial) in used:
            serial = "".join(
                rng.choice(SERIAL_CHARS) if ch == "#" else ch for ch in pattern[device.model_id]
            )
        used.add((device.manufacturer, serial))
        device.serial_number = serial


def _history(rng: random.Random, devices: list[Device], *, actor: User) -> list[DeviceHistory]:
    """A 'created' row from when the device was inventoried after delivery, and for one
    that broke, got lost or was retired a 'status' row from when that happened."""
    rows = []
    for device in devices:
        bought = device.purchase_date
        row = partial(DeviceHistory, device=device, asset_tag=device.asset_tag, actor=actor)
        created = _moment(rng, bought + timedelta(days=rng.randint(2, 20)))
        rows.append(row(at=created, action=DeviceHistory.Action.CREATE))
        if device.status in NOTES:
            before = Status.IN_STOCK if device.lendable else Status.IN_USE
            rows.append(
                row(
                    at=_moment(rng, _day(rng, bought + timedelta(days=25), LAST_DAY)),
                    action=DeviceHistory.Action.UPDATE,
                    field="status",
                    old=before.value,
                    new=device.status.value,
                )
            )
    return rows


def _day(rng: random.Random, first: date, last: date) -> date:
    """A working day between first and last, within the demo's years."""
    first, last = max(first, FIRST_DAY), min(last, LAST_DAY)
    day = first + timedelta(days=rng.randint(0, max(0, (last - first).days)))
    return day - timedelta(days=max(0, day.weekday() - 4))


def _moment(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(rng.randint(7, 15), rng.randint(0, 59)), tzinfo=BERLIN)


def _plus_years(day: date, years: int) -> date:
    return date(day.year + years, day.month, min(day.day, 28)) - timedelta(days=1)


def _mac(rng: random.Random) -> str:
    # 02:… is a locally administered address: made up, it can never clash with a real card.
    return ":".join(["02", *(f"{rng.randrange(256):02X}" for _i in range(5))])
