"""Web page benchmark: every named page with the demo city, as the role that uses it.

    DJANGO_SETTINGS_MODULE=lernstatt.settings .venv/bin/python bench/pages.py
        [--db sqlite|postgres|both] [--repeat 20] [--import-rows 20000] [--only NAME]

In a fresh database (SQLite: a new file under /tmp; PostgreSQL: a new database that is
dropped afterwards) it migrates, loads the demo city (`load_demo`), uploads two device
files through the import service (a small one of demo devices and a generated one of
--import-rows new devices), then walks every named URL of the project (not /api/,
/admin/, /i18n/), fills its path parameters with demo objects (a device, a loan of each
state, a class, a person, a school, each report, the import jobs, a directory run if
there is one), logs in as the demo role that uses the page (force_login) and requests it
--repeat times with Django's test client after two warm-up requests.

Production settings (DJANGO_DEBUG=0, static files collected into a temporary folder; the
test client serves none of them). The table shows per page and role: status, median and
p95 milliseconds, queries (counted on one more request) and response bytes; ✗ marks a
median over 200 ms. Pages that only take a POST that changes data (approve, confirm,
start a sync, log out) are requested with GET too: their 405 is what is measured.
"""

import argparse
import contextlib
import cProfile
import io
import json
import logging
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

from databases import default_kind, run_each_database, run_in_own_database

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MS = 200
SKIP_PREFIXES = ("api/", "admin/", "i18n/", "static/")
# Read-only downloads that only take a POST (a prefetched link must not hand passwords
# out): measured with the POST a browser sends.
POST_DOWNLOADS = {"accounts:class_list_download", "accounts:school_class_lists_download"}


def named_urls() -> list[tuple[str, str]]:
    """(name with namespace, route) of every named URL outside /api/, /admin/, /i18n/."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: list[tuple[str, str]] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if route.startswith(SKIP_PREFIXES):
                continue
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, route, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                found.append((namespace + entry.name, route))

    walk(get_resolver().url_patterns, "", "")
    return found


def device_file(rows: int, schools: list[str], models: list[tuple[str, str, str]]) -> bytes:
    """A school office's CSV of `rows` new devices of demo schools and models."""
    out = io.StringIO()
    out.write("Inventarnummer;Seriennummer;Hersteller;Modell;Kategorie;Schulnummer;Raum;")
    out.write("Status;Kaufdatum;Kaufpreis;Verleihbar;Bemerkungen\n")
    for i in range(rows):
        maker, model, category = models[i % len(models)]
        school = schools[i % len(schools)]
        out.write(
            f"B-{i:06d};SN{i:08d};{maker};{model};{category};{school};R{i % 40:03d};"
            f"im Einsatz;2024-08-{1 + i % 28:02d};{500 + i % 400},00;nein;Lieferung {i // 500}\n"
        )
    return out.getvalue().encode()


def upload(actor, content: bytes, name: str):
    from inventory.importing.kind import import_job_create

    job = import_job_create(
        actor=actor,
        upload=io.BytesIO(content),
        filename=name,
        size=len(content),
        create_missing=True,
    )
    job.refresh_from_db()
    return job


def fixtures(import_rows: int) -> dict:
    """The demo objects the pages are requested with."""
    from accounts.models import DirectorySyncRun, Person, PersonRole, SchoolClass
    from core.models import User
    from demo.services import DEMO_LOGINS
    from inventory.models import Device, DeviceModel
    from scheduling.models import Loan, LoanStatus

    users = {login.role: User.objects.get(username=login.username) for login in DEMO_LOGINS}
    coordinator_schools = set(users["coordinator"].schools.values_list("pk", flat=True))
    teacher_school = users["teacher"].schools.order_by("number").first()
    device = (
        Device.objects.filter(school=teacher_school, lendable=True).order_by("asset_tag").first()
    )
    loans = {}
    for status in LoanStatus.values:
        loan = Loan.objects.filter(status=status).select_related("student").order_by("pk").first()
        if loan is not None:
            # Those who manage the loans of its school: the coordinator where they can.
            manager = "coordinator" if loan.student.school_id in coordinator_schools else "it_admin"
            loans[status] = (loan.pk, manager)
    school_class = SchoolClass.objects.filter(school=teacher_school).order_by("name").first()
    person = (
        Person.objects.filter(school_class=school_class, role=PersonRole.STUDENT)
        .order_by("last_name", "pk")
        .first()
    )
    models = [
        (m.manufacturer, m.name, m.category)
        for m in DeviceModel.objects.order_by("manufacturer", "name")
    ]
    demo = list(Device.objects.filter(school=teacher_school).order_by("asset_tag")[:50])
    small = io.StringIO()
    small.write("Inventarnummer;Seriennummer;Schulnummer;Bemerkungen\n")
    for item in demo:
        small.write(f"{item.asset_tag};{item.serial_number};{teacher_school.number};geprüft\n")
    admin = users["it_admin"]
    small_job = upload(admin, small.getvalue().encode(), "geraete-stichprobe.csv")
    numbers = sorted(users["coordinator"].schools.values_list("number", flat=True))
    started = time.perf_counter()
    big_job = upload(admin, device_file(import_rows, numbers, models), "lieferung.csv")
    preview_seconds = time.perf_counter() - started
    run = DirectorySyncRun.objects.order_by("-pk").first()
    return {
        "users": users,
        "device": device.asset_tag,
        "loans": loans,
        "class": school_class.pk,
        "person": person.pk,
        "school": teacher_school.number,
        "small_job": small_job,
        "big_job": big_job,
        "preview_seconds": preview_seconds,
        "run": run.pk if run else None,
    }


def cases(name: str, fx: dict) -> list[tuple[str, dict, str, str]]:
    """(role, URL kwargs, query string, label) for one named URL; [] when no object fits."""
    from reports.catalogue import REPORTS

    loans = fx["loans"]

    def loan(status: str, label: str = "") -> list:
        if status not in loans:
            return []
        pk, manager = loans[status]
        return [(manager, {"loan_id": pk}, "", label or status)]

    table = {
        "home": [(role, {}, "", "") for role in fx["users"]],
        "login": [("", {}, "", "anonymous")],
        "logout": [("teacher", {}, "", "GET: POST only")],
        "inventory:device_list": [
            ("it_admin", {}, "", ""),
            ("coordinator", {}, "", ""),
            ("it_admin", {}, "?q=Lenovo&status=in_use&sort=-purchase_date&page=3", "search"),
        ],
        "inventory:device_detail": [
            ("coordinator", {"asset_tag": fx["device"]}, "", ""),
            ("it_admin", {"asset_tag": fx["device"]}, "", ""),
        ],
        "inventory:device_edit": [("coordinator", {"asset_tag": fx["device"]}, "", "")],
        "inventory:label_print": [("coordinator", {}, "", "the whole list")],
        "imports:start": [("it_admin", {}, "", "")],
        "imports:detail": [
            ("it_admin", {"job_id": fx["small_job"].pk}, "", "50 rows"),
            ("it_admin", {"job_id": fx["big_job"].pk}, "", f"{fx['big_rows']:,} rows"),
            (
                "it_admin",
                {"job_id": fx["big_job"].pk},
                "?outcome=create&page=150",
                f"{fx['big_rows']:,} rows, page 150",
            ),
        ],
        "imports:confirm": [("it_admin", {"job_id": fx["small_job"].pk}, "", "GET: POST only")],
        "portal:export_index": [("coordinator", {}, "", "")],
        "portal:export_devices": [
            ("coordinator", {}, "?format=xlsx", "xlsx"),
            ("it_admin", {}, "?format=xlsx", "xlsx, all schools"),
            ("it_admin", {}, "?format=csv", "csv, all schools"),
        ],
        "portal:export_loans": [("coordinator", {}, "?format=xlsx", "xlsx")],
        "reports:report_index": [("city_staff", {}, "", "")],
        "reports:open_data_json": [("city_staff", {}, "", "")],
        "reports:open_data_csv": [("city_staff", {}, "", "")],
        "reports:device_report": [("city_staff", {}, "", "")],
        "reports:report_detail": [("city_staff", {"slug": r.slug}, "", r.slug) for r in REPORTS],
        "reports:report_xlsx": [("city_staff", {"slug": r.slug}, "", r.slug) for r in REPORTS],
        "scheduling:loan_list": [("teacher", {}, "", "")],
        "scheduling:loan_request": [
            ("teacher", {}, "", ""),
            ("teacher", {}, f"?school_class={fx['class']}", "class chosen"),
        ],
        "scheduling:loan_queue": [("coordinator", {}, "", ""), ("it_admin", {}, "", "")],
        "scheduling:loan_waiting": [("it_admin", {}, "", "")],
        "scheduling:loan_on_loan": [
            ("coordinator", {}, "", ""),
            ("coordinator", {}, "?overdue=1", "overdue"),
        ],
        "scheduling:loan_detail": [c for s in loans for c in loan(s)],
        "scheduling:loan_approve": loan("requested", "GET: POST only"),
        "scheduling:loan_reject": loan("requested", "GET: POST only"),
        "scheduling:loan_cancel": loan("requested", "GET: POST only"),
        "scheduling:loan_extend": loan("on_loan", "GET: POST only"),
        "scheduling:loan_handout": loan("reserved"),
        "scheduling:loan_return": loan("on_loan"),
        "scheduling:loan_lost": loan("on_loan"),
        "scheduling:loan_agreement": loan("on_loan"),
        "accounts:class_list": [("teacher", {}, "", ""), ("it_admin", {}, "", "")],
        "accounts:class_detail": [("teacher", {"class_id": fx["class"]}, "", "")],
        "accounts:class_list_download": [("teacher", {"class_id": fx["class"]}, "", "POST")],
        "accounts:class_teacher_set": [
            ("coordinator", {"class_id": fx["class"]}, "", "GET: POST only")
        ],
        "inventory:device_create": [("coordinator", {}, "", "")],
        "inventory:school_list": [("coordinator", {}, "", ""), ("it_admin", {}, "", "")],
        "inventory:school_create": [("it_admin", {}, "", "")],
        "inventory:school_edit": [("it_admin", {"number": fx["school"]}, "", "")],
        "inventory:room_create": [("coordinator", {"number": fx["school"]}, "", "")],
        "inventory:device_model_list": [("it_admin", {}, "", "")],
        "inventory:device_model_create": [("coordinator", {}, "", "")],
        "accounts:school_class_lists_download": [
            ("coordinator", {"number": fx["school"]}, "", "POST")
        ],
        "accounts:person_list": [
            ("coordinator", {}, "", ""),
            ("it_admin", {}, "?q=mül", "search"),
        ],
        "accounts:person_detail": [("coordinator", {"person_id": fx["person"]}, "", "")],
        "accounts:person_password_reset": [("teacher", {"person_id": fx["person"]}, "", "")],
        "accounts:directory_sync": [("it_admin", {}, "", "no directory configured")],
        "accounts:directory_sync_start": [("it_admin", {}, "", "GET: POST only")],
        "accounts:directory_run_list": [("it_admin", {}, "", "")],
        "accounts:directory_run": (
            [("it_admin", {"run_id": fx["run"]}, "", "")] if fx["run"] else []
        ),
        **_stocktaking_cases(),
    }
    return table.get(name, [])


def _stocktaking_cases() -> dict[str, list]:
    """The demo's stock-takings: this year's open one and last year's closed one."""
    from stocktaking.models import Stocktaking, StocktakingStatus

    found = dict(Stocktaking.objects.order_by("started_at").values_list("status", "pk"))
    open_id, closed_id = found.get(StocktakingStatus.OPEN), found.get(StocktakingStatus.CLOSED)
    if open_id is None or closed_id is None:
        return {}
    opened, closed = {"stocktaking_id": open_id}, {"stocktaking_id": closed_id}
    return {
        "stocktaking:stocktaking_list": [("coordinator", {}, "", ""), ("teacher", {}, "", "")],
        "stocktaking:stocktaking_start": [("coordinator", {}, "", "")],
        "stocktaking:stocktaking_detail": [
            ("coordinator", opened, "", "open"),
            ("coordinator", closed, "", "closed, with the comparison"),
        ],
        "stocktaking:stocktaking_scan": [
            ("coordinator", opened, "", ""),
            ("teacher", opened, "", "Selbstinventur"),
        ],
        "stocktaking:scan_stop": [("coordinator", opened, "", "GET: POST only")],
        "stocktaking:stocktaking_close": [("coordinator", opened, "", "the missing list")],
        "stocktaking:protocol_pdf": [("coordinator", closed, "", "")],
        "stocktaking:protocol_xlsx": [("coordinator", closed, "", "")],
    }


def body_size(response) -> int:
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def measure(client, method: str, url: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    send = client.post if method == "POST" else client.get
    for _warm_up in range(2):
        body_size(send(url))
    times = []
    for _round in range(repeat):
        started = time.perf_counter()
        response = send(url)
        size = body_size(response)  # a streamed file counts until its last byte
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        body_size(send(url))
    times.sort()
    return {
        "status": response.status_code,
        "median": statistics.median(times),
        "p95": times[max(round(0.95 * len(times)) - 1, 0)],
        "queries": len(queries),
        "bytes": size,
    }


def profile(client, method: str, url: str) -> None:
    """A cProfile of five requests of one page, to stderr."""
    send = client.post if method == "POST" else client.get
    body_size(send(url))
    profiler = cProfile.Profile()
    profiler.enable()
    for _round in range(5):
        body_size(send(url))
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)


def run(args: argparse.Namespace) -> dict:
    import django
    from django.core.management import call_command

    django.setup()
    # Each force_login is a login to django-axes; its log lines are not the benchmark's.
    logging.getLogger("axes").setLevel(logging.WARNING)
    logging.getLogger("django.request").setLevel(logging.ERROR)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    with contextlib.redirect_stdout(io.StringIO()):
        call_command("load_demo")
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    fx = {"big_rows": args.import_rows}
    fx.update(fixtures(args.import_rows))
    big = fx["big_job"]
    results, missing = [], []
    for name, _route in named_urls():
        if args.only and args.only not in name:
            continue
        found = cases(name, fx)
        if not found:
            missing.append(name)
        for role, kwargs, query, label in found:
            client = Client(headers={"x-forwarded-proto": "https"})
            if role:
                client.force_login(fx["users"][role])
            url = reverse(name, kwargs=kwargs) + query
            method = "POST" if name in POST_DOWNLOADS else "GET"
            if args.profile and args.profile in url:
                profile(client, method, url)
                args.profile = ""
            row = measure(client, method, url, args.repeat)
            row.update(page=name, url=url, role=role or "-", label=label, method=method)
            results.append(row)
            print(f"{name} {url} {row['median']:.1f} ms", file=sys.stderr)
    return {
        "db": connection.vendor,
        "version": ".".join(map(str, connection.Database.sqlite_version_info))
        if connection.vendor == "sqlite"
        else f"{connection.pg_version // 10000}.{connection.pg_version % 10000}",
        "rows": results,
        "missing": missing,
        "big_job": {
            "status": big.status,
            "report_bytes": len(json.dumps(big.report or {})),
            "preview_seconds": fx["preview_seconds"],
            "counts": (big.report or {}).get("counts"),
        },
    }


def print_table(result: dict, args: argparse.Namespace) -> None:
    name = "SQLite" if result["db"] == "sqlite" else "PostgreSQL"
    big = result["big_job"]
    print(
        f"\n{name} {result['version']}, demo city, {args.repeat} requests per page after 2 "
        f"warm-up requests; import job of {args.import_rows:,} rows: {big['status']}, "
        f"report {big['report_bytes'] / 1e6:.1f} MB"
    )
    print("| page | address | role | status | median ms | p95 ms | queries | bytes |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for row in result["rows"]:
        over = " ✗" if row["median"] > LIMIT_MS else ""
        label = f" ({row['label']})" if row["label"] else ""
        method = "POST " if row["method"] == "POST" else ""
        print(
            f"| `{row['page']}`{label} | {method}`{row['url']}` | {row['role']} "
            f"| {row['status']} | {row['median']:.1f}{over} | {row['p95']:.1f} "
            f"| {row['queries']} | {row['bytes']:,} |"
        )
    over = [row for row in result["rows"] if row["median"] > LIMIT_MS]
    print(
        f"\n{len(result['rows'])} requests measured, {len(over)} over {LIMIT_MS} ms"
        + (f"; no demo object for: {', '.join(result['missing'])}" if result["missing"] else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default=default_kind())
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--import-rows", type=int, default=20_000)
    parser.add_argument("--only", default="", help="only URL names containing this")
    parser.add_argument("--profile", default="", help="cProfile of the first URL containing this")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if not args.json:
        run_each_database(args.db, __file__, lambda result: print_table(result, args))
        return

    def in_var_dir(var_dir: str) -> dict:
        # Manifest static files, collected into the run's own folder.
        os.environ["DJANGO_STATIC_ROOT"] = str(Path(var_dir) / "static")
        return run(args)

    # The import previews run in-process.
    run_in_own_database(
        args.db, in_var_dir, DJANGO_ALLOWED_HOSTS="testserver", CELERY_BROKER_URL=""
    )


if __name__ == "__main__":
    main()
