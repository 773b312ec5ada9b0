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
