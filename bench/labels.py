"""Asset label benchmark: prints a table, changes no database but its own.

    DJANGO_SETTINGS_MODULE=lernstatt.settings .venv/bin/python bench/labels.py
        [--db sqlite|postgres|both] [--devices 2000] [--template avery-l4736rev]
        [--profile cold]

One school with rooms and --devices devices (asset tags with slashes and digits, as
schools write them) in a scratch database (bench/databases.py). Each case prints the
labels of all of them as one file through inventory.labels.printing.labels_print, as an
IT admin, the way the web page, the API and `manage.py print_labels` do, devices read
from the database included:

- cold: the first print in the process, every QR code encoded (zxing-cpp),
- warm: the same print again, the QR codes kept from the first (a reprint at another
  start position, say),
- no QR code: barcode and texts only,
- ZPL for a label printer (62 × 29 mm): the printer draws the codes.

Reference: a bare fpdf2 document of as many A4 pages drawing the same number of filled
rectangles, one FPDF.rect each, as fpdf2 is meant to be used (the label PDF draws each
code as one path of them, see inventory/labels/pdf.py).

Memory: the peak resident memory of the process during each step (Linux VmHWM, reset
before the step), and in a second cold print with tracemalloc the peak of what Python
allocated for it (tracemalloc slows it down, so that print is not timed). Before the
timing, the first page of the cold print is read back: every code decoded (pdftoppm and
zxing-cpp, where installed) must be the device's address or its asset tag.
"""

import argparse
import cProfile
import io
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from databases import default_kind, run_each_database, run_in_own_database
from memory import peak_mb, reset_peak

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 5.0
TARGET_MB = 200
_RECTANGLES = re.compile(rb" re\b")


def build_devices(count: int) -> None:
    from inventory.models import Device, DeviceModel, Room, School, Status

    school = School.objects.create(number="165432", name="Städtisches Gymnasium am Park")
    rooms = [Room.objects.create(school=school, name=f"Raum {100 + n}") for n in range(40)]
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
            room=rooms[n % len(rooms)] if n % 10 else None,
            status=Status.IN_USE,
        )
        for n in range(count)
    )


def content_of(pdf: bytes) -> bytes:
    """The decompressed content streams of every page."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return b"\n".join(page.get_contents().get_data() for page in reader.pages)


def check_first_page(pdf: bytes, devices: list, template) -> str:
    """Decode the codes of the first page; "" when they are right, else what is wrong."""
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        return "not checked (zxing-cpp missing)"
    if shutil.which("pdftoppm") is None:
        return "not checked (pdftoppm missing)"
    from inventory.labels.printing import device_url

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "labels.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "1", str(source), f"{folder}/p"],
            check=True,
        )
        page = Image.open(next(Path(folder).glob("p-*.png"))).convert("L")
        scale = 300 / 25.4
        for cell, device in enumerate(devices[: template.per_page]):
            x, y = template.origin(cell)
            box = (x, y, x + template.label_width, y + template.label_height)
            found = sorted(
                result.text
                for result in zxingcpp.read_barcodes(page.crop([round(v * scale) for v in box]))
            )
            wanted = sorted([device.asset_tag, device_url(device.asset_tag)])
            if found != wanted:
                return f"cell {cell}: {found} != {wanted}"
    return ""


def bare_document(pages: int, rectangles: int) -> bytes:
    """The reference: `rectangles` filled rectangles on `pages` A4 pages, FPDF.rect each."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    per_page = -(-rectangles // pages)
    drawn = 0
    for _page in range(pages):
        pdf.add_page()
        pdf.set_fill_color(0)
        for index in range(min(per_page, rectangles - drawn)):
            pdf.rect(10 + (index % 180), 10 + (index // 180) * 0.3, 0.3, 0.25, style="F")
        drawn += per_page
    return bytes(pdf.output())


def timed(step) -> dict:
    reset_peak()
    began, began_cpu = time.perf_counter(), time.process_time()
    result = step()
    return {
        "seconds": time.perf_counter() - began,
        "cpu": time.process_time() - began_cpu,
        "peak": peak_mb(),
        "result": result,
    }


def run(args: argparse.Namespace) -> dict:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection
    from django.urls import reverse
    from django.utils import translation

    from core.management.actors import command_actor
    from inventory.labels import pdf
    from inventory.labels.printing import LabelSelection, label_options, labels_print
    from inventory.selectors import device_list

    translation.activate("de")
    reverse("inventory:device_list")  # the URL configuration, loaded once per process
    build_devices(args.devices)
    actor = command_actor(None)
    devices = list(device_list(actor=actor))
    everything = LabelSelection()
    cases = [
        ("cold: QR code, barcode, texts", label_options(template=args.template)),
        ("warm: the same again", label_options(template=args.template)),
        (
            "no QR code: barcode, texts",
            label_options(template=args.template, fields=["barcode", "tag", "school", "room"]),
        ),
        ("ZPL, label printer 62 × 29 mm", label_options(template="printer-62x29", fmt="zpl")),
    ]
    rows = []
    check = ""
    for name, options in cases:
        if name.startswith("cold") and args.profile == "cold":
            profiler = cProfile.Profile()
            profiler.enable()
            labels_print(actor=actor, selection=everything, options=options)
            profiler.disable()
            stats = pstats.Stats(profiler, stream=sys.stderr)
            stats.sort_stats("tottime").print_stats(25)
            pdf._qr_path.cache_clear()
        step = timed(
            lambda options=options: labels_print(actor=actor, selection=everything, options=options)
        )
        labels = step.pop("result")
        row = {"case": name, "labels": labels.labels, "bytes": len(labels.content), **step}
        if options.fmt == "pdf":
            content = content_of(labels.content)
            row["rectangles"] = len(_RECTANGLES.findall(content))
            row["pages"] = -(-(labels.labels + options.start - 1) // options.template.per_page)
            reference = timed(lambda row=row: bare_document(row["pages"], row["rectangles"]))
            row["bare"] = reference["seconds"]
            if name.startswith("cold"):
                check = check_first_page(labels.content, devices, options.template)
                if check and not check.startswith("not checked"):
                    raise SystemExit(f"the labels do not decode: {check}")
        rows.append(row)
        print(f"{name}: {step['seconds']:.2f} s", file=sys.stderr)
    # Python's own allocations of a cold print, apart: tracemalloc slows every line down.
    pdf._qr_path.cache_clear()
    tracemalloc.start()
    labels_print(actor=actor, selection=everything, options=cases[0][1])
    traced = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    from importlib.metadata import version

    import fpdf

    return {
        "db": connection.vendor,
        "fpdf2": fpdf.FPDF_VERSION,
        "zxing": version("zxing-cpp"),
        "devices": args.devices,
        "template": args.template,
        "rows": rows,
        "traced": traced,
        "check": check or "every code of the first page decoded",
    }


def print_table(result: dict, args: argparse.Namespace) -> None:
    name = "SQLite" if result["db"] == "sqlite" else "PostgreSQL"
    print(
        f"\n{name}, {result['devices']:,} devices on {result['template']}, fpdf2 "
        f"{result['fpdf2']}, zxing-cpp {result['zxing']} (target < {TARGET_SECONDS:.0f} s and "
        f"< {TARGET_MB} MB for the cold print)"
    )
    print(
        "| case | labels | ms total | labels/s | CPU s | rectangles | bare fpdf2 ms "
        "(FPDF.rect each) | ratio | peak RSS MB | bytes |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in result["rows"]:
        seconds = row["seconds"]
        mark = ""
        if row["case"].startswith("cold"):
            mark = " ✓" if seconds < TARGET_SECONDS and row["peak"] < TARGET_MB else " ✗"
        bare = row.get("bare")
        reference = "– | – | –"
        if bare:
            reference = f"{row['rectangles']:,} | {bare * 1000:,.0f} | {seconds / bare:.2f}"
        print(
            f"| {row['case']} | {row['labels']:,} | {seconds * 1000:,.0f}{mark} "
            f"| {row['labels'] / seconds:,.0f} | {row['cpu']:.2f} | {reference} "
            f"| {row['peak']:.0f} | {row['bytes']:,} |"
        )
    print(f"\nPython allocations of a cold print (tracemalloc peak): {result['traced']:.0f} MB")
    print(f"read back: {result['check']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default=default_kind())
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--template", default="avery-l4736rev")
    parser.add_argument("--profile", choices=["cold"], help="cProfile of a cold print to stderr")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if not args.json:
        run_each_database(args.db, __file__, lambda result: print_table(result, args))
        return

    run_in_own_database(args.db, lambda _var_dir: run(args))


if __name__ == "__main__":
    main()
