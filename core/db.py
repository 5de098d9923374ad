"""Prepared statements for the few hand-written statements every API request runs.

Django sends each statement as text with its values written in (psycopg's client-side binding) and
never prepares one, so PostgreSQL parses, analyses and plans it again each time. For the statements
of the case detail (the token look-up, the case with its history, the access-log row) that was over
half of the database's CPU per request under load (bench/README.md, "Throughput (issue 20 goal
3)"). ``prepared_cursor`` gives a Django cursor whose statements are bound on the server
(``$1``, ``$2``) and prepared on their connection the first time they run there; later runs send
only the statement's name and its values.

Only statements run through ``prepared_cursor`` are prepared: every other query keeps Django's
client-side binding (psycopg never prepares those), and nothing is prepared by count
(settings.DATABASES[...]["OPTIONS"]["prepare_threshold"], set by config.settings.base.database only
when DATABASE_PREPARED_STATEMENTS is on). With it off (behind a connection pooler in transaction
mode that does not keep prepared statements), ``prepared_cursor`` is Django's own cursor.

Statements meant for it take their values as ``%s`` or ``%(name)s`` placeholders where PostgreSQL
takes a parameter (values, not names or SQL), as any statement run by ``cursor.execute``.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorWrapper
from psycopg.raw_cursor import RawCursorMixin


class PreparingCursor(ServerBindingCursor):
    """psycopg's server-side binding cursor preparing each statement it runs (once per connection:
    psycopg keeps the names of the prepared statements by text and parameter types)."""

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None) -> Any:
        return super().execute(query, params, prepare=True, binary=binary)


class PreparingRawCursor(RawCursorMixin, PreparingCursor):
    """``PreparingCursor`` for a statement written with PostgreSQL's own placeholders (``$1``,
    ``$2``): psycopg sends it as it is, without looking for ``%s`` placeholders in its text (which
    it does again on every run for a statement longer than 4,096 bytes)."""


def prepares_statements(using: str) -> bool:
    """Whether the database ``using`` keeps prepared statements (DATABASE_PREPARED_STATEMENTS)."""
    connection = connections[using]
    return connection.vendor == "postgresql" and connection.settings_dict["OPTIONS"].get("prepare_threshold") is not None


@contextmanager
def prepared_cursor(using: str, *, raw: bool = False) -> Iterator[CursorWrapper]:
    """A cursor of the database ``using`` (an alias of settings.DATABASES) preparing the statements
    it runs, with Django's wrapping (health check, errors, the queries tests count) as
    ``connections[using].cursor()``; that cursor itself when prepared statements are off. ``raw``:
    the statements are written with PostgreSQL's placeholders ($1, $2), which only a preparing
    cursor takes (ask ``prepares_statements`` first)."""
    connection = connections[using]
    if not prepares_statements(using):
        with connection.cursor() as cursor:
            yield cursor
        return
    # What BaseDatabaseWrapper.cursor() does, with psycopg's cursor chosen here.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        connection.validate_thread_sharing()
        psycopg_cursor = (PreparingRawCursor if raw else PreparingCursor)(connection.connection)
        cursor = connection.make_debug_cursor(psycopg_cursor) if connection.queries_logged else connection.make_cursor(psycopg_cursor)
    with cursor:
        yield cursor


def prepared_row(using: str, sql: str, params: list[Any]) -> tuple | None:
    """The first row of ``sql`` (written with PostgreSQL's placeholders, $1, $2) run with ``params``
    on the database ``using``, prepared on its connection, or None when it gives none; ask
    ``prepares_statements`` first. For a statement run on every request of a hot path: it goes
    through one psycopg cursor kept with the connection instead of Django's wrapping around a cursor
    made and closed for it (a CursorWrapper, its execute wrappers, the psycopg cursor's set-up):
    ~0.07 of the 0.13 ms a trivial statement costs the worker through ``prepared_cursor``
    (bench/README.md, issue 20 goal 3). The connection's health check, its thread check, a broken
    transaction's refusal and Django's database errors are as ``prepared_cursor`` gives them; with
    the queries logged (DEBUG, a test counting them) or an execute wrapper installed, the statement
    is run through ``prepared_cursor`` so that these see it."""
    connection = connections[using]
    if connection.queries_logged or connection.execute_wrappers:
        with prepared_cursor(using, raw=True) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        connection.validate_thread_sharing()
        connection.validate_no_broken_transaction()
        cursor = connection.__dict__.get("_prepared_row_cursor")
        if cursor is None or cursor.connection is not connection.connection or cursor.closed:
            cursor = connection._prepared_row_cursor = PreparingRawCursor(connection.connection)
        cursor.execute(sql, params)
        return cursor.fetchone()
