"""Load benchmark: the API under gunicorn on loopback, PostgreSQL. Prints a table.

    .venv/bin/python bench/load.py [--workers 4] [--clients 50] [--duration 30] [--pause 1000]
        [--devices 15000] [--loans 200000] [--conn-max-age 60]

The city of bench/loans.py (60 schools and a loan pool site, --devices devices, two in
five lendable, 20,000 students, --loans loans over three years) in a scratch PostgreSQL
database on the server of DATABASE_URL (or postgres://postgres@127.0.0.1:5432/postgres),
an IT admin with an API token, and gunicorn (sync workers) on 127.0.0.1 and a free port
with production settings (DJANGO_DEBUG=0, a generated secret key, no broker, no
directory). Requests carry `X-Forwarded-Proto: https`, as the reverse proxy in front of
gunicorn would set it. Load: `wrk` (Debian package) with --clients connections for
--duration seconds per scenario, a Lua script (bench/load.lua) picking a random path of
the scenario for each request:

- devices: `GET /api/v1/devices?school=…&status=…`, the first page (100 devices) of a
  random school and status;
- availability: `GET /api/v1/loans/availability?category=laptop&…`, laptops city-wide
  (every school and the pool) for a random 4-week period starting within four months.

Each scenario runs twice: the clients asking again at once (the server's capacity: with
no pause, latency is clients / throughput), and, with --pause, each client waiting a
random 0 to 2 x --pause ms before each request (50 users asking about once a second).
Reference: the same scenario with one client for a few seconds. Errors: non-2xx answers
plus socket errors (connect, read, write, timeout). Memory: the peak resident memory of
each gunicorn worker (Linux VmHWM). The load average is printed before and after; the
measurement waits (up to --calm-wait seconds) for a 1-minute load below --calm first,
since the machine is shared. gunicorn is stopped and the database dropped at the end.
"""

import argparse
import contextlib
import datetime
import functools
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from databases import own_database
from loans import build_city, load_loans, loan_rows, settle

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "load.lua"
P95_TARGET_MS = 100
PATHS_PER_SCENARIO = 2_000
STATUSES = ["in_stock", "in_use", "on_loan", "in_repair"]


# Data


def build(devices: int, loans: int) -> tuple[str, list[str]]:
    """The city and its loans; returns an IT admin's API token and the school numbers."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connections

    from core.tokens import api_token_create
    from inventory.models import School

    admin, lendable, students = build_city(devices)
    load_loans(loan_rows(lendable, students, loans, admin.pk))
    settle()
    _token, key = api_token_create(user=admin, name="load benchmark")
    numbers = list(School.objects.order_by("number").values_list("number", flat=True))
    connections.close_all()
    return key, numbers


def scenario_paths(numbers: list[str], today: datetime.date) -> dict[str, list[str]]:
    rng = random.Random(7)
    devices = [
        f"/api/v1/devices?school={rng.choice(numbers)}&status={rng.choice(STATUSES)}"
        for _ in range(PATHS_PER_SCENARIO)
    ]
    availability = []
    for _ in range(PATHS_PER_SCENARIO):
        first = today + datetime.timedelta(days=rng.randint(0, 120))
        last = first + datetime.timedelta(days=27)
        availability.append(
            f"/api/v1/loans/availability?category=laptop&starts_on={first}&ends_on={last}"
        )
    return {"devices": devices, "availability": availability}


# gunicorn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "lernstatt.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        # Each sync worker accepts one connection at a time; the others wait in the backlog.
        "--backlog=2048",
        "--timeout=60",
        "--log-level=warning",
    ]
    # A session of its own: stopping it stops the workers too.
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)


def get(url: str, token: str) -> int:
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}", "X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def wait_until_answering(server: subprocess.Popen, base: str, token: str, path: str) -> float:
    start = time.monotonic()
    while time.monotonic() - start < 60:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn ended with exit code {server.returncode}")
        with contextlib.suppress(OSError):
            status = get(base + path, token)
            if status != 200:
                raise SystemExit(f"GET {path} answered {status}, not 200")
            return time.monotonic() - start
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 60 s")


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            # /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces.
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry.name))
    return sorted(pids)


def peak_rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


# wrk


def run_wrk(
    base: str,
    token: str,
    paths: list[str],
    *,
    clients: int,
    seconds: int,
    folder: Path,
    pause_ms: int = 0,
) -> dict:
    paths_file = folder / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    env = {
        **os.environ,
        "LOAD_TOKEN": token,
        "LOAD_PATHS": str(paths_file),
        "LOAD_PAUSE_MS": str(pause_ms),
    }
    command = [
        "wrk",
        f"--threads={min(2, clients)}",
        f"--connections={clients}",
        f"--duration={seconds}s",
        # Queued requests wait long at saturation; count only a stuck one as a timeout.
        "--timeout=10s",
        f"--script={LUA}",
        base,
    ]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=True
    )
    for line in done.stdout.splitlines():
        if line.startswith("LOAD_JSON "):
            return json.loads(line.removeprefix("LOAD_JSON "))
    raise SystemExit(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")


def summary(result: dict) -> dict:
    errors = result["non2xx"] + sum(result["socket"].values())
    return {
        "requests": result["requests"],
        "rate": result["requests"] / (result["duration_us"] / 1e6),
        "p50": result["p50_us"] / 1000,
        "p95": result["p95_us"] / 1000,
        "p99": result["p99_us"] / 1000,
        "errors": errors,
        "error_rate": errors / max(1, result["requests"]),
        "socket": result["socket"],
        "non2xx": result["non2xx"],
    }


# The run


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def wait_for_calm(limit: float, seconds: int) -> float:
    """Wait up to `seconds` for the 1-minute load average to drop below `limit`."""
    start = time.monotonic()
    while os.getloadavg()[0] >= limit and time.monotonic() - start < seconds:
        time.sleep(2)
    return time.monotonic() - start


def run(args: argparse.Namespace, url: str, var_dir: str) -> dict:
    started = time.monotonic()
    load_before = load_average()
    key, numbers = build(args.devices, args.loans)
    build_seconds = time.monotonic() - started
    from django.utils import timezone

    paths = scenario_paths(numbers, timezone.localdate())
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATABASE_CONN_MAX_AGE": str(args.conn_max_age),
        "LERNSTATT_VAR_DIR": var_dir,
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(env, port, args.workers)
    rows = []
    try:
        boot = wait_until_answering(server, base, key, paths["devices"][0])
        for path in (paths["devices"][1], paths["availability"][0]):
            if get(base + path, key) != 200:
                raise SystemExit(f"GET {path} did not answer 200")
        calm_wait = wait_for_calm(args.calm, args.calm_wait)
        load_start = load_average()
        with tempfile.TemporaryDirectory() as folder:
            wrk = functools.partial(run_wrk, base, key, folder=Path(folder))
            for name, label in (
                ("devices", "device list, first page, random school + status"),
                ("availability", "availability, laptops city-wide, random 4 weeks"),
            ):
                # Not measured: every worker's first requests (imports, caches) are slow.
                wrk(paths[name], clients=2 * args.workers, seconds=2)
                reference = summary(wrk(paths[name], clients=1, seconds=args.reference))
                loaded = summary(wrk(paths[name], clients=args.clients, seconds=args.duration))
                rows.append({"name": label, "reference": reference, **loaded})
                if args.pause:
                    paced = wrk(
                        paths[name],
                        clients=args.clients,
                        seconds=args.duration,
                        pause_ms=args.pause,
                    )
                    rows.append(
                        {
                            "name": f"{label}, each client pausing 0–{2 * args.pause} ms",
                            "reference": reference,
                            **summary(paced),
                        }
                    )
        workers = worker_pids(server.pid)
        memory = [peak_rss_mb(pid) for pid in workers]
    finally:
        stop_gunicorn(server)
    return {
        "rows": rows,
        "workers": len(memory),
        "memory": memory,
        "load_before": load_before,
        "load_start": load_start,
        "load_after": load_average(),
        "calm_wait": calm_wait,
        "build_seconds": build_seconds,
        "boot_seconds": boot,
        "seconds": time.monotonic() - started,
    }


def print_table(result: dict, args: argparse.Namespace) -> None:
    from django.db import connection

    version = connection.pg_version if connection.vendor == "postgresql" else 0
    memory = result["memory"]
    print(
        f"\nPostgreSQL {version // 10000}.{version % 100}, {args.devices:,} devices, "
        f"{args.loans:,} loans; gunicorn {result['workers']} sync workers, "
        f"DATABASE_CONN_MAX_AGE={args.conn_max_age}; wrk {args.clients} connections, "
        f"{args.duration} s per scenario (reference: 1 connection, {args.reference} s)"
    )
    print(
        "| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | errors | "
        "1 client p50 / p95 ms | target | result |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for row in result["rows"]:
        ref = row["reference"]
        ok = row["p95"] < P95_TARGET_MS and row["errors"] == 0
        socket_errors = ", ".join(f"{k} {v}" for k, v in row["socket"].items() if v)
        detail = f" ({row['non2xx']} non-2xx{'; ' + socket_errors if socket_errors else ''})"
        print(
            f"| {row['name']} | {row['requests']:,} | {row['rate']:,.0f} | {row['p50']:.1f} "
            f"| {row['p95']:.1f} | {row['p99']:.1f} "
            f"| {row['error_rate']:.2%}{detail if row['errors'] else ''} "
            f"| {ref['p50']:.1f} / {ref['p95']:.1f} ({ref['rate']:,.0f} req/s) "
            f"| p95 < {P95_TARGET_MS} ms, no errors | {'✓' if ok else '✗'} |"
        )
    print(
        "\nPeak memory of the gunicorn workers (VmHWM): "
        + ", ".join(f"{mb:.0f}" for mb in memory)
        + f" MB (largest {max(memory, default=0):.0f} MB, together {sum(memory):.0f} MB)"
    )
    print(
        f"Load average (1/5/15 min): {result['load_before']} at the start, "
        f"{result['load_start']} when the load began (after waiting {result['calm_wait']:.0f} s "
        f"for < {args.calm}), {result['load_after']} at the end"
    )
    print(
        f"Build {result['build_seconds']:.0f} s, gunicorn answering after "
        f"{result['boot_seconds']:.1f} s, whole run {result['seconds']:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=50, help="concurrent connections")
    parser.add_argument("--duration", type=int, default=30, help="seconds per scenario")
    parser.add_argument("--reference", type=int, default=5, help="seconds of the 1-client run")
    parser.add_argument("--devices", type=int, default=15_000)
    parser.add_argument("--loans", type=int, default=200_000)
    parser.add_argument(
        "--conn-max-age", type=int, default=60, help="DATABASE_CONN_MAX_AGE of the workers"
    )
    parser.add_argument(
        "--pause",
        type=int,
        default=1000,
        help="also run each scenario with clients pausing 0 to 2x this many ms (0: not)",
    )
    parser.add_argument("--calm", type=float, default=1.5, help="wait for a load below this")
    parser.add_argument("--calm-wait", type=int, default=45, help="... for at most this long")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install -y wrk")

    # Stopped from outside: still stop gunicorn and drop the database (finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(1))
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "lernstatt.settings"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ["LDAP_URL"] = ""
    os.environ["LERNSTATT_LOG_LEVEL"] = "WARNING"
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        os.environ.pop("DATABASE_URL", None)  # own_database: the local server
    with own_database("postgres") as url, tempfile.TemporaryDirectory() as var_dir:
        os.environ["DATABASE_URL"] = url
        os.environ["LERNSTATT_VAR_DIR"] = var_dir
        # The API serves no static files; an empty folder keeps WhiteNoise quiet.
        os.environ["DJANGO_STATIC_ROOT"] = str(Path(var_dir) / "static")
        Path(var_dir, "static").mkdir()
        try:
            result = run(args, url, var_dir)
            print_table(result, args)
        finally:
            from django.db import connections

            connections.close_all()


if __name__ == "__main__":
    main()
