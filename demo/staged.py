"""A national seed on both cores: staging tables loaded and indexed side by side, swapped in at the end.

``loader.copy_from_worker`` keeps the whole seed in one transaction, which ties it to one connection
and so to one server process: the COPY, then every index, then every foreign key, one after the other.
Here the rows go into staging tables (``seedstage_<table>``, with the real table's columns, defaults
and checks) that only the seed knows of, on connections of their own:

* connection A copies the tables in the order the generator makes them, each table committed;
* connection B builds the indexes of each staging table as soon as its COPY is done (so the children's
  indexes are built while the visits are still being copied), and A joins in when the COPY is over;
* the foreign keys between the staging tables (and to the users, units and regions) are added
  ``NOT VALID`` and then validated, two tables at a time.

Then one short transaction on the caller's connection swaps them in: it locks the real tables, checks
they are still empty, drops them, renames each staging table, its identity sequence and its indexes to
the real names (the primary keys and unique constraints from their indexes), and puts back the
foreign keys other tables hold on them. The schema afterwards is the migrated one.

A seed that fails before the swap drops its staging tables; one that is killed leaves them behind, and
the next seed drops them first (an advisory lock keeps two seeds from sharing them). Either way the
real tables are as they were: empty.
"""

from __future__ import annotations

import contextlib
import queue as queue_module
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from demo import loader
from demo.generator import Table

PREFIX = "seedstage_"
_LOCK_KEY = 0x07B45E5EED  # pg advisory lock: one staged seed at a time per database
_INDEX = re.compile(r"^CREATE (UNIQUE )?INDEX (\S+) ON (\S+) (.*)$", re.S)


@dataclass
class _Index:
    name: str  # the real name
    temp: str  # its name on the staging table
    statement: str  # CREATE INDEX on the staging table
    constraint: str = ""  # "p" or "u" when it backs a primary key or unique constraint
    deferrable: str = ""


@dataclass
class _Stage:
    table: str
    stage: str
    sequence: str | None  # the real identity sequence (schema-qualified), renamed onto the staging one
    indexes: list[_Index] = field(default_factory=list)
    foreign_keys: list[tuple[str, str]] = field(default_factory=list)  # name, definition on the staging table


def _new_connection(connection: BaseDatabaseWrapper):
    conn = connection.get_new_connection(connection.get_connection_params())
    conn.autocommit = True
    conn.execute("SET maintenance_work_mem = '512MB'")
    conn.execute("SET max_parallel_maintenance_workers = 2")
    conn.execute("SET work_mem = '128MB'")
    conn.execute("SET synchronous_commit = off")
    return conn


def drop_stale_staging(conn) -> None:
    """Drop the staging tables a killed seed left behind."""
    stale = conn.execute(
        "SELECT quote_ident(relname) FROM pg_class WHERE relname LIKE %s AND relkind = 'r' "
        "AND relnamespace = current_schema()::regnamespace",
        [PREFIX.replace("_", r"\_") + "%"],
    ).fetchall()
    if stale:
        conn.execute(f"DROP TABLE IF EXISTS {', '.join(r[0] for r in stale)} CASCADE")


def _plan(conn, tables: list[str]) -> list[_Stage]:
    stages: list[_Stage] = []
    counter = 0
    for table in tables:
        stage = PREFIX + table
        sequence = conn.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table]).fetchone()[0]
        item = _Stage(table, stage, sequence)
        rows = conn.execute(
            """
            SELECT ic.relname, pg_get_indexdef(i.indexrelid), coalesce(c.contype::text, ''),
                   coalesce(c.condeferrable, false), coalesce(c.condeferred, false)
            FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
            LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u')
            WHERE i.indrelid = %s::regclass
            ORDER BY c.contype = 'p' DESC NULLS LAST, ic.relname
            """,
            [table],
        ).fetchall()
        for name, definition, contype, deferrable, deferred in rows:
            match = _INDEX.match(definition)
            if match is None:
                raise RuntimeError(f"unexpected index definition: {definition}")
            counter += 1
            temp = f"{PREFIX}ix_{counter}"
            statement = loader.model_index_sql(table, name, stage, temp) or (
                f"CREATE {match.group(1) or ''}INDEX {temp} ON {stage} {match.group(4)}"
            )
            clause = (" DEFERRABLE" + (" INITIALLY DEFERRED" if deferred else "")) if deferrable else ""
            item.indexes.append(_Index(name, temp, statement, contype, clause))
        for name, definition in conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        ).fetchall():
            for other in tables:  # references among the seeded tables point at their staging twins
                definition = re.sub(rf"REFERENCES (public\.)?{other}\(", f"REFERENCES {PREFIX}{other}(", definition)
            item.foreign_keys.append((name, definition))
        stages.append(item)
    return stages


def _create_staging(conn, stages: list[_Stage]) -> None:
    for item in stages:
        conn.execute(
            f"CREATE TABLE {item.stage} (LIKE {item.table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY "
            "INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING COMMENTS INCLUDING STATISTICS) "
            "WITH (autovacuum_enabled = false)"
        )


class _Builders:
    """Threads that run statements from a queue, each on its own connection; the first error stops them."""

    def __init__(self) -> None:
        self.jobs: queue_module.Queue = queue_module.Queue()
        self.error: BaseException | None = None
        self.threads: list[threading.Thread] = []
        self.timings: dict[str, float] = {}
        self._lock = threading.Lock()

    def start(self, conn) -> None:
        thread = threading.Thread(target=self._run, args=(conn,), daemon=True)
        thread.start()
        self.threads.append(thread)

    def _run(self, conn) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                return
            label, statement = job
            if self.error is not None:
                continue
            try:
                began = time.perf_counter()
                conn.execute(statement)
                with self._lock:
                    self.timings[label] = self.timings.get(label, 0.0) + time.perf_counter() - began
            except BaseException as exc:  # handed to the main thread
                self.error = exc

    def finish(self) -> None:
        """Wait until every queued job has run (the threads stop); raise the first error."""
        for _ in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join()
        self.threads = []
        if self.error is not None:
            raise self.error


def staged_load(
    connection: BaseDatabaseWrapper,
    tables: list[str],
    make_tables: Callable[[], Iterable[Table]],
    *,
    progress: Callable[[int], None],
    status: Callable[[str], None],
    timings: dict[str, float],
    swap_check: Callable[[], None],
    after_swap: Callable[[], None],
) -> dict[str, int]:
    """Load the generated tables through staging tables and swap them in (see the module's docstring).

    ``swap_check`` runs inside the swap transaction once the real tables are locked (it raises to
    refuse the swap); ``after_swap`` runs in it after the swap (sequences)."""
    began = time.perf_counter()
    a = _new_connection(connection)
    b = _new_connection(connection)
    builders = _Builders()
    stages: list[_Stage] = []
    try:
        if not a.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY]).fetchone()[0]:
            raise RuntimeError("another seed is loading this database")
        drop_stale_staging(a)
        stages = _plan(a, tables)
        by_table = {item.table: item for item in stages}
        _create_staging(a, stages)
        timings["staging tables"] = time.perf_counter() - began

        # B indexes each table as soon as A has copied it; beside the COPY and the generator, the two
        # cores are taken, so without parallel workers until the COPY is over.
        b.execute("SET max_parallel_maintenance_workers = 0")
        builders.start(b)

        def copied(table: str) -> None:
            for index in sorted(by_table[table].indexes, key=lambda i: "gin" not in i.statement):
                builders.jobs.put((f"indexes {table}", index.statement))

        counts = _copy(a, by_table, make_tables, progress=progress, timings=timings, copied=copied)
        status("building indexes")
        began = time.perf_counter()
        a.execute("SET max_parallel_maintenance_workers = 1")
        builders.start(a)  # the COPY is over: A builds too (B keeps its setting until its current index is built)
        builders.finish()
        timings.update(builders.timings)
        timings["indexes (after the COPY)"] = time.perf_counter() - began

        status("checking foreign keys")
        began = time.perf_counter()
        validations: list[tuple[str, str]] = []
        for item in stages:
            for name, definition in item.foreign_keys:
                a.execute(f'ALTER TABLE {item.stage} ADD CONSTRAINT "{name}" {definition} NOT VALID')
                validations.append((item.table, f'ALTER TABLE {item.stage} VALIDATE CONSTRAINT "{name}"'))
        # The biggest tables first, so that the two connections finish together.
        order = {t: i for i, t in enumerate(tables)}
        validations.sort(key=lambda v: -order[v[0]])
        builders.timings = {}
        for table, statement in validations:
            builders.jobs.put((f"foreign keys {table}", statement))
        builders.start(a)
        builders.start(b)
        builders.finish()
        timings.update(builders.timings)
        timings["foreign keys (wall)"] = time.perf_counter() - began

        status("swapping in")
        began = time.perf_counter()
        _swap(connection, stages, swap_check, after_swap)
        timings["swap"] = time.perf_counter() - began
        return counts
    except BaseException:
        builders.error = builders.error or RuntimeError("stopped")
        for conn in (a, b):
            with contextlib.suppress(Exception):  # the original error matters more
                conn.cancel()  # a statement still running on a builder's connection
        for _ in builders.threads:
            builders.jobs.put(None)
        for thread in builders.threads:
            thread.join(timeout=60)
        if stages:
            with _new_connection(connection) as cleaner:
                drop_stale_staging(cleaner)
        raise
    finally:
        for conn in (a, b):
            if not conn.closed:
                conn.close()  # also releases the advisory lock


def _copy(a, by_table, make_tables, *, progress, timings, copied) -> dict[str, int]:
    """COPY each table the worker process generates into its staging table (committed per table)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=32)
    types = loader.column_types(a.cursor(), list(by_table)) if loader.BINARY else None
    worker = context.Process(target=loader.produce, args=(make_tables, queue, types), daemon=True)
    worker.start()
    counts: dict[str, int] = {}
    try:
        cursor = a.cursor()
        message = loader._next(queue, worker)
        while message[0] == "table":
            header: loader.TableText = message[1]
            stage = by_table[header.name].stage
            counts[header.name] = header.n
            started = time.perf_counter()
            restore = loader._set_constant_defaults(cursor, stage, header.constants)
            with cursor.copy(header.copy_statement(stage)) as copy:
                while (message := loader._next(queue, worker))[0] == "chunk":
                    copy.write(message[1])
                    progress(message[2])
            for statement in restore:
                cursor.execute(statement)
            timings[f"copy {header.name}"] = time.perf_counter() - started
            copied(header.name)
            message = loader._next(queue, worker)
        timings["generate and encode (worker)"] = message[1]
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
    return counts


def _swap(connection: BaseDatabaseWrapper, stages: list[_Stage], swap_check, after_swap) -> None:
    tables = [item.table for item in stages]
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
        swap_check()
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE contype = 'f' AND confrelid = ANY(%s::regclass[]) AND NOT conrelid = ANY(%s::regclass[])
            ORDER BY 1, 2
            """,
            [tables, tables],
        )
        incoming = cursor.fetchall()
        for table, name, _ in incoming:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute(f"DROP TABLE {', '.join(tables)}")
        for item in stages:
            cursor.execute(f"ALTER TABLE {item.stage} RENAME TO {item.table}")
            if item.sequence:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [item.table])
                current = cursor.fetchone()[0]
                cursor.execute(f"ALTER SEQUENCE {current} RENAME TO {item.sequence.rsplit('.', 1)[-1]}")
            for index in item.indexes:
                if index.constraint:
                    kind = "PRIMARY KEY" if index.constraint == "p" else "UNIQUE"
                    cursor.execute(
                        f'ALTER TABLE {item.table} ADD CONSTRAINT "{index.name}" {kind} USING INDEX {index.temp}{index.deferrable}'
                    )
                else:
                    cursor.execute(f'ALTER INDEX {index.temp} RENAME TO "{index.name}"')
            cursor.execute(f"ALTER TABLE {item.table} RESET (autovacuum_enabled)")
        for table, name, definition in incoming:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        after_swap()
