"""Stock-taking benchmark: prints a table, changes no database but its own.

    DJANGO_SETTINGS_MODULE=lernstatt.settings .venv/bin/python bench/stocktaking.py
        [--db sqlite|postgres|both] [--devices 2000] [--scanners 5]

One school with 40 rooms and --devices devices (one in ten without a room, 20 on loan) in
a scratch database (bench/databases.py). A coordinator starts a stock-taking of the whole
school, then --scanners people scan at the same time, each in a thread with its own
database connection and its own logged-in test client, through the API as the scan page
sends it (POST /api/v1/stocktakings/<id>/scans, the answer with its counts): every
device once, one in ten sent a second time with the same client id (an offline queue
resending), one in twenty scanned again by someone else ("already"), one in fifty in the
wrong room ("elsewhere"), one in forty not at all (missing), and a few unknown tags.
Measured:

- a scan's answer: median and p95 ms over all scanners (target p95 < 50 ms), in a fresh
  stock-taking each: at a scanning pace (each of the --scanners people, not in step with
  the others, scans once every --pace ms, 300 by default: about three times as fast as a
  person walks a hand scanner from label to label), and flat out as a stress test (each
  sends its next scan the moment the answer is there), through the API, straight through
  the service the endpoint calls, and by one scanner alone; the scanners are threads of
  one Python process, so flat out their requests take turns for the interpreter (the GIL)
  where a server's several worker processes would not,
- closing (10 devices reported lost) and then the protocol PDF and .xlsx (target < 2 s
  for closing and the PDF together),
- the asset labels of all devices as one PDF (inventory.labels.printing.labels_print, as
  the label page prints them; target < 5 s and < 200 MB peak),
- the peak resident memory of the process in each step (Linux VmHWM, reset before it).
"""

import argparse
import json
import logging
import statistics
import threading
import time
import uuid

from databases import default_kind, run_each_database, run_in_own_database
from memory import peak_mb, reset_peak

TARGET_SCAN_P95_MS = 50
TARGET_CLOSE_SECONDS = 2.0
TARGET_LABEL_SECONDS = 5.0
TARGET_LABEL_MB = 200
ROOMS = 40
ON_LOAN = 20
PACED_SCANS = 100  # per scanner, at the scanning pace


def build(devices: int):
    import datetime

    from accounts.models import Person, PersonRole
    from core.models import Role, User
    from inventory.models import Device, DeviceModel, Room, School, Status
    from scheduling.models import Loan, LoanStatus

    school = School.objects.create(number="165432", name="Städtisches Gymnasium am Park")
    rooms = [
        Room.objects.create(school=school, name=f"Raum {100 + n}", building="Hauptgebäude")
        for n in range(ROOMS)
    ]
    model = DeviceModel.objects.create(
        manufacturer="Lenovo", name="ThinkPad E14", category="laptop"
    )
    Device.objects.bulk_create(
        Device(
            asset_tag=f"INV/2024/{n:05d}" if n % 2 else f"GYM-{n:05d}",
            serial_number=f"PF{n:08d}",
            manufacturer=model.manufacturer,
            model=model,
            school=school,
            room=rooms[n % ROOMS] if n % 10 else None,
            status=Status.IN_USE,
            lendable=n < ON_LOAN,
        )
        for n in range(devices)
    )
    coordinator = User.objects.create_user(
        username="koord", role=Role.COORDINATOR, first_name="Kim", last_name="Koordinatorin"
    )
    coordinator.schools.set([school])
    scanners = []
    for n in range(5):
        user = User.objects.create_user(
            username=f"scan{n}", role=Role.COORDINATOR, first_name="Scan", last_name=f"{n}"
        )
        user.schools.set([school])
        scanners.append(user)
    loaned = list(Device.objects.filter(lendable=True).order_by("pk")[:ON_LOAN])
    for n, device in enumerate(loaned):
        student = Person.objects.create(
            role=PersonRole.STUDENT,
            first_name="Kind",
            last_name=f"{n}",
            birth_date=datetime.date(2014, 1, 1),
            school=school,
            login=f"kind{n}",
        )
        Loan.objects.create(
            student=student,
            school=school,
            category="laptop",
            starts_on=datetime.date(2026, 9, 1),
            ends_on=datetime.date(2027, 7, 1),
            reason="distance_learning",
            status=LoanStatus.ON_LOAN,
            device=device,
        )
    return school, coordinator, scanners, {device.pk for device in loaned}


def plans(devices: list, rooms: dict, loaned: set[int], scanners: int) -> list[list[dict]]:
    """Per scanner the scans it sends: bodies as the scan page makes them."""
    import random

    rng = random.Random(7)
    all_rooms = list(rooms)
    plan: list[list[dict]] = [[] for _ in range(scanners)]
    for n, (pk, tag, room_id) in enumerate(devices):
        if pk in loaned or n % 40 == 39:
            continue  # at home with a student, or missing
        who = n % scanners
        room = room_id or rng.choice(all_rooms)
        if n % 50 == 7:
            room = rng.choice([r for r in all_rooms if r != room_id])  # found elsewhere
        body = {"client_id": str(uuid.uuid4()), "code": tag, "room_id": room, "scanned_at": None}
        plan[who].append(body)
        if n % 10 == 3:
            plan[who].append(dict(body))  # resent by the offline queue: same client id
        if n % 20 == 5:
            plan[(who + 1) % scanners].append({**body, "client_id": str(uuid.uuid4())})
    for n in range(10):
        plan[n % scanners].append(
            {"client_id": str(uuid.uuid4()), "code": f"NEU-{n}", "room_id": all_rooms[n]}
        )
    for each in plan:
        rng.shuffle(each)
    return plan


def scan_step(
    stocktaking_id: int, users: list, plan: list[list[dict]], via: str, pace: float = 0
) -> dict:
    """Each scanner sends its bodies: through the API with a logged-in test client
    ("api"), or straight to what the endpoint calls, scan_record and scan_answer
    ("service"); with `pace` (seconds) each sends one every `pace` seconds, else the next
    as soon as the answer is there."""
    from django.db import connections
    from django.test import Client

    from stocktaking import selectors, services
    from stocktaking.answers import scan_answer

    url = f"/api/v1/stocktakings/{stocktaking_id}/scans"

    def by_service(user, body: dict) -> tuple[int, str]:
        stocktaking = selectors.stocktaking_get(actor=user, stocktaking_id=stocktaking_id)
        recorded = services.scan_record(
            actor=user,
            stocktaking=stocktaking,
            client_id=body["client_id"],
            code=body["code"],
            room_id=body["room_id"],
        )
        answer = scan_answer(actor=user, scan=recorded.scan)
        return (201 if recorded.created else 200), answer["outcome"]

    times: list[float] = []
    statuses: dict[int, int] = {}
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(len(plan))
    errors: list[str] = []

    def scanner(user, bodies: list[dict], offset: float) -> None:
        mine, codes, seen = [], {}, {}
        try:
            client = Client(headers={"x-forwarded-proto": "https"})
            client.force_login(user)
            barrier.wait()
            # People do not scan in step: each starts at their own moment of the pace.
            first = time.perf_counter() + offset
            for number, body in enumerate(bodies):
                if pace:
                    time.sleep(max(0.0, first + number * pace - time.perf_counter()))
                began = time.perf_counter()
                if via == "service":
                    status, outcome = by_service(user, body)
                else:
                    response = client.post(url, json.dumps(body), content_type="application/json")
                    status = response.status_code
                    if status not in (200, 201):
                        errors.append(response.content.decode()[:200])
                        continue
                    outcome = response.json()["outcome"]
                mine.append((time.perf_counter() - began) * 1000)
                codes[status] = codes.get(status, 0) + 1
                seen[outcome] = seen.get(outcome, 0) + 1
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()
            with lock:
                times.extend(mine)
                for code, count in codes.items():
                    statuses[code] = statuses.get(code, 0) + count
                for outcome, count in seen.items():
                    outcomes[outcome] = outcomes.get(outcome, 0) + count

    reset_peak()
    threads = [
        threading.Thread(target=scanner, args=(users[n], plan[n], pace * n / len(plan)))
        for n in range(len(plan))
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    if errors:
        raise SystemExit(f"scans failed: {errors[:3]}")
    times.sort()
    return {
        "scans": len(times),
        "seconds": seconds,
        "per_second": len(times) / seconds,
        "p50": statistics.median(times),
        "p95": times[int(len(times) * 0.95) - 1],
        "max": times[-1],
        "statuses": statuses,
        "outcomes": outcomes,
        "peak": peak_mb(),
    }


def timed(step) -> dict:
    reset_peak()
    began = time.perf_counter()
    result = step()
    return {"seconds": time.perf_counter() - began, "peak": peak_mb(), "result": result}


def run(args: argparse.Namespace) -> dict:
    import django
    from django.core.management import call_command

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)
    logging.getLogger("django.request").setLevel(logging.ERROR)
    call_command("migrate", verbosity=0)
    from django.db import connection
    from django.urls import reverse
    from django.utils import translation

    from inventory.labels.printing import LabelSelection, label_options, labels_print
    from inventory.models import Device
    from stocktaking import protocol, selectors, services
    from stocktaking.models import Scan

    translation.activate("de")
    reverse("inventory:device_list")  # the URL configuration, loaded once per process
    school, coordinator, scanners, loaned = build(args.devices)
    devices = list(Device.objects.order_by("pk").values_list("pk", "asset_tag", "room_id"))
    rooms = {room.pk: room for room in school.rooms.all()}
    scanning = {}
    # One stock-taking for each way of scanning; the API's with all scanners is the one
    # closed and printed below.
    for case, via, count in (
        ("paced", "api", args.scanners),
        ("service", "service", args.scanners),
        ("one", "api", 1),
        ("api", "api", args.scanners),
    ):
        start = timed(
            lambda: services.stocktaking_start(actor=coordinator, school_number=school.number)
        )
        stocktaking = start.pop("result")
        plan = plans(devices, rooms, loaned, count)
        if case == "one":
            plan = [plan[0][:300]]
        if case == "paced":
            plan = [bodies[:PACED_SCANS] for bodies in plan]
        pace = args.pace / 1000 if case == "paced" else 0
        scanning[case] = scan_step(stocktaking.pk, scanners[:count], plan, via, pace)
        stored = Scan.objects.filter(stocktaking=stocktaking)
        distinct_ids = {body["client_id"] for bodies in plan for body in bodies}
        if stored.count() != len(distinct_ids):
            raise SystemExit(f"{case}: {stored.count()} scans stored, {len(distinct_ids)} sent")
    counts = selectors.stocktaking_counts(stocktaking=stocktaking)
    lost = [
        row.asset_tag
        for row in selectors.missing_devices(stocktaking=stocktaking)
        if not row.on_loan
    ][:10]
    closing = timed(
        lambda: services.stocktaking_close(actor=coordinator, stocktaking=stocktaking, lost=lost)
    )
    closed = selectors.stocktaking_get(
        actor=coordinator, stocktaking_id=stocktaking.pk, perm="stocktake.manage"
    )
    pdf = timed(lambda: protocol.protocol_pdf(stocktaking=closed))
    xlsx = timed(lambda: protocol.protocol_xlsx(stocktaking=closed))
    if args.keep_pdf:
        with open(args.keep_pdf, "wb") as target:
            target.write(pdf["result"].content)
    labels = timed(
        lambda: labels_print(
            actor=coordinator,
            selection=LabelSelection(school=school.number),
            options=label_options(template="avery-l4736rev"),
        )
    )
    import fpdf

    return {
        "db": connection.vendor,
        "devices": args.devices,
        "scanners": args.scanners,
        "pace": args.pace,
        "fpdf2": fpdf.FPDF_VERSION,
        "start": {"seconds": start["seconds"], "peak": start["peak"]},
        "scanning": scanning,
        "counts": counts.__dict__,
        "close": {"seconds": closing["seconds"], "peak": closing["peak"], "lost": len(lost)},
        "pdf": {
            "seconds": pdf["seconds"],
            "peak": pdf["peak"],
            "bytes": len(pdf["result"].content),
        },
        "xlsx": {
            "seconds": xlsx["seconds"],
            "peak": xlsx["peak"],
            "bytes": len(xlsx["result"].content),
        },
        "labels": {
            "seconds": labels["seconds"],
            "peak": labels["peak"],
            "labels": labels["result"].labels,
            "bytes": len(labels["result"].content),
        },
        "peak": peak_mb(),
    }


def _mark(ok: bool) -> str:
    return " ✓" if ok else " ✗"


def print_table(result: dict) -> None:
    name = "SQLite" if result["db"] == "sqlite" else "PostgreSQL"
    scanning = result["scanning"]["api"]
    print(
        f"\n{name}, {result['devices']:,} devices, {result['scanners']} scanners at once "
        f"(threads, each its own connection, through the API), fpdf2 {result['fpdf2']}"
    )
    print("| step | count | ms total | p50 ms | p95 ms | max ms | per s | peak RSS MB | target |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    start = result["start"]
    print(
        f"| start (expected devices frozen) | {result['devices']:,} | "
        f"{start['seconds'] * 1000:,.0f} | – | – | – | – | {start['peak']:.0f} | – |"
    )
    cases = (
        (
            "paced",
            f"scan answers, API, {result['scanners']} at once, one scan each {result['pace']} ms",
        ),
        ("api", f"scan answers, API, {result['scanners']} at once, flat out"),
        ("service", f"scan answers, service, {result['scanners']} at once, flat out"),
        ("one", "scan answers, API, one scanner, flat out"),
    )
    for case, label in cases:
        row = result["scanning"][case]
        ok = row["p95"] < TARGET_SCAN_P95_MS
        print(
            f"| {label} | {row['scans']:,} | {row['seconds'] * 1000:,.0f} | {row['p50']:.1f} | "
            f"{row['p95']:.1f}{_mark(ok)} | {row['max']:.0f} | {row['per_second']:,.0f} | "
            f"{row['peak']:.0f} | p95 < {TARGET_SCAN_P95_MS} ms |"
        )
    close, pdf, xlsx, labels = result["close"], result["pdf"], result["xlsx"], result["labels"]
    together = close["seconds"] + pdf["seconds"]
    print(
        f"| closing ({close['lost']} reported lost) | 1 | {close['seconds'] * 1000:,.0f} | – | – "
        f"| – | – | {close['peak']:.0f} | with the PDF < {TARGET_CLOSE_SECONDS:.0f} s |"
    )
    print(
        f"| protocol PDF ({pdf['bytes'] / 1024:,.0f} KB) | 1 | {pdf['seconds'] * 1000:,.0f} | – "
        f"| – | – | – | {pdf['peak']:.0f} | closing + PDF {together:.2f} s"
        f"{_mark(together < TARGET_CLOSE_SECONDS)} |"
    )
    print(
        f"| protocol .xlsx ({xlsx['bytes'] / 1024:,.0f} KB) | 1 | {xlsx['seconds'] * 1000:,.0f} "
        f"| – | – | – | – | {xlsx['peak']:.0f} | – |"
    )
    ok = labels["seconds"] < TARGET_LABEL_SECONDS and labels["peak"] < TARGET_LABEL_MB
    print(
        f"| label PDF ({labels['bytes'] / 1024 / 1024:,.1f} MB) | {labels['labels']:,} | "
        f"{labels['seconds'] * 1000:,.0f}{_mark(ok)} | – | – | – | "
        f"{labels['labels'] / labels['seconds']:,.0f} | {labels['peak']:.0f} | "
        f"< {TARGET_LABEL_SECONDS:.0f} s, < {TARGET_LABEL_MB} MB |"
    )
    counts = result["counts"]
    print(
        f"\nAPI, {result['scanners']} at once: statuses {scanning['statuses']}, outcomes "
        f"{scanning['outcomes']}; counts before "
        f"closing: {counts['seen']:,} of {counts['expected']:,} seen ({counts['on_loan']} on "
        f"loan), {counts['missing']:,} missing, {counts['unknown']} unknown; peak RSS of the "
        f"process {result['peak']:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default=default_kind())
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--scanners", type=int, default=5, choices=range(1, 6))
    parser.add_argument(
        "--pace", type=int, default=300, help="ms between two scans of a scanner (paced case)"
    )
    parser.add_argument("--keep-pdf", default="", help="write the protocol PDF to this file")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if not args.json:
        run_each_database(args.db, __file__, print_table)
        return

    run_in_own_database(
        args.db, lambda _var_dir: run(args), DJANGO_ALLOWED_HOSTS="testserver", CELERY_BROKER_URL=""
    )


if __name__ == "__main__":
    main()
