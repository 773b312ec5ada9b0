"""Inventory import and export benchmark: prints a table, changes no database but its own.

    DJANGO_SETTINGS_MODULE=lernstatt.settings .venv/bin/python bench/inventory_import.py
        [--db sqlite|postgres|both] [--rows 50000] [--repeat 3]
        [--profile cold|unchanged|changed|export]

It generates a school-office workbook of --rows devices, then times, in a fresh database
(SQLite: a new file under /tmp; PostgreSQL: a new database that is dropped afterwards,
on the server of DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres):

- cold import: device_import_apply into an empty inventory (models and rooms created),
- re-import of the same file (nothing changes),
- re-import with 5 % of the rows changed,
- export of all devices to .xlsx and to .csv.

Each line shows wall-clock and CPU seconds, rows/s, the peak resident memory of the process
during that step and how much it grew in it (Linux VmHWM, reset before each step, so no
tracemalloc slowing the step down; ru_maxrss where VmHWM is missing) and how many times
longer the step took than the spreadsheet library alone needs to read (python-calamine)
or write (core.sheets.xlsx, Python's csv) the same cells; for .xlsx it also shows how
long XlsxWriter alone takes for them.
"""

import argparse
import cProfile
import csv
import datetime
import io
import json
import os
import pstats
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from databases import own_database
from memory import peak_mb, reset_peak, status_kb

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"cold import": 10_000, "re-import, unchanged": 20_000, "export": 10_000}
MEMORY_LIMIT_MB = 500

# A school office's file: German headers as they are typed, not the export's.
HEADERS = [
    "Inventarnummer",
    "Seriennummer",
    "Hersteller",
    "Modell",
    "Kategorie",
    "Schulnummer",
    "Raum",
    "Status",
    "Kaufdatum",
    "Kaufpreis",
    "Förderprogramm",
    "Garantie bis",
    "Verleihbar",
    "MAC-Adresse",
    "Bemerkungen",
]
MODELS = [
    ("Dell", "Latitude 3540", "Notebook", 689),
    ("Dell", "Latitude 5440", "Notebook", 1049),
    ("Dell", "OptiPlex 7010 SFF", "PC", 779),
    ("Dell", "P2423D", "Monitor", 229),
    ("Lenovo", "ThinkPad L14 Gen 4", "Notebook", 899),
    ("Lenovo", "ThinkPad X13 Yoga Gen 4", "Notebook", 1299),
    ("Lenovo", "ThinkCentre M70q Gen 4", "PC", 729),
    ("Lenovo", "Tab M10 Plus (3rd Gen)", "Tablet", 229),
    ("HP", "ProBook 450 G10", "Notebook", 849),
    ("HP", "EliteBook 840 G9", "Notebook", 1249),
    ("HP", "ProDesk 400 G9 SFF", "PC", 699),
    ("HP", "LaserJet Pro 4002dn", "Drucker", 319),
    ("Apple", "iPad 10.9 (10. Generation)", "Tablet", 449),
    ("Apple", "iPad Air 11 M2", "Tablet", 699),
    ("Apple", "MacBook Air 13 M2", "Notebook", 1199),
    ("Samsung", "Galaxy Tab S9 FE", "Tablet", 449),
    ("Samsung", "Galaxy Tab A9+", "Tablet", 229),
    ("Samsung", "Flip Pro WM65B", "Display", 2890),
    ("Samsung", "Smart Monitor M7", "Monitor", 379),
]
SERIAL_PREFIX = {"Dell": "", "Lenovo": "PF", "HP": "5CG", "Apple": "F9F", "Samsung": "R52"}
STATUSES = ["im Einsatz"] * 14 + ["Lager"] * 2 + ["verliehen"] * 2 + ["defekt", "ausgemustert"]
FUNDING = [
    "DigitalPakt Schule",
    "DigitalPakt Schule",
    "Sofortausstattungsprogramm",
    "Medienentwicklungsplan",
    "Leihgeräteprogramm Lehrkräfte",
    "",
]
ROOMS = [f"{house}{floor}{n:02d}" for house in "AB" for floor in "012" for n in range(1, 5)] + [
    "PC-Raum 1",
    "PC-Raum 2",
    "Medienraum",
    "Lehrerzimmer",
    "Bibliothek",
    "Verwaltung",
]
NOTES = ["Akku schwach", "Displayschaden unten links", "Hülle fehlt", "Ladegerät ersetzt 03/2024"]
SCHOOL_KINDS = ["Grundschule", "Gesamtschule", "Gymnasium", "Realschule", "Berufskolleg"]
STREETS = ["am Park", "Lindenweg", "Nord", "Süd", "an der Ruhr", "Mitte", "am Rathaus"]


# The workbook


def school_numbers(count: int = 60) -> list[str]:
    rng = random.Random(7)
    return sorted(str(number) for number in rng.sample(range(100_000, 200_000), count))


def device_rows(count: int) -> list[list]:
    rng = random.Random(42)
    schools = school_numbers()
    rows = []
    for index in range(count):
        manufacturer, model, category, price = MODELS[index % len(MODELS)]
        bought = datetime.date(2019, 8, 1) + datetime.timedelta(days=rng.randrange(6 * 365))
        mobile = category in ("Notebook", "Tablet")
        macs = ""
        if category != "Monitor" and rng.random() < 0.7:
            macs = f"AC:1F:6B:{index >> 16 & 0xFF:02X}:{index >> 8 & 0xFF:02X}:{index & 0xFF:02X}"
        rows.append(
            [
                f"{schools[index % len(schools)]}-{index:06d}",
                f"{SERIAL_PREFIX[manufacturer]}{index:07X}",
                manufacturer,
                model,
                category,
                schools[index % len(schools)],
                rng.choice(ROOMS),
                rng.choice(STATUSES),
                bought,
                Decimal(price) + Decimal(rng.randrange(0, 100)) / 100,
                rng.choice(FUNDING),
                bought.replace(year=bought.year + (5 if mobile else 3), day=min(bought.day, 28)),
                ("ja" if rng.random() < 0.4 else "nein") if mobile else "nein",
                macs,
                rng.choice(NOTES) if rng.random() < 0.1 else "",
            ]
        )
    return rows


def changed_rows(rows: list[list], share: float = 0.05) -> list[list]:
    """A copy of `rows` with one or two cells changed in `share` of them."""
    rng = random.Random(5)
    changed = [list(row) for row in rows]
    for row in rng.sample(changed, int(len(changed) * share)):
        row[7] = "defekt" if row[7] != "defekt" else "im Einsatz"
        if rng.random() < 0.5:
            row[14] = "Geprüft " + datetime.date(2026, 3, 1).strftime("%d.%m.%Y")
    return changed


def xlsx_bytes(rows: list[list]) -> bytes:
    from core.sheets.write import SheetColumn, write_xlsx

    kinds = {"Kaufdatum": "date", "Garantie bis": "date", "Kaufpreis": "money"}
    columns = [SheetColumn(header, kinds.get(header, "text"), 16) for header in HEADERS]
    buffer = io.BytesIO()
    write_xlsx(buffer, sheet_name="Inventar", columns=columns, rows=rows)
    return buffer.getvalue()


# Measuring


class Timing(NamedTuple):
    seconds: float  # wall clock
    cpu: float  # CPU time of this process alone (the database server's is not in it)
    peak: float  # MB, the process's resident memory at its highest during the step
    growth: float  # MB, that peak less the resident memory when the step began
    result: object


def timed(step: Callable[[], object], profile: bool = False) -> Timing:
    profiler = cProfile.Profile() if profile else None
    reset_peak()
    start_rss = (status_kb("VmRSS") or 0) / 1024
    start, start_cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    result = step()
    if profiler:
        profiler.disable()
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    peak = peak_mb()
    if profiler:
        print("\nProfile (cumulative time, top 30):", file=sys.stderr)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    return Timing(seconds, cpu, peak, max(peak - start_rss, 0.0), result)


def raw_read(data: bytes) -> None:
    from python_calamine import CalamineWorkbook

    CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def raw_write_xlsx(rows: list[list]) -> None:
    """The same cells through Lernstatt's sheet writer alone (no database, no labels)."""
    from core.sheets.xlsx import write_sheet

    with tempfile.TemporaryFile() as target:
        width = len(rows[0]) if rows else 0
        write_sheet(
            target,
            sheet_name="Geräte",
            headers=[f"H{i}" for i in range(width)],
            number_styles=[0] * width,
            widths=[None] * width,
            rows=rows,
        )


def raw_write_xlsxwriter(rows: list[list]) -> None:
    """The same cells through XlsxWriter, for comparison with the library Lernstatt left."""
    import xlsxwriter

    with tempfile.TemporaryFile() as target:
        book = xlsxwriter.Workbook(target, {"constant_memory": True})
        sheet = book.add_worksheet()
        date_format = book.add_format({"num_format": "dd.mm.yyyy"})
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    if value:
                        sheet.write_string(r, c, value)
                elif isinstance(value, datetime.date):
                    sheet.write_datetime(r, c, value, date_format)
                elif value is not None:
                    sheet.write_number(r, c, float(value))
        book.close()


def raw_write_csv(rows: list[list]) -> None:
    with tempfile.TemporaryFile("w", encoding="utf-8-sig", newline="") as target:
        csv.writer(target, delimiter=";").writerows(rows)


def raw_write_seconds(rows: list[list]) -> dict[str, float]:
    return {
        "xlsx": timed(lambda: raw_write_xlsx(rows)).seconds,
        "xlsxwriter": timed(lambda: raw_write_xlsxwriter(rows)).seconds,
        "csv": timed(lambda: raw_write_csv(rows)).seconds,
    }


# The run


def run(rows_count: int, profile: str | None) -> tuple[str, list[tuple]]:
    """(database version, one result line per step)."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)

    from core.models import Role, User
    from inventory.exporting import device_export
    from inventory.exporting import device_rows as export_rows
    from inventory.importing import device_import_apply
    from inventory.models import Device, School
    from inventory.selectors import device_list

    rng = random.Random(1)
    School.objects.bulk_create(
        School(
            number=number,
            name=f"{rng.choice(SCHOOL_KINDS)} {rng.choice(STREETS)} {index + 1}",
            city="Musterstadt",
        )
        for index, number in enumerate(school_numbers())
    )
    admin = User.objects.create(username="bench", role=Role.IT_ADMIN)

    rows = device_rows(rows_count)
    original = xlsx_bytes(rows)
    changed = xlsx_bytes(changed_rows(rows))
    del rows
    raw_read_seconds = min(timed(lambda: raw_read(original)).seconds for _ in range(2))
    results = []

    def import_step(name: str, key: str, data: bytes, **kwargs) -> None:
        timing = timed(
            lambda: device_import_apply(actor=admin, data=data, filename="inventar.xlsx", **kwargs),
            profile == key,
        )
        report = timing.result
        if report.errors or not report.applied:
            raise SystemExit(f"{name}: the import failed: {report.errors[:5]}")
        counts = ", ".join(f"{k} {v}" for k, v in report.counts.items() if v)
        results.append((name, rows_count, timing, timing.seconds / raw_read_seconds, counts))

    import_step("cold import", "cold", original, create_missing=True)
    import_step("re-import, unchanged", "unchanged", original)
    import_step("re-import, 5 % changed", "changed", changed)
    assert Device.objects.count() == rows_count

    raw = raw_write_seconds(list(export_rows(device_list(actor=admin))))
    for fmt in ("xlsx", "csv"):
        timing = timed(lambda fmt=fmt: device_export(actor=admin, fmt=fmt), profile == "export")
        export = timing.result
        size = export.path.stat().st_size / 1024 / 1024
        export.path.unlink()
        ratio = timing.seconds / raw[fmt]
        notes = f"{size:.1f} MB"
        if fmt == "xlsx":
            notes += f"; XlsxWriter alone: {raw['xlsxwriter']:.1f} s"
        results.append((f"export .{fmt}", export.rows, timing, ratio, notes))
    return database_version(), results


def database_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        version = connection.pg_version
        return f"PostgreSQL {version // 10000}.{version % 100}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def print_table(runs: list[dict]) -> None:
    print(f"\n{runs[0]['label']}, median of {len(runs)} run{'s' if len(runs) > 1 else ''}")
    print(
        "| step | rows | seconds (range) | CPU s | rows/s | peak RSS MB (growth) "
        "| x library alone | result |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for index, first in enumerate(runs[0]["steps"]):
        same = sorted((run["steps"][index] for run in runs), key=lambda step: step["seconds"])
        step = same[len(same) // 2]
        spread = f" ({same[0]['seconds']:.2f}–{same[-1]['seconds']:.2f})" if len(same) > 1 else ""
        speed = step["rows"] / step["seconds"]
        target = next((t for key, t in TARGETS.items() if first["name"].startswith(key)), None)
        mark = "" if target is None else (" ✓" if speed >= target else " ✗")
        peak = max(run["steps"][index]["peak"] for run in runs)
        memory = " ✓" if peak < MEMORY_LIMIT_MB else " ✗"
        print(
            f"| {step['name']} | {step['rows']:,} | {step['seconds']:.2f}{spread} "
            f"| {step['cpu']:.2f} | {speed:,.0f}{mark} "
            f"| {peak:.0f} (+{step['growth']:.0f}){memory} "
            f"| {step['ratio']:.1f} | {step['notes']} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_db = (
        "postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default=default_db)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--profile", choices=["cold", "unchanged", "changed", "export"])
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs, each in a fresh database; the median is shown"
    )
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if not args.json:
        # Each run in a process and a database of its own; the table shows, per step, the
        # run with the median time (this machine's speed varies from run to run).
        for kind in ("sqlite", "postgres") if args.db == "both" else (args.db,):
            command = [sys.executable, __file__, "--json", "--db", kind, "--rows", str(args.rows)]
            if args.profile:
                command += ["--profile", args.profile]
            runs = []
            for _ in range(1 if args.profile else args.repeat):
                output = subprocess.run(command, check=True, capture_output=True, text=True)
                sys.stderr.write(output.stderr)
                lines = output.stdout.splitlines()
                runs.append(json.loads(lines[-1]))
                print("\n".join(lines[:-1]), end="\n" if len(lines) > 1 else "")
            print_table(runs)
        return

    # Stopped from outside: still drop the database of this run (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(1))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lernstatt.settings")
    # Production settings: no query log kept in memory, as DEBUG would.
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["DJANGO_ALLOWED_HOSTS"] = "localhost"
    with own_database(args.db) as url, tempfile.TemporaryDirectory() as var_dir:
        os.environ["DATABASE_URL"] = url
        os.environ["LERNSTATT_VAR_DIR"] = var_dir
        version, results = run(args.rows, args.profile)
        from django.db import connections

        connections.close_all()
    steps = [
        {"name": name, "rows": rows, "ratio": ratio, "notes": notes, **timing._asdict()}
        for name, rows, timing, ratio, notes in results
    ]
    for step in steps:
        step.pop("result")
    print(json.dumps({"label": f"{version}, {args.rows:,} devices", "steps": steps}))


if __name__ == "__main__":
    main()
