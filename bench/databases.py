"""A scratch database of a benchmark's own: a SQLite file in a temporary folder, or a
PostgreSQL database created on the server of DATABASE_URL (default: the local one) and
dropped afterwards."""

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


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
