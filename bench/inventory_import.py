"""Inventory import and export benchmark: prints a table, changes no database but its own.

    DJANGO_SETTINGS_MODULE=lernstatt.settings .venv/bin/python bench/inventory_import.py
        [--db sqlite|postgres|both] [--rows 50000] [--repeat 3]
        [--profile cold|unchanged|changed|export|csv|xlsx]

It generates a school-office workbook of --rows devices, then times, in a fresh database
(SQLite: a new file under /tmp; PostgreSQL: a new database that is dropped afterwards,
on the server of DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres):

- cold import: device_import_apply into an empty inventory (models and rooms created),
- re-import of the same file (nothing changes),
- re-import with 5 % of the rows changed,
- export of all devices to .xlsx and to .csv,
- preview of a 49 MB CSV of 189,000 devices (Excel's "CSV UTF-8"; under the size and row
  limits, so the most a CSV preview can take),
- preview of a 45 MB workbook of 1,000,000 rows x 16 columns (shared strings, as Excel
  saves it; under the size and zip limits, refused by the row limit while it is read).

Both files are written, and previewed, each in a process of its own that holds nothing but
Django and the file's bytes: the peak memory is the preview's, as in a worker that previews
one upload, not what the steps before left in the bench's process (an allocator keeps
freed memory for the process, so a preview after them would start 200 MB higher).

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
# Any file up to the size limit is previewed within this (issue 12).
PREVIEW_LIMIT_MB = 300
CSV_ROWS = 189_000
XLSX_ROWS = 1_000_000

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


def write_big_csv(path: str, count: int) -> None:
    """A school office's CSV of `count` devices as Excel writes "CSV UTF-8" (BOM, `;`,
    dates DD.MM.YYYY, decimal comma), with a note of about 100 characters in each row:
    189,000 rows are 49 MB."""
    note = "Geprüft im Sommer, Akku und Netzteil vollständig; Hülle ersetzt, Displayfolie neu"
    with open(path, "w", encoding="utf-8-sig", newline="") as target:
        writer = csv.writer(target, delimiter=";")
        writer.writerow(HEADERS)
        for row in device_rows(count):
            row[14] = f"{row[14]} {note} {row[0]} (Inventur 2026: ok.)".strip()
            writer.writerow(
                [
                    value.strftime("%d.%m.%Y")
                    if isinstance(value, datetime.date)
                    else str(value).replace(".", ",")
                    if isinstance(value, Decimal)
                    else value
                    for value in row
                ]
            )


def write_big_xlsx(path: str, count: int) -> None:
    """A workbook of `count` devices x 16 columns as a script writes it: every text a
    shared string (asset tags, serial numbers and MAC addresses all different), numbers and
    dates as numbers with a style, cells without their optional reference (as Excel writes
    them, 1,000,000 rows would unpack to more than the zip limit allows).
    1,000,000 rows are about 45 MB (460 MB unpacked)."""
    import zipfile

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    fixed = ["Dell", "Latitude 3540", "Notebook", "im Einsatz", "DigitalPakt Schule", "ja"]
    headers = [*HEADERS, "Inventar-Stand"]
    strings = [*headers, *fixed]
    schools = school_numbers()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=4) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">'.encode())
            part.write(f'<dimension ref="A1:P{count + 1}"/><sheetData><row r="1">'.encode())
            part.write("".join(f'<c t="s"><v>{n}</v></c>' for n in range(16)).encode())
            part.write(b"</row>")
            base = len(strings)
            chunk = []
            for index in range(count):
                r = index + 2
                own = base + 3 * index  # this row's asset tag, serial number, MAC address
                chunk.append(
                    f'<row r="{r}"><c t="s"><v>{own}</v></c><c t="s"><v>{own + 1}</v></c>'
                    f'<c t="s"><v>16</v></c><c t="s"><v>17</v></c><c t="s"><v>18</v></c>'
                    f"<c><v>{schools[index % 60]}</v></c><c><v>{index % 40 + 100}</v></c>"
                    f'<c t="s"><v>19</v></c><c s="1"><v>{44000 + index % 2000}</v></c>'
                    f'<c s="2"><v>{689 + index % 100}</v></c><c t="s"><v>20</v></c>'
                    f'<c s="1"><v>{46000 + index % 2000}</v></c><c t="s"><v>21</v></c>'
                    f'<c t="s"><v>{own + 2}</v></c><c t="s"><v>16</v></c>'
                    f'<c s="1"><v>46200</v></c></row>'
                )
                if len(chunk) == 5000:
                    part.write("".join(chunk).encode())
                    chunk = []
            part.write("".join(chunk).encode())
            part.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}">'.encode())
            part.write("".join(f"<si><t>{text}</t></si>" for text in strings).encode())
            for index in range(count):
                school = schools[index % 60]
                mac = f"AC:1F:6B:{index >> 16 & 0xFF:02X}:{index >> 8 & 0xFF:02X}"
                mac += f":{index & 0xFF:02X}"
                part.write(
                    f"<si><t>{school}-{index:07d}</t></si><si><t>PF{index:07X}</t></si>"
                    f"<si><t>{mac}</t></si>".encode()
                )
            part.write(b"</sst>")
        archive.writestr(
            "xl/styles.xml",
            f'<styleSheet xmlns="{main}"><numFmts><numFmt numFmtId="164" '
            'formatCode="dd.mm.yyyy"/><numFmt numFmtId="165" formatCode="#,##0.00 &quot;€&quot;"/>'
            '</numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/>'
            "</cellXfs></styleSheet>",
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{rels}"><sheets>'
            '<sheet name="Inventar" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rels}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rels}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{rels}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        archive.writestr("[Content_Types].xml", "<Types/>")


def unzip_alone(data: bytes) -> None:
    """Only unpacking a workbook's parts: the least any reader of it has to do."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            with archive.open(name) as part:
                while part.read(1024 * 1024):
                    pass


def raw_read_csv(data: bytes) -> None:
    """The same file through Python's csv module alone."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    for _row in csv.reader(text, delimiter=";"):
        pass


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

    for fmt, rows, write_flag, name in (
        ("csv", CSV_ROWS, "--write-csv", "preview .csv"),
        ("xlsx", XLSX_ROWS, "--write-xlsx", "preview .xlsx, 16 columns"),
    ):
        with tempfile.NamedTemporaryFile(suffix=f".{fmt}") as target:
            command = [sys.executable, __file__, write_flag, target.name, "--rows", str(rows)]
            subprocess.run(command, check=True)
            command = [sys.executable, __file__, "--preview", target.name]
            if profile == fmt:
                command.append(f"--profile={fmt}")
            output = subprocess.run(command, check=True, capture_output=True, text=True)
            sys.stderr.write(output.stderr)
        measured = json.loads(output.stdout.splitlines()[-1])
        timing = Timing(**{key: measured[key] for key in Timing._fields})
        notes = f"{measured['size']:.0f} MB; {timing.result}"
        if fmt == "xlsx":
            notes += "; x = unpacking alone"
        results.append((name, rows, timing, timing.seconds / measured["alone"], notes))
    return database_version(), results


def preview_file(path: str, profile: bool) -> None:
    """Preview the file at `path` (.csv or .xlsx) as the bench's user, in the database of
    the run that started this process, and print the step's measurement as JSON: its
    outcome counts, or the code it was refused with."""
    import django

    django.setup()
    from core.errors import FileRejected
    from core.models import User
    from inventory.importing import device_import_preview

    admin = User.objects.get(username="bench")
    data = Path(path).read_bytes()
    fmt = path.rsplit(".", 1)[-1]
    alone = timed(lambda: raw_read_csv(data) if fmt == "csv" else unzip_alone(data)).seconds

    def preview() -> str:
        try:
            report = device_import_preview(actor=admin, data=data, filename=f"inventar.{fmt}")
        except FileRejected as refused:
            return f"refused: {refused.code}"
        return ", ".join(f"{k} {v}" for k, v in report.counts.items() if v)

    timing = timed(preview, profile)
    size = len(data) / 1024 / 1024
    print(json.dumps({**timing._asdict(), "alone": alone, "size": size}))


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
        limit = PREVIEW_LIMIT_MB if first["name"].startswith("preview") else MEMORY_LIMIT_MB
        memory = " ✓" if peak < limit else " ✗"
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
    parser.add_argument(
        "--profile", choices=["cold", "unchanged", "changed", "export", "csv", "xlsx"]
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs, each in a fresh database; the median is shown"
    )
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--write-csv", help=argparse.SUPPRESS)  # write_big_csv, --rows rows
    parser.add_argument("--write-xlsx", help=argparse.SUPPRESS)  # write_big_xlsx, --rows rows
    parser.add_argument("--preview", help=argparse.SUPPRESS)  # preview_file
    args = parser.parse_args()
    if args.write_csv:
        write_big_csv(args.write_csv, args.rows)
        return
    if args.write_xlsx:
        write_big_xlsx(args.write_xlsx, args.rows)
        return
    if args.preview:
        sys.path.insert(0, str(ROOT))
        preview_file(args.preview, args.profile in ("csv", "xlsx"))
        return

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
