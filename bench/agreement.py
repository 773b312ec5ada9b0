"""Loan agreement benchmark: prints a table, changes no database but its own.

    DJANGO_SETTINGS_MODULE=lernstatt.settings .venv/bin/python bench/agreement.py
        [--db sqlite|postgres|both] [--documents 200] [--bare-documents 20]
        [--only CASE] [--profile CASE]

One school, one device model and a loan for each case, in a scratch database
(bench/databases.py): reserved (the original, printed at the handout, with boxes to
tick) for a German and a Vietnamese name, on loan (a Zweitschrift with the guardian and
the accessories) for a Turkish name, returned, and reserved for a Chinese, a Japanese and
a Korean name (the fallback fonts, when installed). The names pick the copy of DejaVu the
embedded font is taken from (scheduling.agreement.EMBED_RANGES) and the fallback fonts,
whose glyphs are taken from the whole file (scheduling.agreement._whole): the last column
says which, for each font of the document (Latin, Latin Extended: the copy; whole: the
glyphs taken apart; fontTools: cut down by fpdf2 with it).
Each loan is loaded as the API loads it and its agreement rendered
(scheduling.agreement.loan_agreement_render) --documents times after one warm-up: the
fonts are parsed and the fixed texts broken into lines once per process, so the warm-up
carries that cost and the table shows what every later document costs. Wall clock and
CPU time of the process: on a shared machine they part when others run.

Reference: a bare fpdf2 document with the same fonts (FPDF.add_font, as fpdf2 is meant to
be used: each document parses its fonts; its time for that alone in brackets) and the
same text (the agreement's lines as pypdf reads them back, one multi_cell each, on as
many pages), rendered --bare-documents times. Ratio: the agreement's median over the bare
document's, and in brackets over the bare document's without parsing its fonts. Every
agreement is read back once with pypdf before the timing: the student's name and "Seite
x von x" must be in it.

Memory: the peak resident memory of the process during each step (Linux VmHWM, reset
before the step) and how far it rose during the step: the bare documents of the CJK cases
parse 4 MB fonts, and the memory the process keeps afterwards shows in the peaks of the
cases after them. --profile CASE prints a cProfile of --documents renders of that case
(after the warm-up) to stderr, sorted by internal time.
"""

import argparse
import cProfile
import datetime
import io
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from databases import default_kind, run_each_database, run_in_own_database
from memory import peak_mb, reset_peak, status_kb

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 50
# (case, first name, last name, status, reprint)
CASES = [
    ("reserved, German name", "Jonas", "Müller-Lüdenscheidt", "reserved", False),
    ("reserved, Vietnamese name", "Thị Minh Anh", "Nguyễn", "reserved", False),
    ("on loan, Zweitschrift, Turkish name", "Zeynep", "Yıldırım", "on_loan", True),
    ("returned, Zweitschrift", "Zoë", "Özdemir", "returned", True),
    ("reserved, Chinese name", "小明", "王", "reserved", False),
    ("reserved, Japanese name", "さくら", "山田", "reserved", False),
    ("reserved, Korean name", "지민", "김", "reserved", False),
]


def build_loans() -> dict[str, int]:
    """The school, the device model, the devices, the students and one loan per case;
    returns the loan ids by case."""
    from django.utils import timezone

    from accounts.models import Person, PersonRole, SchoolClass
    from inventory.models import Device, DeviceModel, School, Status
    from scheduling.models import Loan, LoanReason, LoanStatus

    school = School.objects.create(
        number="165432",
        name="Gymnasium am Park",
        street="Parkstraße 12",
        postal_code="12345",
        city="Musterstadt",
    )
    klass = SchoolClass.objects.create(school=school, name="7b", school_year=2026)
    model = DeviceModel.objects.create(
        manufacturer="Lenovo", name="ThinkPad E14 Gen 5", category="laptop"
    )
    today = timezone.localdate()
    now = timezone.now()
    ids = {}
    for number, (case, first, last, status, _reprint) in enumerate(CASES):
        device = Device.objects.create(
            asset_tag=f"LS-{number + 42:04d}",
            serial_number=f"PF4X9K{number}B",
            manufacturer=model.manufacturer,
            model=model,
            school=school,
            status=Status.ON_LOAN if status == "on_loan" else Status.IN_STOCK,
            purchase_price=Decimal("649.90"),
            lendable=True,
        )
        student = Person.objects.create(
            role=PersonRole.STUDENT,
            first_name=first,
            last_name=last,
            birth_date=datetime.date(2013, 4, 9),
            school=school,
            school_class=klass,
            login=f"schueler{number}",
        )
        out = status in ("on_loan", "returned")
        loan = Loan.objects.create(
            student=student,
            school=school,
            category="laptop",
            starts_on=today - datetime.timedelta(days=30 if out else -2),
            ends_on=today + datetime.timedelta(days=40),
            reason=LoanReason.NO_DEVICE_AT_HOME,
            status=LoanStatus(status),
            device=device,
            handed_out_at=now - datetime.timedelta(days=30) if out else None,
            guardian_name="Seán O'Brien" if out else "",
            accessories_out=["charger", "case"] if out else [],
            condition_out="Kratzer am Deckel, eine Taste (Ä) klemmt" if out else "",
            agreement_signed=out,
            returned_at=now if status == "returned" else None,
            accessories_in=["charger"] if status == "returned" else [],
            condition_in="Hülle fehlt" if status == "returned" else "",
        )
        ids[case] = loan.pk
    return ids


def load(loan_id: int):
    """The loan as the API loads it: with student, class, school and device model."""
    from scheduling.models import Loan

    return Loan.objects.select_related("student__school_class", "school", "device__model").get(
        pk=loan_id
    )


def page_lines(content: bytes) -> list[list[str]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return [(page.extract_text() or "").splitlines() for page in reader.pages]


def bare_document(pages: list[list[str]], fallbacks: list, *, fonts_only: bool = False) -> bytes:
    """The reference: fpdf2 alone, the same fonts (parsed by this document, as
    FPDF.add_font does) and the same lines of text. `fonts_only`: only add the fonts."""
    from fpdf import FPDF

    from scheduling import agreement

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    for style, path in agreement.FONT_FILES.items():
        pdf.add_font(agreement.FONT, style, str(path))
    for family, path in fallbacks:
        pdf.add_font(family, "", str(path))
    if fallbacks:
        pdf.set_fallback_fonts([family for family, _path in fallbacks], exact_match=False)
    if fonts_only:
        return b""
    for lines in pages:
        pdf.add_page()
        pdf.set_font(agreement.FONT, "B", 17)
        pdf.cell(0, 8, lines[0] if lines else "", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(agreement.FONT, "", 9)
        for line in lines[1:]:
            pdf.multi_cell(0, 4.2, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def embedded_from(loan, reprint: bool) -> str:
    """How each font of the loan's agreement is embedded (scheduling.agreement._embed):
    from which cut-down copy of DejaVu, from the whole font taken apart, or cut down by
    fontTools in fpdf2."""
    from django.utils import translation

    from scheduling import agreement

    tiers = ("Latin", "Latin Extended")
    with translation.override("de"):
        pdf = agreement._Agreement(loan, reprint=reprint)
        pdf.build()
    parts = []
    for font in pdf.fonts.values():
        agreement._embed(font)
        cut = getattr(font, "cut", None)
        how = "fontTools"
        if isinstance(cut, agreement.Whole):
            how = "whole"
        elif cut is not None:
            tier = next(t for t in range(len(tiers)) if agreement._cut(font.path, t) is cut)
            how = tiers[tier]
        parts.append(f"{font.fontkey} {how}")
    return ", ".join(parts)


def timed_each(render: Callable[[], bytes], count: int) -> dict:
    """Render `count` documents: total seconds, median and p95 ms (wall clock), median CPU
    ms of the process, peak resident MB and how far it rose, bytes of the last one."""
    reset_peak()
    start_mb = (status_kb("VmRSS") or 0) / 1024
    times, cpu = [], []
    size = 0
    start = time.perf_counter()
    for _round in range(count):
        began, began_cpu = time.perf_counter(), time.process_time()
        size = len(render())
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    seconds = time.perf_counter() - start
    times.sort()
    return {
        "seconds": seconds,
        "median": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "cpu": statistics.median(cpu),
        "peak": peak_mb(),
        "growth": peak_mb() - start_mb,
        "bytes": size,
    }


def run(args: argparse.Namespace) -> dict:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection
    from django.utils import translation

    from scheduling import agreement

    ids = build_loans()
    rows = []
    for case, first, last, _status, reprint in CASES:
        if args.only and args.only not in case:
            continue
        loan = load(ids[case])
        cjk = any(ord(char) >= 0x2E80 for char in first + last)
        if cjk and not any(path.is_file() for path in agreement.CJK_FONT_PATHS):
            print(f"{case}: no fallback font installed, skipped", file=sys.stderr)
            continue

        def render(loan=loan, reprint=reprint) -> bytes:
            return agreement.loan_agreement_render(loan=loan, reprint=reprint)

        began = time.perf_counter()
        content = render()  # the warm-up: parses the fonts this case needs
        warm_up = (time.perf_counter() - began) * 1000
        pages = page_lines(content)
        text = " ".join(" ".join(line.split()) for lines in pages for line in lines)
        expected = [f"{first} {last}", f"Seite {len(pages)} von {len(pages)}"]
        missing = [part for part in expected if part not in text]
        if missing:
            raise SystemExit(f"{case}: {missing} not in the agreement")
        if args.profile and args.profile in case:
            profiler = cProfile.Profile()
            profiler.enable()
            for _round in range(args.documents):
                render()
            profiler.disable()
            stats = pstats.Stats(profiler, stream=sys.stderr)
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(25)
        result = timed_each(render, args.documents)
        with translation.override("de"):
            fallbacks = agreement._Agreement(loan).fallbacks()  # the fonts it embeds

        def bare(pages=pages, fallbacks=fallbacks, fonts_only=False) -> bytes:
            return bare_document(pages, fallbacks, fonts_only=fonts_only)

        bare()  # its own warm-up: imports, fpdf2's caches
        reference = timed_each(bare, args.bare_documents)
        fonts = timed_each(lambda bare=bare: bare(fonts_only=True), args.bare_documents)
        rows.append(
            {
                "case": case,
                "pages": len(pages),
                "warm_up": warm_up,
                **result,
                "bare": reference,
                "bare_fonts": fonts["median"],
                "embedded": embedded_from(loan, reprint),
            }
        )
        print(f"{case}: {result['median']:.1f} ms", file=sys.stderr)
    import fpdf

    return {
        "db": connection.vendor,
        "fpdf2": fpdf.FPDF_VERSION,
        "rows": rows,
        "peak": peak_mb(),
    }


def print_table(result: dict, args: argparse.Namespace) -> None:
    name = "SQLite" if result["db"] == "sqlite" else "PostgreSQL"
    print(
        f"\n{name}, fpdf2 {result['fpdf2']}, {args.documents} documents per case after one "
        f"warm-up, bare fpdf2 {args.bare_documents} (target < {TARGET_MS} ms per document)"
    )
    print(
        "| case | pages | documents/s | ms per document (median, p95) | CPU ms | warm-up ms "
        "| bare fpdf2 ms (of it add_font) | ratio (without add_font) | peak MB (growth) "
        "| bytes | fonts embedded from |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in result["rows"]:
        mark = " ✓" if row["median"] < TARGET_MS else " ✗"
        bare = row["bare"]["median"]
        layout = bare - row["bare_fonts"]
        print(
            f"| {row['case']} | {row['pages']} | {args.documents / row['seconds']:,.1f} "
            f"| {row['median']:.1f}, {row['p95']:.1f}{mark} | {row['cpu']:.1f} "
            f"| {row['warm_up']:.0f} | {bare:.1f} ({row['bare_fonts']:.1f}) "
            f"| {row['median'] / bare:.2f} ({row['median'] / layout:.2f}) "
            f"| {row['peak']:.0f} (+{row['growth']:.0f}) | {row['bytes']:,} "
            f"| {row['embedded']} |"
        )
    print(f"\npeak memory of the run: {result['peak']:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default=default_kind())
    parser.add_argument("--documents", type=int, default=200, help="renders per case")
    parser.add_argument(
        "--bare-documents", type=int, default=20, help="renders of the bare fpdf2 document"
    )
    parser.add_argument("--only", default="", help="only cases containing this")
    parser.add_argument("--profile", default="", help="cProfile of the case containing this")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if not args.json:
        run_each_database(args.db, __file__, lambda result: print_table(result, args))
        return

    run_in_own_database(args.db, lambda _var_dir: run(args))


if __name__ == "__main__":
    main()
