"""Directory sync benchmark: prints a table, changes no database or directory but its own.

    DJANGO_SETTINGS_MODULE=lernstatt.settings .venv/bin/python bench/directory_sync.py
        [--db sqlite|postgres] [--students 10000] [--schools 20] [--classes 400]
        [--teachers 10] [--repeat 1] [--nosync]

A city of --students students in --classes classes at --schools schools (and --teachers
teachers per school), in a scratch database (SQLite: a new file under /tmp; PostgreSQL: a
new database on the server of DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres,
dropped afterwards), and a slapd of its own (demo/slapd.py) on a free port in a
temporary folder, durable (fsync on every write) unless --nosync. Steps:

- roster import: one SchILD-style CSV per school through accounts.rosters.roster_apply,
- first apply: directory_apply into the empty directory (every person, group and OU
  added), in entries/s and as a ratio to `ldapadd -f` loading an LDIF of the same entries
  (read back from the directory: same attributes, same groups) into another subtree of
  the same server,
- no-op sync: directory_apply with nothing to do (the plan only), against ldap3's own
  paged search of the same entries and attributes, with nothing made of the results,
- year rollover: every class renamed (5a → 6a, …): the roster imports and the apply.

Memory: the peak resident memory of the process over the whole run (Linux VmHWM).
"""

import argparse
import base64
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from databases import own_database
from memory import peak_mb

ROOT = Path(__file__).resolve().parent.parent
APPLY_RATIO_TARGET = 0.75  # first apply: at least this share of ldapadd's rate
NOOP_RATIO_TARGET = 2.0  # no-op sync: at most this many times a raw paged search
MEMORY_LIMIT_MB = 300

FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Finn",
    "Greta",
    "Hannes",
    "Ida",
    "Jonas",
    "Lea",
    "Mats",
    "Nele",
    "Ole",
    "Paula",
]
LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
]


def timed(step):
    start = time.perf_counter()
    result = step()
    return time.perf_counter() - start, result


def roster_csv(rows: list[tuple[str, str, str, str, str]]) -> bytes:
    lines = ["Klasse;Nachname;Vorname;Geburtsdatum;Interne ID-Nummer"]
    lines += [";".join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def teacher_csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    lines = ["Nachname;Vorname;Geburtsdatum;Kürzel", *(";".join(row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def city(schools: int, classes: int, students: int) -> dict[str, list[tuple]]:
    """Per school number: its students as (class grade, letter, last, first, birth, id)."""
    rng = random.Random(3)
    numbers = [f"{170000 + 37 * n:06d}" for n in range(schools)]
    per_school = {number: [] for number in numbers}
    class_names = [(5 + n // 4 % 6, "abcd"[n % 4]) for n in range(classes // schools)]
    for n in range(students):
        number = numbers[n % schools]
        grade, letter = class_names[(n // schools) % len(class_names)]
        birth = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{2016 - grade}"
        per_school[number].append(
            (grade, letter, rng.choice(LAST), rng.choice(FIRST), birth, f"S{n:06d}")
        )
    return per_school


def run(args: argparse.Namespace) -> dict:
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)

    import ldap3

    from accounts.directory.apply import directory_apply
    from accounts.directory.connection import PAGE_SIZE, directory_connect
    from accounts.directory.layout import SEARCH_ATTRIBUTES, Layout
    from accounts.rosters.apply import roster_apply
    from core.models import Role, User
    from demo.slapd import LDAPADD, Slapd
    from inventory.models import School

    actor = User.objects.create(username="bench", role=Role.IT_ADMIN)
    students = city(args.schools, args.classes, args.students)
    schools = {
        number: School.objects.create(name=f"Schule {number}", number=number) for number in students
    }
    steps: list[dict] = []

    def import_all(year_shift: int) -> tuple[float, dict[str, int]]:
        totals: dict[str, int] = {}
        start = time.perf_counter()
        for number, rows in students.items():
            data = roster_csv(
                [
                    (f"{grade + year_shift}{letter}", last, first, birth, sid)
                    for grade, letter, last, first, birth, sid in rows
                ]
            )
            report = roster_apply(
                actor=actor, school=schools[number], kind="students", data=data, filename="s.csv"
            )
            for key, value in report.counts.items():
                totals[key] = totals.get(key, 0) + value
            if year_shift == 0 and args.teachers:
                teachers = [
                    (LAST[t % len(LAST)], FIRST[t % len(FIRST)], "01.01.1980", f"L{t:02d}")
                    for t in range(args.teachers)
                ]
                report = roster_apply(
                    actor=actor,
                    school=schools[number],
                    kind="teachers",
                    data=teacher_csv(teachers),
                    filename="t.csv",
                )
        return time.perf_counter() - start, totals

    with Slapd(durable=not args.nosync) as server:
        directory = server.subtree("lernstatt")
        settings.LDAP_URL = server.url
        settings.LDAP_START_TLS = False
        settings.LDAP_BIND_DN = server.admin_dn
        settings.LDAP_BIND_PASSWORD = server.admin_password
        settings.LDAP_BASE_DN = directory.base_dn
        layout = Layout.from_settings()

        # With the directory configured, as in production: every new login is also looked
        # up below the base DN (accounts.logins.logins_assign).
        seconds, counts = import_all(0)
        people = args.students + args.teachers * args.schools
        steps.append(
            {
                "name": "roster import",
                "count": people,
                "seconds": seconds,
                "notes": f"{len(schools)} schools, create {counts.get('create', 0):,}",
            }
        )

        seconds, first = timed(directory_apply)
        assert first.status == "succeeded", first.errors
        adds = first.counts.get("add", 0)

        # ldapadd of the same entries, read back from the directory, into another subtree.
        reference = server.subtree("ldif")
        entries = server.search(base=layout.schools_dn)
        ldif = Path(server.dir) / "same.ldif"
        with ldif.open("w") as out:
            # Parents first, as ldapadd needs them.
            for dn in sorted(entries, key=lambda dn: dn.count(",")):
                if dn.lower() == layout.schools_dn.lower():
                    continue
                out.write(f"dn: {dn.replace(directory.base_dn, reference.base_dn)}\n")
                for name, values in entries[dn].items():
                    for value in values:
                        raw = value if isinstance(value, bytes) else str(value).encode()
                        if raw.isascii():
                            out.write(f"{name}: {raw.decode()}\n")
                        else:
                            out.write(f"{name}:: {base64.b64encode(raw).decode()}\n")
                out.write("\n")
        command = [
            LDAPADD,
            "-x",
            "-H",
            server.url,
            "-D",
            server.admin_dn,
            "-w",
            server.admin_password,
            "-f",
            str(ldif),
        ]
        ldap_seconds, _ = timed(lambda: subprocess.run(command, check=True, capture_output=True))
        rate, ldap_rate = adds / seconds, (len(entries) - 1) / ldap_seconds
        steps.append(
            {
                "name": "first apply",
                "count": adds,
                "seconds": seconds,
                "rate": rate,
                "reference": f"ldapadd {ldap_rate:,.0f}/s",
                "ratio": rate / ldap_rate,
                "target": f">= {APPLY_RATIO_TARGET}",
                "ok": rate / ldap_rate >= APPLY_RATIO_TARGET,
                "notes": ", ".join(f"{k} {v:,}" for k, v in sorted(first.counts.items())),
            }
        )

        def raw_search() -> int:
            # ldap3 alone: the same connection, entries and attributes, nothing made of them.
            conn = directory_connect()
            try:
                results = conn.extend.standard.paged_search(
                    search_base=layout.schools_dn,
                    search_filter="(objectClass=*)",
                    search_scope=ldap3.SUBTREE,
                    attributes=list(SEARCH_ATTRIBUTES),
                    paged_size=PAGE_SIZE,
                    generator=True,
                )
                return sum(1 for result in results if result["type"] == "searchResEntry")
            finally:
                conn.unbind()

        raw_seconds, found = timed(raw_search)
        seconds, noop = timed(directory_apply)
        assert noop.total == 0, noop.counts
        raw_seconds = min(raw_seconds, timed(raw_search)[0])
        steps.append(
            {
                "name": "no-op sync",
                "count": found,
                "seconds": seconds,
                "reference": f"paged search {raw_seconds:.2f} s",
                "ratio": seconds / raw_seconds,
                "target": f"<= {NOOP_RATIO_TARGET}",
                "ok": seconds / raw_seconds <= NOOP_RATIO_TARGET,
                "notes": "nothing to do",
            }
        )

        seconds, counts = import_all(1)
        steps.append(
            {
                "name": "rollover: roster import",
                "count": args.students,
                "seconds": seconds,
                "notes": f"move {counts.get('move', 0):,}",
            }
        )
        seconds, rollover = timed(directory_apply)
        assert rollover.status == "succeeded", rollover.errors
        steps.append(
            {
                "name": "rollover: apply",
                "count": rollover.total,
                "seconds": seconds,
                "rate": rollover.total / seconds,
                "notes": ", ".join(f"{k} {v:,}" for k, v in sorted(rollover.counts.items())),
            }
        )
    peak = peak_mb()
    steps.append(
        {
            "name": "peak memory",
            "count": people,
            "seconds": None,
            "notes": f"{peak:.0f} MB",
            "target": f"< {MEMORY_LIMIT_MB} MB",
            "ok": peak < MEMORY_LIMIT_MB,
            "peak": peak,
        }
    )
    return {"steps": steps}


def print_table(runs: list[dict], label: str) -> None:
    print(f"\n{label}, median of {len(runs)} run(s)")
    print("| step | entries | seconds | entries/s | reference | ratio | target | result |")
    print("|---|---:|---:|---:|---|---:|---|---|")
    for index, step in enumerate(runs[0]["steps"]):
        same = [run["steps"][index] for run in runs]
        key = "peak" if step["seconds"] is None else "seconds"
        median = sorted(same, key=lambda s: s[key])[len(same) // 2]
        seconds = "" if median["seconds"] is None else f"{median['seconds']:.2f}"
        if len(same) > 1 and median["seconds"] is not None:
            values = [s["seconds"] for s in same]
            seconds += f" ({min(values):.2f}–{max(values):.2f})"
        rate = f"{median['rate']:,.0f}" if median.get("rate") else ""
        ratio = f"{median['ratio']:.2f}" if median.get("ratio") else ""
        mark = ""
        if "ok" in median:
            mark = " ✓" if median["ok"] else " ✗"
        print(
            f"| {median['name']} | {median['count']:,} | {seconds} | {rate} | "
            f"{median.get('reference', '')} | {ratio}{mark if ratio else ''} | "
            f"{median.get('target', '')} | {median['notes']}{mark if not ratio else ''} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--classes", type=int, default=400)
    parser.add_argument("--teachers", type=int, default=10, help="per school")
    parser.add_argument("--repeat", type=int, default=1, help="runs, each in a fresh database")
    parser.add_argument("--nosync", action="store_true", help="slapd with dbnosync (not durable)")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if not args.json:
        command = [sys.executable, __file__, "--json", *sys.argv[1:]]
        runs = []
        for _ in range(args.repeat):
            output = subprocess.run(command, check=True, capture_output=True, text=True)
            sys.stderr.write(output.stderr)
            runs.append(json.loads(output.stdout.splitlines()[-1]))
        slapd = "slapd with dbnosync" if args.nosync else "durable slapd (fsync)"
        label = (
            f"{args.db}, {slapd}, {args.students:,} students in {args.classes} classes at "
            f"{args.schools} schools, {args.teachers} teachers per school"
        )
        print_table(runs, label)
        return

    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(1))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lernstatt.settings")
    # Production settings (no query log kept in memory); the directory is set after start.
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["DJANGO_ALLOWED_HOSTS"] = "localhost"
    os.environ["LDAP_URL"] = ""
    with own_database(args.db) as url, tempfile.TemporaryDirectory() as var_dir:
        os.environ["DATABASE_URL"] = url
        os.environ["LERNSTATT_VAR_DIR"] = var_dir
        result = run(args)
        from django.db import connections

        connections.close_all()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
