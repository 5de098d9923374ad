"""Writing generated tables into the database: PostgreSQL COPY, or executemany on SQLite.

Both writers insert only the columns the generator names (explicit column lists), so columns other
apps add later keep their defaults. On PostgreSQL the secondary indexes, unique and foreign-key
constraints of the loaded tables are dropped before the COPY and rebuilt after it, in the same
transaction: building an index once is far cheaper than maintaining it row by row, and re-adding
a constraint checks every loaded row against it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from django.db.backends.base.base import BaseDatabaseWrapper

from demo.generator import EPOCH, NULL, Column, Table

CHUNK_ROWS = 100_000
_DATE_FIRST = dt.date(1900, 1, 1)
_DATE_LAST = dt.date(2100, 1, 1)
_DATE_BASE = (_DATE_FIRST - EPOCH).days


def _date_strings() -> np.ndarray:
    days = np.arange(np.datetime64(_DATE_FIRST), np.datetime64(_DATE_LAST))
    return days.astype(str).astype(object)


_DATES = _date_strings()


class _Encoder:
    """Turns a column slice into Python values: COPY text for PostgreSQL, parameters for SQLite."""

    def __init__(self, *, copy_text: bool) -> None:
        self.copy_text = copy_text
        self.null = "\\N" if copy_text else None
        # Index 0 is NULL; day d is at d - base + 1.
        self.dates = np.concatenate([np.array([self.null], dtype=object), _DATES])
        # Noon in Almaty, written as an instant (the column is timestamptz; SQLite keeps naive UTC).
        suffix = " 12:00:00+05" if copy_text else " 07:00:00"
        self.stamps = np.concatenate([np.array([self.null], dtype=object), np.array([d + suffix for d in _DATES], dtype=object)])

    def encode(self, column: Column, start: int, stop: int) -> list:
        kind, data = column.kind, column.data
        n = stop - start
        if kind == "const":
            return [self._scalar(data)] * n
        if kind == "str":
            values = data[start:stop]
            return [self.null if v is None else v for v in values]
        part = np.asarray(data[start:stop])
        if kind == "code":
            vocab = np.array([self._scalar(v) for v in column.vocab or []], dtype=object)
            return vocab[part].tolist()
        if kind == "bool":
            if self.copy_text:
                return np.array(["f", "t"], dtype=object)[part.astype(np.int8)].tolist()
            return part.astype(np.int8).tolist()
        if kind in ("date", "ts"):
            table = self.dates if kind == "date" else self.stamps
            return table[np.where(part == NULL, 0, part - _DATE_BASE + 1)].tolist()
        if kind == "int":
            as_int = part.astype(np.int64)
            values = (as_int.astype(str) if self.copy_text else as_int).astype(object)
            values[part == NULL] = self.null
            return values.tolist()
        raise ValueError(f"unknown column kind {kind}")

    def _scalar(self, value: object) -> object:
        if value is None:
            return self.null
        if self.copy_text and isinstance(value, str):
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        return value


def _chunks(n: int) -> Iterable[tuple[int, int]]:
    for start in range(0, n, CHUNK_ROWS):
        yield start, min(n, start + CHUNK_ROWS)


def copy_tables(
    connection: BaseDatabaseWrapper, tables: list[Table], progress: Callable[[int], None], timings: dict[str, float] | None = None
) -> None:
    """COPY each table in chunks of text rows; a background writer sends one chunk while the next
    is built, so Python and the server work at the same time."""
    from psycopg.copy import QueuedLibpqWriter

    encoder = _Encoder(copy_text=True)
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the psycopg cursor, same connection and transaction
        for table in tables:
            if table.n == 0:
                continue
            columns = ", ".join(c.name for c in table.columns)
            began, encoding = time.perf_counter(), 0.0
            with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN", writer=QueuedLibpqWriter(cursor)) as copy:
                for start, stop in _chunks(table.n):
                    t0 = time.perf_counter()
                    cols = [encoder.encode(c, start, stop) for c in table.columns]
                    text = "\n".join(map("\t".join, zip(*cols, strict=True))) + "\n"
                    encoding += time.perf_counter() - t0
                    copy.write(text)
                    progress(stop - start)
            if timings is not None:
                timings[f"copy {table.name}"] = time.perf_counter() - began
                timings[f"  of which encoding {table.name}"] = encoding


def insert_tables(connection: BaseDatabaseWrapper, tables: list[Table], progress: Callable[[int], None]) -> None:
    """Bulk INSERT (executemany) for databases without COPY: the SQLite quick start."""
    encoder = _Encoder(copy_text=False)
    with connection.cursor() as cursor:
        for table in tables:
            columns = ", ".join(c.name for c in table.columns)
            marks = ", ".join(["%s"] * len(table.columns))
            sql = f"INSERT INTO {table.name} ({columns}) VALUES ({marks})"
            for start, stop in _chunks(table.n):
                cols = [encoder.encode(c, start, stop) for c in table.columns]
                cursor.executemany(sql, list(zip(*cols, strict=True)))
                progress(stop - start)


@dataclass
class _Saved:
    table: str
    indexes: list[tuple[str, str]]  # name, CREATE INDEX statement
    constraints: list[tuple[str, str, str]]  # name, type (u/f), definition


def drop_secondary_structures(connection: BaseDatabaseWrapper, table_names: list[str]) -> list[_Saved]:
    """Drop the non-primary-key indexes and the unique and foreign-key constraints of these tables,
    returning what is needed to rebuild them exactly (whoever added them)."""
    saved: list[_Saved] = []
    with connection.cursor() as cursor:
        for name in table_names:
            cursor.execute(
                """
                SELECT c.conname, c.contype, pg_get_constraintdef(c.oid)
                FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.contype IN ('u', 'f')
                ORDER BY c.contype DESC, c.conname
                """,
                [name],
            )
            constraints = [(r[0], r[1], r[2]) for r in cursor.fetchall()]
            cursor.execute(
                """
                SELECT ic.relname, pg_get_indexdef(i.indexrelid)
                FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                WHERE i.indrelid = %s::regclass
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
                ORDER BY ic.relname
                """,
                [name],
            )
            indexes = [(r[0], r[1]) for r in cursor.fetchall()]
            saved.append(_Saved(name, indexes, constraints))
        for item in saved:
            for conname, contype, _ in item.constraints:
                if contype == "f":
                    cursor.execute(f'ALTER TABLE {item.table} DROP CONSTRAINT "{conname}"')
        for item in saved:
            for conname, contype, _ in item.constraints:
                if contype == "u":
                    cursor.execute(f'ALTER TABLE {item.table} DROP CONSTRAINT "{conname}"')
            for index_name, _ in item.indexes:
                cursor.execute(f'DROP INDEX "{index_name}"')
    return saved


def rebuild_secondary_structures(
    connection: BaseDatabaseWrapper, saved: list[_Saved], progress: Callable[[str], None], timings: dict[str, float] | None = None
) -> None:
    """Recreate what ``drop_secondary_structures`` dropped; unique indexes and foreign keys check
    every row as they are built."""
    with connection.cursor() as cursor:
        for item in saved:
            began = time.perf_counter()
            for _, statement in item.indexes:
                cursor.execute(statement)
            for conname, contype, definition in item.constraints:
                if contype == "u":
                    cursor.execute(f'ALTER TABLE {item.table} ADD CONSTRAINT "{conname}" {definition}')
            progress(item.table)
            if timings is not None:
                timings[f"indexes {item.table}"] = time.perf_counter() - began
        for item in saved:
            began = time.perf_counter()
            for conname, contype, definition in item.constraints:
                if contype == "f":
                    cursor.execute(f'ALTER TABLE {item.table} ADD CONSTRAINT "{conname}" {definition}')
            if timings is not None:
                timings[f"foreign keys {item.table}"] = time.perf_counter() - began
