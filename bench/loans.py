"""Loans benchmark: prints a table, changes no database but its own.

    DJANGO_SETTINGS_MODULE=lernstatt.settings .venv/bin/python bench/loans.py
        [--db sqlite|postgres|both] [--devices 15000] [--loans 200000] [--queries 200]
        [--clients 8]

A city of 60 schools and a loan pool site with --devices devices (two in five lendable
laptops and tablets, the rest classroom equipment) and 20,000 students, and --loans loans
over three years — returned, cancelled, lost, on loan (some overdue), reserved ahead —
that never hold one device twice (they pass the exclusion constraint on PostgreSQL), in a
scratch database (SQLite: a new file under /tmp; PostgreSQL: a new database on the server
of DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres, dropped afterwards). The
loans are loaded with COPY (PostgreSQL) or one executemany (SQLite). Steps:

- availability: scheduling.selectors.device_availability for laptops city-wide (an IT
  admin: every school and the pool) for a 4-week period, --queries times with different
  first days, once within the next four months (far ahead, more devices are free: up to
  a thousand) and once within the next eight weeks: median and p95, against the SQL of
  the same query run through the database driver alone (fetchall). Its query count is
  taken at a tenth of the loans and at all of them: 1 both times.
- allocation: scheduling.allocation.loans_allocate_waiting for 1,000 waiting requests.
- concurrent bookings (PostgreSQL only): --clients threads, each with its own connection,
  approve requests through scheduling.services.loan_approve with a device picked from
  the availability list; a device taken by another client a moment earlier is a Conflict
  (409), counted, and the client picks again.
- export: scheduling.exporting.loan_export of every loan to .xlsx and .csv, against the
  driver fetching the same rows plus the sheet writer alone (core.sheets.xlsx, csv)
  writing the same cells.

Memory: the peak resident memory of the process during each step (Linux VmHWM, reset
before the step) and for the whole run.
"""

import argparse
import csv
import datetime
import enum
import heapq
import itertools
import json
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from databases import default_kind, run_each_database, run_in_own_database
from memory import peak_mb, reset_peak

ROOT = Path(__file__).resolve().parent.parent
SCHOOLS = 60
STUDENTS = 20_000
WAITING = 1_000
AVAILABILITY_P95_MS = 50
MEMORY_LIMIT_MB = 500
FIRST = ["Anna", "Ben", "Clara", "Deniz", "Emma", "Finn", "Greta", "Hannes", "Ida", "Jonas"]
LAST = ["Müller", "Schmidt", "Özdemir", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Koch"]
MODELS = [
    ("Lenovo", "ThinkPad L14 Gen 4", "laptop"),
    ("Dell", "Latitude 3540", "laptop"),
    ("HP", "ProBook 450 G10", "laptop"),
    ("Apple", "iPad 10.9 (10. Generation)", "tablet"),
    ("Samsung", "Galaxy Tab A9+", "tablet"),
    ("Dell", "OptiPlex 7010 SFF", "desktop"),
    ("Samsung", "Flip Pro WM65B", "display"),
    ("HP", "LaserJet Pro 4002dn", "printer"),
]


# Measuring


def timed(step: Callable[[], object]) -> tuple[float, float, object]:
    """(seconds, peak MB during the step, result)."""
    reset_peak()
    start = time.perf_counter()
    result = step()
    return time.perf_counter() - start, peak_mb(), result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# The city


def build_city(devices: int):
    """Schools, models, devices and students; returns (admin, lendable device rows, the
    students by school id)."""
    from accounts.models import Person, PersonRole, SchoolClass
    from core.models import Role, User
    from inventory.models import Device, DeviceModel, School, Status

    rng = random.Random(11)
    schools = School.objects.bulk_create(
        [
            School(number=f"{150000 + 7 * n:06d}", name=f"Schule {n + 1:02d}", city="Musterstadt")
            for n in range(SCHOOLS)
        ]
        + [School(number="199999", name="Medienzentrum", city="Musterstadt", loan_pool=True)]
    )
    if not schools[0].pk:  # SQLite before 3.35 returns no ids from bulk_create
        schools = list(School.objects.order_by("pk"))
    models = DeviceModel.objects.bulk_create(
        DeviceModel(manufacturer=m, name=n, category=c) for m, n, c in MODELS
    )
    if not models[0].pk:
        models = list(DeviceModel.objects.order_by("pk"))
    pool, regular = schools[-1], schools[:-1]
    rows = []
    for n in range(devices):
        lendable = n % 5 < 2  # two in five: laptops (two thirds) and tablets
        if lendable:
            model = models[n % 3] if n % 3 else models[3 + n % 2]
            # a tenth of the lendable devices are the pool's
            school = pool if n % 50 < 4 else regular[n % len(regular)]
        else:
            model = models[5 + n % 3] if n % 4 else models[n % 5]
            school = regular[n % len(regular)]
        rows.append(
            Device(
                asset_tag=f"{school.number}-{n:06d}",
                serial_number=f"SN{n:08X}",
                manufacturer=model.manufacturer,
                model=model,
                school=school,
                status=Status.IN_STOCK if lendable else Status.IN_USE,
                lendable=lendable,
            )
        )
    Device.objects.bulk_create(rows, batch_size=5000)
    classes = SchoolClass.objects.bulk_create(
        SchoolClass(school=school, name=f"{5 + c // 2}{'ab'[c % 2]}", school_year=2026)
        for school in regular
        for c in range(12)
    )
    if not classes[0].pk:
        classes = list(SchoolClass.objects.order_by("pk"))
    Person.objects.bulk_create(
        (
            Person(
                role=PersonRole.STUDENT,
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                birth_date=datetime.date(2012, 1, 1) + datetime.timedelta(days=n % 1500),
                school_id=classes[n % len(classes)].school_id,
                school_class=classes[n % len(classes)],
                login=f"s{n:06d}",
            )
            for n in range(STUDENTS)
        ),
        batch_size=5000,
    )
    students: dict[int, list[int]] = {}
    for pk, school_id in Person.objects.values_list("pk", "school_id"):
        students.setdefault(school_id, []).append(pk)
    lendable = list(
        Device.objects.filter(lendable=True)
        .order_by("pk")
        .values_list("pk", "school_id", "model__category")
    )
    admin = User.objects.create(username="bench", role=Role.IT_ADMIN, first_name="Bea")
    return admin, lendable, students


def loan_rows(
    lendable: list[tuple[int, int, str]], students: dict[int, list[int]], total: int, admin_id: int
) -> Iterator[dict]:
    """`total` loans as column values along each device's timeline from about three years
    ago to half a year ahead (no two periods of one device share a day), in the order they
    were requested, as a real table fills: the open loans are the recent rows."""
    rng = random.Random(5)
    per_device = -(-total // len(lendable))
    timelines = [
        _timeline(device, school, category, per_device, students, admin_id, rng)
        for device, school, category in lendable
    ]
    merged = heapq.merge(*timelines, key=lambda row: row["requested_at"])
    return itertools.islice(merged, total)


def _timeline(
    device_id: int,
    school_id: int,
    category: str,
    count: int,
    students: dict[int, list[int]],
    admin_id: int,
    rng: random.Random,
) -> Iterator[dict]:
    from django.utils import timezone

    from scheduling.models import LoanStatus

    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    horizon = today + datetime.timedelta(days=180)
    school_ids = sorted(students)
    day = today - datetime.timedelta(days=rng.randint(900, 1000))
    last_request = datetime.datetime.combine(day, datetime.time(9), tz)
    for _ in range(count):
        day += datetime.timedelta(days=rng.randint(0, 32))
        length = rng.randint(5, 28)
        starts_on, ends_on = day, day + datetime.timedelta(days=length - 1)
        day = ends_on + datetime.timedelta(days=1)
        if starts_on > horizon:
            status, device = LoanStatus.REJECTED, None  # asked too far ahead: no device
        elif ends_on < today:
            roll = rng.random()
            if roll < 0.03:
                status = LoanStatus.CANCELLED
            elif roll < 0.032:
                status = LoanStatus.LOST
            elif ends_on >= today - datetime.timedelta(days=14) and roll < 0.3:
                status = LoanStatus.ON_LOAN  # overdue
            else:
                status = LoanStatus.RETURNED
            device = device_id
        elif starts_on <= today:
            status, device = LoanStatus.ON_LOAN, device_id
        else:
            status, device = LoanStatus.RESERVED, device_id
        school = school_id if school_id in students else rng.choice(school_ids)
        lead = datetime.timedelta(days=rng.randint(3, 30))
        requested = max(
            last_request, datetime.datetime.combine(starts_on - lead, datetime.time(9), tz)
        )
        last_request = requested
        handed_out = status in (LoanStatus.ON_LOAN, LoanStatus.RETURNED, LoanStatus.LOST)
        yield {
            "student_id": rng.choice(students[school]),
            "school_id": school,
            "category": category,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "reason": "distance_learning" if rng.random() < 0.75 else "no_device_at_home",
            "status": status.value,
            "device_id": device,
            "requested_by_id": admin_id,
            "requested_at": requested,
            "decided_at": requested + datetime.timedelta(days=1),
            "updated_at": requested + datetime.timedelta(days=1),
            "handed_out_at": datetime.datetime.combine(starts_on, datetime.time(10), tz)
            if handed_out
            else None,
            "guardian_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}" if handed_out else "",
            "accessories_out": ["charger", "case"] if handed_out else [],
            "agreement_signed": handed_out,
            "returned_at": datetime.datetime.combine(ends_on, datetime.time(15), tz)
            if status == LoanStatus.RETURNED
            else None,
            "accessories_in": ["charger"] if status == LoanStatus.RETURNED else [],
        }


def waiting_rows(students: dict[int, list[int]], admin_id: int) -> Iterator[dict]:
    """Requests approved when nothing was free, first come first served."""
    from django.utils import timezone

    rng = random.Random(9)
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    school_ids = sorted(students)
    for n in range(WAITING):
        school = school_ids[n % len(school_ids)]
        starts_on = today + datetime.timedelta(days=rng.randint(1, 120))
        requested = datetime.datetime.combine(today, datetime.time(8), tz)
        yield {
            "student_id": rng.choice(students[school]),
            "school_id": school,
            "category": "laptop" if n % 3 else "tablet",
            "starts_on": starts_on,
            "ends_on": starts_on + datetime.timedelta(days=rng.randint(7, 21)),
            "reason": "quarantine",
            "status": "waiting",
            "requested_by_id": admin_id,
            "requested_at": requested - datetime.timedelta(minutes=WAITING - n),
            "updated_at": requested,
        }


def load_loans(rows: Iterator[dict]) -> int:
    """Insert the loans the fast way each database offers: COPY on PostgreSQL, one
    executemany on SQLite. Columns not in a row get their field's default."""
    from django.db import connection, transaction

    from scheduling.models import Loan

    fields = [f for f in Loan._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(Loan._meta.db_table)
    postgres = connection.vendor == "postgresql"

    def values(row: dict) -> list:
        out = []
        for f in fields:
            value = row.get(f.attname, defaults[f.attname])
            if isinstance(value, enum.Enum):
                value = value.value  # a choice: its code, as Django writes it
            elif f.attname in json_fields:
                value = json.dumps(value)
            elif not postgres and isinstance(value, datetime.datetime):
                value = connection.ops.adapt_datetimefield_value(value)
            elif not postgres and isinstance(value, datetime.date):
                value = value.isoformat()
            out.append(value)
        return out

    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(values(row))
                    count += 1
        else:
            marks = ", ".join(["%s"] * len(fields))
            batch = []
            for row in rows:
                batch.append(values(row))
                if len(batch) == 10_000:
                    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
                    count, batch = count + len(batch), []
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
            count += len(batch)
    return count


def settle() -> None:
    """What autovacuum does soon after a bulk load on PostgreSQL: statistics and the
    visibility map (index-only scans). SQLite gets no ANALYZE: Django never runs it."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


# The steps


def raw_fetch(sql: str, params) -> int:
    """The query through the database driver alone: execute and fetch every row."""
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection.cursor()
    if connection.vendor == "sqlite":
        sql = sql.replace("%s", "?")
    try:
        raw.execute(sql, params)
        return len(raw.fetchall())
    finally:
        raw.close()


def availability_list(admin, starts_on: datetime.date, *, query: bool = False):
    """The availability list (or, with query, the query behind it) for a 4-week period."""
    from scheduling.selectors import device_availability, device_availability_query

    return (device_availability_query if query else device_availability)(
        actor=admin,
        category="laptop",
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=27),
    )


def availability_queries(admin) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    with CaptureQueriesContext(connection) as queries:
        availability_list(admin, timezone.localdate() + datetime.timedelta(days=14))
    return len(queries)


def availability_step(admin, count: int, ahead: int) -> dict:
    """`count` queries whose first day is up to `ahead` days from today."""
    from django.utils import timezone

    rng = random.Random(3)
    today = timezone.localdate()
    firsts = [today + datetime.timedelta(days=rng.randint(0, ahead)) for _ in range(count)]
    django_ms, raw_ms, found = [], [], []
    for first in firsts:
        start = time.perf_counter()
        found.append(len(availability_list(admin, first)))
        django_ms.append((time.perf_counter() - start) * 1000)
    for first in firsts:
        sql, params = availability_list(admin, first, query=True).query.sql_with_params()
        start = time.perf_counter()
        raw_fetch(sql, params)
        raw_ms.append((time.perf_counter() - start) * 1000)
    return {
        "median": statistics.median(django_ms),
        "p95": percentile(django_ms, 0.95),
        "raw_median": statistics.median(raw_ms),
        "raw_p95": percentile(raw_ms, 0.95),
        "found": statistics.median(found),
        "most": max(found),
    }


def allocation_step() -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scheduling.allocation import loans_allocate_waiting

    with CaptureQueriesContext(connection) as queries:
        reserved = loans_allocate_waiting()
    return len(reserved), len(queries)


def concurrent_step(admin, clients: int, per_client: int) -> dict:
    """`clients` threads approve requests for devices of one school at the same time."""
    from django.db import connections
    from django.utils import timezone

    from accounts.models import Person
    from core.errors import Conflict
    from inventory.models import Device, School
    from scheduling.models import Loan, LoanStatus
    from scheduling.selectors import device_availability
    from scheduling.services import loan_approve

    # Far beyond the loaded loans, so the clients compete with each other only.
    first_day = timezone.localdate() + datetime.timedelta(days=400)
    school_id = (
        Device.objects.filter(lendable=True, model__category="laptop", school__loan_pool=False)
        .values_list("school_id", flat=True)
        .first()
    )
    student_ids = list(Person.objects.filter(school_id=school_id).values_list("pk", flat=True))
    rng = random.Random(4)
    requests = []
    for n in range(clients * per_client):
        starts_on = first_day + datetime.timedelta(days=rng.randint(0, 60))
        requests.append(
            Loan(
                student_id=student_ids[n % len(student_ids)],
                school_id=school_id,
                category="laptop",
                starts_on=starts_on,
                ends_on=starts_on + datetime.timedelta(days=6),
                reason="quarantine",
                requested_by=admin,
            )
        )
    requests = Loan.objects.bulk_create(requests)
    # The school's own laptops and the pool's, as an admin sees them when approving.
    numbers = [School.objects.get(pk=school_id).number, School.objects.get(loan_pool=True).number]
    lock = threading.Lock()
    totals = {"booked": 0, "conflicts": 0, "none_free": 0}
    barrier = threading.Barrier(clients)

    def client(mine: list) -> None:
        local_rng = random.Random(len(mine) * 31 + mine[0].pk)
        booked = conflicts = none_free = 0
        try:
            barrier.wait()
            for loan in mine:
                for _attempt in range(5):
                    free = list(
                        device_availability(
                            actor=admin,
                            category="laptop",
                            starts_on=loan.starts_on,
                            ends_on=loan.ends_on,
                            schools=numbers,
                        )[:8]
                    )
                    if not free:
                        none_free += 1
                        break
                    device = local_rng.choice(free)
                    try:
                        loan_approve(actor=admin, loan=loan, asset_tag=device.asset_tag)
                    except Conflict:
                        conflicts += 1
                        continue
                    booked += 1
                    break
        finally:
            connections.close_all()
            with lock:
                totals["booked"] += booked
                totals["conflicts"] += conflicts
                totals["none_free"] += none_free

    threads = [
        threading.Thread(target=client, args=(requests[n::clients],)) for n in range(clients)
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    held = Loan.objects.filter(pk__in=[r.pk for r in requests], status=LoanStatus.RESERVED)
    assert held.count() == totals["booked"], "a booking was counted but not saved"
    return {**totals, "seconds": seconds, "requests": len(requests)}


def export_step(admin, fmt: str) -> dict:
    from scheduling.exporting import loan_export

    seconds, peak, export = timed(lambda: loan_export(actor=admin, fmt=fmt))
    size = export.path.stat().st_size / 1024 / 1024
    export.path.unlink()
    return {"seconds": seconds, "peak": peak, "rows": export.rows, "mb": size}


def raw_export_seconds(admin) -> dict[str, float]:
    """The same I/O without Lernstatt: the driver fetching the rows the export reads, and
    the sheet writer alone (core.sheets.xlsx, Python's csv) writing the same cells."""
    from core.sheets.xlsx import write_sheet
    from scheduling.exporting import LOAN_COLUMNS
    from scheduling.exporting import loan_rows as export_rows
    from scheduling.selectors import loan_list

    queryset = loan_list(actor=admin)
    fields = [name for column in LOAN_COLUMNS for name in column.fields]
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    fetch = min(timed(lambda: raw_fetch(sql, params))[0] for _ in range(2))
    rows = list(export_rows(queryset))
    width = len(rows[0]) if rows else 0

    def xlsx() -> None:
        with tempfile.TemporaryFile() as target:
            write_sheet(
                target,
                sheet_name="Ausleihen",
                headers=[f"H{i}" for i in range(width)],
                number_styles=[0] * width,
                widths=[None] * width,
                rows=rows,
            )

    def plain_csv() -> None:
        with tempfile.TemporaryFile("w", encoding="utf-8-sig", newline="") as target:
            csv.writer(target, delimiter=";").writerows(rows)

    return {
        "fetch": fetch,
        "xlsx": min(timed(xlsx)[0] for _ in range(2)),
        "csv": min(timed(plain_csv)[0] for _ in range(2)),
    }


# The run


def run(args: argparse.Namespace) -> dict:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection
    from django.utils import translation

    translation.activate("de")
    steps: list[dict] = []
    seconds, _peak, (admin, lendable, students) = timed(lambda: build_city(args.devices))
    steps.append(
        {
            "name": "build: schools, devices, students",
            "count": args.devices,
            "seconds": seconds,
            "notes": f"{len(lendable):,} lendable, {STUDENTS:,} students",
        }
    )
    rows = loan_rows(lendable, students, args.loans, admin.pk)
    tenth = args.loans // 10
    first_tenth = itertools.islice(rows, tenth)
    seconds, _peak, loaded = timed(lambda: load_loans(first_tenth))
    queries_at_tenth = availability_queries(admin)
    more_seconds, _peak, more = timed(lambda: load_loans(rows))
    waiting_seconds, _peak, waiting = timed(lambda: load_loans(waiting_rows(students, admin.pk)))
    settle_seconds = timed(settle)[0]
    queries_at_all = availability_queries(admin)
    loaded += more
    load = seconds + more_seconds
    method = "COPY" if connection.vendor == "postgresql" else "executemany"
    steps.append(
        {
            "name": f"load loans ({method})",
            "count": loaded,
            "seconds": load,
            "rate": loaded / load,
            "notes": f"+ {waiting:,} waiting in {waiting_seconds:.2f} s; "
            f"VACUUM ANALYZE {settle_seconds:.2f} s"
            if connection.vendor == "postgresql"
            else f"+ {waiting:,} waiting in {waiting_seconds:.2f} s",
        }
    )

    queries = (
        f"queries: {queries_at_tenth} at {tenth:,} loans, {queries_at_all} at {loaded + waiting:,}"
    )
    for ahead, label in ((120, "first day within 4 months"), (56, "within 8 weeks")):
        seconds, peak, result = timed(
            lambda ahead=ahead: availability_step(admin, args.queries, ahead)
        )
        steps.append(
            {
                "name": f"availability, laptops city-wide, 4 weeks, {label}",
                "count": args.queries,
                "seconds": seconds,
                "rate": args.queries / seconds,
                "reference": f"driver alone: median {result['raw_median']:.1f} ms, "
                f"p95 {result['raw_p95']:.1f} ms",
                "ratio": result["median"] / result["raw_median"],
                "target": f"p95 < {AVAILABILITY_P95_MS} ms",
                "ok": result["p95"] < AVAILABILITY_P95_MS,
                "peak": peak,
                "notes": f"median {result['median']:.1f} ms, p95 {result['p95']:.1f} ms; "
                f"median {result['found']:,.0f}, at most {result['most']:,} devices free"
                + (f"; {queries}" if ahead == 120 else ""),
            }
        )
    if queries_at_tenth != 1 or queries_at_all != 1:
        raise SystemExit(f"availability took {queries_at_tenth}/{queries_at_all} queries, not 1")

    seconds, peak, (reserved, queries) = timed(allocation_step)
    steps.append(
        {
            "name": "allocation of waiting requests",
            "count": WAITING,
            "seconds": seconds,
            "rate": WAITING / seconds,
            "peak": peak,
            "notes": f"{reserved:,} got a device, {queries:,} queries",
        }
    )

    if connection.vendor == "postgresql" and args.clients:
        seconds, peak, result = timed(lambda: concurrent_step(admin, args.clients, 40))
        steps.append(
            {
                "name": f"bookings, {args.clients} concurrent clients",
                "count": result["requests"],
                "seconds": result["seconds"],
                "rate": result["booked"] / result["seconds"],
                "peak": peak,
                "notes": f"{result['booked']:,} booked, {result['conflicts']:,} conflicts "
                f"(409, picked again), {result['none_free']:,} found nothing free",
            }
        )

    raw = None
    for fmt in ("xlsx", "csv"):
        result = export_step(admin, fmt)
        steps.append(
            {
                "name": f"export .{fmt}",
                "count": result["rows"],
                "seconds": result["seconds"],
                "rate": result["rows"] / result["seconds"],
                "peak": result["peak"],
                "target": f"< {MEMORY_LIMIT_MB} MB",
                "ok": result["peak"] < MEMORY_LIMIT_MB,
                "notes": f"{result['mb']:.1f} MB file",
            }
        )
    # After the exports, so their memory figures are not the rows held here.
    raw = raw_export_seconds(admin)
    for step in steps[-2:]:
        fmt = step["name"].rsplit(".", 1)[1]
        reference = raw["fetch"] + raw[fmt]
        step["reference"] = f"fetch {raw['fetch']:.2f} s + write {raw[fmt]:.2f} s"
        step["ratio"] = step["seconds"] / reference
    return {"label": database_version(), "steps": steps, "peak": peak_mb()}


def database_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        version = connection.pg_version
        return f"PostgreSQL {version // 10000}.{version % 100}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def print_table(result: dict, args: argparse.Namespace) -> None:
    print(
        f"\n{result['label']}, {args.devices:,} devices, {args.loans:,} loans "
        f"(peak memory of the run {result['peak']:.0f} MB)"
    )
    print("| step | n | seconds | per second | reference | ratio | peak MB | target | result |")
    print("|---|---:|---:|---:|---|---:|---:|---|---|")
    for step in result["steps"]:
        rate = f"{step['rate']:,.0f}" if step.get("rate") else ""
        ratio = f"{step['ratio']:.2f}" if step.get("ratio") else ""
        peak = f"{step['peak']:.0f}" if step.get("peak") else ""
        mark = (" ✓" if step["ok"] else " ✗") if "ok" in step else ""
        print(
            f"| {step['name']} | {step['count']:,} | {step['seconds']:.2f} | {rate} "
            f"| {step.get('reference', '')} | {ratio} | {peak} | {step.get('target', '')} "
            f"| {step['notes']}{mark} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default=default_kind())
    parser.add_argument("--devices", type=int, default=15_000)
    parser.add_argument("--loans", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200, help="availability queries")
    parser.add_argument("--clients", type=int, default=8, help="concurrent bookers (PostgreSQL)")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if not args.json:
        run_each_database(args.db, __file__, lambda result: print_table(result, args))
        return

    run_in_own_database(args.db, lambda _var_dir: run(args))


if __name__ == "__main__":
    main()
