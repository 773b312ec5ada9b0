"""A scratch database of a benchmark's own: a SQLite file in a temporary folder, or a
PostgreSQL database created on the server of DATABASE_URL (default: the local one) and
dropped afterwards."""

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def default_kind() -> str:
    """PostgreSQL when DATABASE_URL names one, else SQLite (the --db default)."""
    return "postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"


def run_each_database(kind: str, script: str, show: Callable[[dict], None]) -> None:
    """Run `script` again with --json for each database `kind` names (sqlite, postgres or
    both), each in a process and a database of its own, and show each run's result: the
    JSON of the last line it printed."""
    for each in ("sqlite", "postgres") if kind == "both" else (kind,):
        command = [sys.executable, script, "--json", *sys.argv[1:], "--db", each]
        output = subprocess.run(command, check=True, capture_output=True, text=True)
        sys.stderr.write(output.stderr)
        show(json.loads(output.stdout.splitlines()[-1]))


@contextlib.contextmanager
def own_database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="lernstatt-bench-"))
        try:
            yield f"sqlite:///{folder / 'bench.sqlite3'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg

    server = os.environ.get("DATABASE_URL", "")
    server = server if server.startswith("postgres") else DEFAULT_POSTGRES
    name = f"lernstatt_bench_{os.getpid()}_{secrets.token_hex(3)}"
    parts = urlsplit(server)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_in_own_database(kind: str, run: Callable[[str], object], **env: str) -> None:
    """The --json side of run_each_database: production settings (no query log kept in
    memory, as DEBUG would), no directory, `env` on top; a database of `kind` and a var
    folder of its own for `run(var_dir)`, whose result is printed as JSON. Stopped from
    outside, the database is still dropped (the finally blocks run)."""
    import signal

    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(1))
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lernstatt.settings")
    os.environ.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="localhost",
        LDAP_URL="",
    )
    os.environ.update(env)
    with own_database(kind) as url, tempfile.TemporaryDirectory() as var_dir:
        os.environ["DATABASE_URL"] = url
        os.environ["LERNSTATT_VAR_DIR"] = var_dir
        result = run(var_dir)
        from django.db import connections

        connections.close_all()
    print(json.dumps(result, default=str))
