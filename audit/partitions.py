"""Monthly partitions of the audit tables: the access log and the change history.

Both grow without end (a row per detail view; a row per change of a person record), and are read by
record and date. PostgreSQL's declarative range partitioning by month keeps each month a table of its
own: inserts and the supervisors' reads touch the recent partitions' indexes only, and a month past
the retention period is detached and exported whole instead of deleted row by row (which the
append-only rule forbids anyway). Partitions are created three months ahead by a nightly task; a
DEFAULT partition takes any row outside them, so no insert can ever fail for want of a partition.

Shapes: a partition of ``audit_accesslog`` for November 2026 is ``audit_accesslog_p2026_11``,
holding ``'2026-11-01' <= viewed_at < '2026-12-01'`` (timestamps with time zone, bounds in UTC).
"""

from __future__ import annotations

import datetime as dt
import gzip
import logging
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

logger = logging.getLogger(__name__)

# Table -> the timestamp it is partitioned by. The history tables are django-simple-history's.
PARTITIONED_TABLES: dict[str, str] = {
    "audit_accesslog": "viewed_at",
    "audit_historicalchild": "history_date",
    "audit_historicalfamily": "history_date",
    "audit_historicalapplicant": "history_date",
    "audit_historicalcase": "history_date",
    "audit_historicalplacement": "history_date",
    "audit_historicalvisit": "history_date",
}
MONTHS_AHEAD = 3


def utc_today() -> dt.date:
    """Today's date in UTC, the time zone of every partition's bounds: the month a row written now
    belongs to. Not the local date (Django sets the process's zone to TIME_ZONE, Asia/Almaty, five
    hours ahead): from 19:00 UTC on a month's last day the local month is already the next one, and
    a partition made from it would leave the UTC month's last hours to the DEFAULT partition."""
    return dt.datetime.now(dt.UTC).date()


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y_%m}"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def partitions_of(table: str) -> list[str]:
    """Names of the monthly partitions of ``table`` (not the default), oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s AND c.relname LIKE %s ORDER BY c.relname""",
            [table, f"{table}_p%"],
        )
        return [row[0] for row in cursor.fetchall()]


def ensure_partitions(*, today: dt.date, months_ahead: int = MONTHS_AHEAD) -> list[str]:
    """Create the monthly partitions of every audit table from the month of ``today`` (a UTC date:
    ``utc_today``) to ``months_ahead`` months on; returns the names created (idempotent: an existing
    partition is left alone)."""
    created = []
    for table in PARTITIONED_TABLES:
        existing = set(partitions_of(table))
        month = month_start(today)
        for _ in range(months_ahead + 1):
            name = partition_name(table, month)
            if name not in existing:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"CREATE TABLE IF NOT EXISTS {_q(name)} PARTITION OF {_q(table)} "
                        f"FOR VALUES FROM ('{month.isoformat()} 00:00:00+00') TO ('{next_month(month).isoformat()} 00:00:00+00')"
                    )
                created.append(name)
            month = next_month(month)
    return created


@dataclass(frozen=True)
class Detached:
    table: str
    partition: str
    rows: int
    exported_to: Path


def detach_older_than(*, cutoff: dt.date, export_dir: Path) -> list[Detached]:
    """Export, detach and drop every monthly partition whose month ends on or before ``cutoff``.

    Each partition is written first to ``export_dir/<partition>.csv.gz`` (COPY, with a header), and
    dropped only after the file is complete, in the same transaction as the detach: a failure
    leaves the partition attached. Raises OSError when the directory cannot be written.
    """
    export_dir.mkdir(parents=True, exist_ok=True)
    done = []
    for table in PARTITIONED_TABLES:
        for name in partitions_of(table):
            month = dt.date(int(name[-7:-3]), int(name[-2:]), 1)
            if next_month(month) > cutoff:
                continue
            path = export_dir / f"{name}.csv.gz"
            with transaction.atomic(), connection.cursor() as cursor:
                # Deferred foreign-key checks of rows written earlier in the caller's transaction
                # must run now: PostgreSQL refuses to drop a table with trigger events pending.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"LOCK TABLE {_q(name)} IN ACCESS EXCLUSIVE MODE")
                with gzip.open(path, "wb") as out, cursor.copy(f"COPY {_q(name)} TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                    for chunk in copy:
                        out.write(chunk)
                cursor.execute(f"SELECT count(*) FROM {_q(name)}")
                rows = cursor.fetchone()[0]
                cursor.execute(f"ALTER TABLE {_q(table)} DETACH PARTITION {_q(name)}")
                cursor.execute(f"DROP TABLE {_q(name)}")
            logger.info("Detached %s (%s rows), exported to %s", name, rows, path)
            done.append(Detached(table, name, rows, path))
    return done


def partition_table_sql(table: str, column: str, *, first_month: dt.date, last_month: dt.date) -> list[str]:
    """The statements that turn the plain table ``table`` into one partitioned by month of ``column``,
    keeping its rows, columns, defaults, check constraints, indexes, foreign keys and triggers, with
    monthly partitions from ``first_month`` to ``last_month`` and a DEFAULT partition. For the
    migration; reads the catalog, so call it on the live connection."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s",
            [table, "%_pkey"],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
               WHERE conrelid = %s::regclass AND contype = 'f'""", [table],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            """SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal""",
            [table],
        )
        triggers = cursor.fetchall()
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attidentity <> '' AND NOT attisdropped",
            [table],
        )
        identity = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            """SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
               WHERE i.indrelid = %s::regclass AND i.indisprimary""", [table],
        )
        pk = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [table])
        pk_name = cursor.fetchone()[0]
    old = f"{table}_unpartitioned"
    # Index and constraint names are the schema's: the old ones make way for the new table's.
    statements = [f"ALTER TABLE {_q(table)} RENAME TO {_q(old)}",
                  f"ALTER TABLE {_q(old)} RENAME CONSTRAINT {_q(pk_name)} TO {_q(old + '_pkey')}"]
    statements += [f"DROP TRIGGER {_q(name)} ON {_q(old)}" for name, _ in triggers]
    statements += [f"ALTER TABLE {_q(old)} DROP CONSTRAINT {_q(name)}" for name, _ in foreign_keys]
    statements += [f"DROP INDEX {_q(name)}" for name, _ in indexes]
    statements.append(
        f"CREATE TABLE {_q(table)} (LIKE {_q(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY "
        f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({_q(column)})"
    )
    # A partitioned table's primary key must contain the partition key.
    key = [*pk, column] if column not in pk else pk
    statements.append(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(table + '_pkey')} PRIMARY KEY ({', '.join(map(_q, key))})")
    month = first_month
    while month <= last_month:
        statements.append(
            f"CREATE TABLE {_q(partition_name(table, month))} PARTITION OF {_q(table)} "
            f"FOR VALUES FROM ('{month.isoformat()} 00:00:00+00') TO ('{next_month(month).isoformat()} 00:00:00+00')"
        )
        month = next_month(month)
    statements.append(f"CREATE TABLE {_q(table + '_default')} PARTITION OF {_q(table)} DEFAULT")
    statements.append(f"INSERT INTO {_q(table)} SELECT * FROM {_q(old)}")
    for name in identity:
        statements.append(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{name}'), "
            f"GREATEST((SELECT max({_q(name)}) FROM {_q(table)}), 0) + 1, false)"
        )
    statements.append(f"DROP TABLE {_q(old)}")
    statements += [definition for _, definition in indexes]
    statements += [f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}" for name, definition in foreign_keys]
    statements += [definition for _, definition in triggers]
    return statements
