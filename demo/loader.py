"""Writing generated tables into the database with PostgreSQL COPY (binary where every column has a
binary form here, text otherwise).

The writer inserts only the columns the generator names (explicit column lists), so columns other
apps add later keep their defaults. The secondary indexes, unique and foreign-key
constraints of the loaded tables are dropped before the COPY and rebuilt after it, in the same
transaction: building an index once is far cheaper than maintaining it row by row, and re-adding
a constraint checks every loaded row against it.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from queue import Empty

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


def combined_pieces(columns: list[Column], vocabs: list[list], start: int, stop: int, join: Callable) -> list:
    """Rows ``start:stop`` of small-vocabulary ``columns`` as one piece per row: each distinct
    combination of their codes joined once (``join`` of the vocabularies' pieces, text or binary) and
    repeated for its rows, instead of joining every row's values."""
    combined = np.zeros(stop - start, dtype=np.int64)
    for column, vocab in zip(columns, vocabs, strict=True):
        combined = combined * len(vocab) + np.asarray(column.data[start:stop]).astype(np.int64)
    distinct, inverse = np.unique(combined, return_inverse=True)
    pieces = []
    for value in distinct.tolist():
        parts = []
        for vocab in reversed(vocabs):
            value, code = divmod(value, len(vocab))
            parts.append(vocab[code])
        pieces.append(join(reversed(parts)))
    return np.array(pieces, dtype=object)[inverse.ravel()].tolist()


class _Encoder:
    """Turns a column slice into COPY text values."""

    def __init__(self) -> None:
        self.null = "\\N"
        # Index 0 is NULL; day d is at d - base + 1.
        self.dates = np.concatenate([np.array([self.null], dtype=object), _DATES])
        # Noon in Almaty, written as an instant (the column is timestamptz).
        suffix = " 12:00:00+05"
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
            return np.array(["f", "t"], dtype=object)[part.astype(np.int8)].tolist()
        if kind in ("date", "ts"):
            table = self.dates if kind == "date" else self.stamps
            return table[np.where(part == NULL, 0, part - _DATE_BASE + 1)].tolist()
        if kind == "int":
            return self._ints(part.astype(np.int64))
        raise ValueError(f"unknown column kind {kind}")

    def encode_together(self, columns: list[Column], start: int, stop: int) -> list[str]:
        """Code and bool columns as one tab-joined piece per row."""
        vocabs = [
            ["f", "t"] if c.kind == "bool" else [self._scalar(v) for v in c.vocab or []] for c in columns
        ]
        return combined_pieces(columns, vocabs, start, stop, "\t".join)

    def _ints(self, part: np.ndarray) -> list:
        nulls = part == NULL
        present = part[~nulls]
        if len(present) == 0:
            return [self.null] * len(part)
        low, high = int(present.min()), int(present.max())
        if high - low < 4 * len(part) + 1000:
            # A table of the values in range, indexed: far cheaper than formatting each number.
            table = np.empty(high - low + 2, dtype=object)
            table[0] = self.null
            table[1:] = [str(v) for v in range(low, high + 1)]
            return table[np.where(nulls, 0, part - low + 1)].tolist()
        values = list(map(str, part.tolist()))
        if nulls.any():
            for i in np.flatnonzero(nulls).tolist():
                values[i] = self.null
        return values

    def _scalar(self, value: object) -> object:
        if value is None:
            return self.null
        if isinstance(value, str):
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        return value


def _chunks(n: int) -> Iterable[tuple[int, int]]:
    for start in range(0, n, CHUNK_ROWS):
        yield start, min(n, start + CHUNK_ROWS)


@dataclass
class TableText:
    """One table as COPY text: the header the parent needs, then chunks of encoded rows."""

    name: str
    columns: list[str]  # in COPY order
    constants: list[tuple[str, object]]  # columns sent as defaults, with their value
    n: int
    binary: bool = False  # the chunks are COPY ... (FORMAT binary)

    def copy_statement(self, table: str) -> str:
        return f"COPY {table} ({', '.join(self.columns)}) FROM STDIN" + (" (FORMAT binary)" if self.binary else "")


def encode_table(table: Table) -> tuple[TableText, Iterator[tuple[bytes, int]]]:
    """The COPY header of a table and an iterator over (UTF-8 text chunk, rows in it).

    Columns with one value for every row are not sent: they become the column's default for the
    duration of the load. Columns drawn from small vocabularies are encoded together, one text
    piece per distinct combination, so a row is joined from a few pieces, not one per column.
    """
    encoder = _Encoder()
    constants = [c for c in table.columns if c.kind == "const"]
    grouped = _groups([c for c in table.columns if c.kind in ("code", "bool")])
    plain = [c for c in table.columns if c.kind not in ("const", "code", "bool")]
    header = TableText(
        name=table.name, columns=[c.name for c in plain] + [c.name for group in grouped for c in group],
        constants=[(c.name, c.data) for c in constants], n=table.n,
    )

    def chunks() -> Iterator[tuple[bytes, int]]:
        for start, stop in _chunks(table.n):
            cols = [encoder.encode(c, start, stop) for c in plain]
            cols += [encoder.encode_together(group, start, stop) for group in grouped]
            yield ("\n".join(map("\t".join, zip(*cols, strict=True))) + "\n").encode(), stop - start

    return header, chunks()


# --- Binary COPY -----------------------------------------------------------------------------
# The server parses a binary row far faster than a text one (dates, timestamps and numbers arrive as
# they are stored: measured on 539k visits, 3.2-4.7 s against 5.3-6.4 s of COPY). Rows are joined from
# the same kind of pieces as the text: one fixed-width block per row (the field count and every column
# that is never null, from one numpy record array), a piece per nullable number or date, and one piece
# per combination of the small-vocabulary columns.

BINARY = True  # COPY in binary format where every column of a table has one here (tests compare it with the text)
_PG_EPOCH_DAYS = (dt.date(2000, 1, 1) - EPOCH).days
_NOON_ALMATY_US = 7 * 3600 * 1_000_000  # 12:00+05 is 07:00 UTC
_BIN_NULL = b"\xff\xff\xff\xff"
_BIN_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_BIN_TRAILER = b"\xff\xff"
# PostgreSQL type (format_type) -> numpy big-endian dtype of its binary form, for number, date and time columns.
_BIN_FIXED = {"bigint": ">i8", "integer": ">i4", "smallint": ">i2", "date": ">i4", "timestamp with time zone": ">i8", "boolean": "u1"}


def column_types(cursor, tables: list[str]) -> dict[str, dict[str, str]]:
    """format_type of every column of these tables, for the binary encoder (read before the fork)."""
    types: dict[str, dict[str, str]] = {}
    for table in tables:
        cursor.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attnum > 0 AND NOT attisdropped",
            [table],
        )
        types[table] = dict(cursor.fetchall())
    return types


def _text_type(type_name: str) -> bool:
    return type_name == "text" or type_name.startswith("character varying") or type_name == "jsonb"


def _bin_numbers(kind: str, type_name: str, part: np.ndarray) -> np.ndarray:
    """Values as they are stored (day numbers and microseconds from 2000-01-01)."""
    if kind == "date":
        return part - _PG_EPOCH_DAYS
    if kind == "ts":
        return (part - _PG_EPOCH_DAYS) * 86_400_000_000 + _NOON_ALMATY_US
    return part


def _bin_scalar(value: object, type_name: str) -> bytes:
    if value is None:
        return _BIN_NULL
    if _text_type(type_name) and isinstance(value, str):
        data = value.encode()
        if type_name == "jsonb":
            data = b"\x01" + data
        return len(data).to_bytes(4, "big") + data
    if type_name in _BIN_FIXED and isinstance(value, (bool, int, np.integer)) and type_name not in ("date", "timestamp with time zone"):
        data = np.array([value], dtype=_BIN_FIXED[type_name]).tobytes()
        return len(data).to_bytes(4, "big") + data
    raise TypeError(f"no binary form for {value!r} as {type_name}")


def _binary_supported(table: Table, types: dict[str, str]) -> bool:
    for column in table.columns:
        type_name = types.get(column.name, "")
        if column.kind == "const":
            continue
        if column.kind in ("int", "date", "ts", "bool"):
            expected = {"date": ("date",), "ts": ("timestamp with time zone",), "bool": ("boolean",)}.get(
                column.kind, ("bigint", "integer", "smallint")
            )
            if type_name not in expected:
                return False
        elif column.kind == "str":
            if not _text_type(type_name) or type_name == "jsonb":
                return False
        elif column.kind == "code":
            try:
                for value in column.vocab or []:
                    _bin_scalar(value, type_name)
            except TypeError:
                return False
        else:
            return False
    return True


def encode_table_binary(table: Table, types: dict[str, str]) -> tuple[TableText, Iterator[tuple[bytes, int]]] | None:
    """Like ``encode_table``, in COPY's binary format; None when a column has no binary form here."""
    if not _binary_supported(table, types):
        return None
    constants = [c for c in table.columns if c.kind == "const"]
    numeric = [c for c in table.columns if c.kind in ("int", "date", "ts", "bool")]
    fixed = [c for c in numeric if c.kind == "bool" or not np.any(np.asarray(c.data) == NULL)]
    nullable = [c for c in numeric if c not in fixed]
    strings = [c for c in table.columns if c.kind == "str"]
    grouped = _groups([c for c in table.columns if c.kind == "code"])
    order = fixed + nullable + strings + [c for group in grouped for c in group]
    header = TableText(
        name=table.name, columns=[c.name for c in order], constants=[(c.name, c.data) for c in constants], n=table.n, binary=True
    )
    record = np.dtype(
        [("count", ">i2")]
        + [(f, t) for c in fixed for f, t in ((f"l{c.name}", ">i4"), (f"v{c.name}", _BIN_FIXED[types[c.name]]))]
    )
    width = record.itemsize
    lengths = {c.name: np.dtype(_BIN_FIXED[types[c.name]]).itemsize for c in fixed}
    vocab_pieces = [[[_bin_scalar(v, types[c.name]) for v in c.vocab or []] for c in group] for group in grouped]

    def nullable_pieces(column: Column, start: int, stop: int) -> list[bytes]:
        part = np.asarray(column.data[start:stop]).astype(np.int64)
        distinct, inverse = np.unique(part, return_inverse=True)
        dtype = _BIN_FIXED[types[column.name]]
        size = np.dtype(dtype).itemsize.to_bytes(4, "big")
        values = _bin_numbers(column.kind, types[column.name], np.where(distinct == NULL, 0, distinct)).astype(dtype)
        pieces = np.array([size + values[i : i + 1].tobytes() for i in range(len(distinct))], dtype=object)
        pieces[distinct == NULL] = _BIN_NULL
        return pieces[inverse.ravel()].tolist()

    def string_pieces(column: Column, start: int, stop: int) -> list[bytes]:
        out = []
        for value in column.data[start:stop]:
            if value is None:
                out.append(_BIN_NULL)
            else:
                data = value.encode()
                out.append(len(data).to_bytes(4, "big") + data)
        return out

    def group_pieces(group: list[Column], vocabs: list[list[bytes]], start: int, stop: int) -> list[bytes]:
        return combined_pieces(group, vocabs, start, stop, b"".join)

    def chunks() -> Iterator[tuple[bytes, int]]:
        for start, stop in _chunks(table.n):
            n = stop - start
            block = np.empty(n, dtype=record)
            block["count"] = len(order)
            for c in fixed:
                block[f"l{c.name}"] = lengths[c.name]
                part = np.asarray(c.data[start:stop])
                if c.kind == "bool":
                    block[f"v{c.name}"] = part.astype(np.uint8)
                else:
                    block[f"v{c.name}"] = _bin_numbers(c.kind, types[c.name], part.astype(np.int64))
            raw = block.tobytes()
            cols = [[raw[i : i + width] for i in range(0, n * width, width)]]
            cols += [nullable_pieces(c, start, stop) for c in nullable]
            cols += [string_pieces(c, start, stop) for c in strings]
            cols += [group_pieces(g, v, start, stop) for g, v in zip(grouped, vocab_pieces, strict=True)]
            data = b"".join(map(b"".join, zip(*cols, strict=True)))
            if start == 0:
                data = _BIN_HEADER + data
            if stop == table.n:
                data += _BIN_TRAILER
            yield data, n
        if table.n == 0:
            yield _BIN_HEADER + _BIN_TRAILER, 0

    return header, chunks()


def produce(make_tables: Callable[[], Iterable[Table]], queue, types: dict[str, dict[str, str]] | None = None) -> None:
    """Worker process: generate the tables one by one and put their COPY text (or, given the column
    types, binary COPY data) on the queue."""
    try:
        began = time.perf_counter()
        for table in make_tables():
            encoded = encode_table_binary(table, types[table.name]) if types and table.name in types else None
            header, chunks = encoded or encode_table(table)
            queue.put(("table", header))
            for data, rows in chunks:
                queue.put(("chunk", data, rows))
            queue.put(("end",))
        queue.put(("done", time.perf_counter() - began))
    except BaseException:  # report everything: the parent must roll back
        queue.put(("error", traceback.format_exc()))


def copy_from_worker(
    connection: BaseDatabaseWrapper, make_tables: Callable[[], Iterable[Table]], *, progress: Callable[[int], None],
    timings: dict[str, float], table_names: list[str] = (),
) -> dict[str, int]:
    """Generate and encode rows in a forked worker process while this process streams them into
    COPY: Python works on one core and the server on the other. Returns the row counts."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=32)
    with connection.cursor() as cursor:
        types = column_types(cursor, table_names) if BINARY else None
    worker = context.Process(target=produce, args=(make_tables, queue, types), daemon=True)
    worker.start()
    try:
        return _consume(connection, queue, worker, progress=progress, timings=timings)
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()


def _next(queue, worker) -> tuple:
    while True:
        try:
            message = queue.get(timeout=2)
        except Empty:
            if not worker.is_alive():
                raise RuntimeError("the seed worker process died without a word") from None
            continue
        if message[0] == "error":
            raise RuntimeError(f"generating the seed rows failed:\n{message[1]}")
        return message


def _consume(connection, queue, worker, *, progress, timings) -> dict[str, int]:
    counts: dict[str, int] = {}
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the psycopg cursor, same connection and transaction
        message = _next(queue, worker)
        while message[0] == "table":
            header: TableText = message[1]
            counts[header.name] = header.n
            started = time.perf_counter()
            restore = _set_constant_defaults(cursor, header.name, header.constants)
            with cursor.copy(header.copy_statement(header.name)) as copy:
                while (message := _next(queue, worker))[0] == "chunk":
                    copy.write(message[1])
                    progress(message[2])
            for statement in restore:
                cursor.execute(statement)
            timings[f"copy {header.name}"] = time.perf_counter() - started
            message = _next(queue, worker)
        timings["generate and encode (worker)"] = message[1]
    return counts


def _groups(columns: list[Column], most: int = 5000) -> list[list[Column]]:
    """Consecutive columns whose vocabularies multiply to at most ``most`` combinations."""
    groups: list[list[Column]] = []
    size = most + 1
    for column in columns:
        width = 2 if column.kind == "bool" else len(column.vocab or [])
        if size * width > most:
            groups.append([])
            size = 1
        groups[-1].append(column)
        size *= width
    return groups


def _set_constant_defaults(cursor, table: str, constants: list[tuple[str, object]]) -> list[str]:
    """Make each constant column's value its default; return the statements that restore the old ones."""
    from psycopg import sql as psycopg_sql

    restore: list[str] = []
    for name, value in constants:
        cursor.execute(
            """
            SELECT pg_get_expr(d.adbin, d.adrelid), format_type(a.atttypid, a.atttypmod)
            FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = %s::regclass AND a.attname = %s
            """,
            [table, name],
        )
        previous, type_name = cursor.fetchone()
        literal = psycopg_sql.Literal(value).as_string(cursor)
        cursor.execute(f'ALTER TABLE {table} ALTER COLUMN "{name}" SET DEFAULT {literal}::{type_name}')
        if previous is None:
            restore.append(f'ALTER TABLE {table} ALTER COLUMN "{name}" DROP DEFAULT')
        else:
            restore.append(f'ALTER TABLE {table} ALTER COLUMN "{name}" SET DEFAULT {previous}')
    return restore


def model_index_sql(table: str, name: str, on_table: str | None = None, as_name: str | None = None) -> str | None:
    """The CREATE INDEX statement Django's migrations ran for a model's index or index-backed
    unique constraint called ``name`` (None when no model of ``table`` defines one by that name),
    optionally on another table and under another name.

    Rebuilding an index from ``pg_get_indexdef`` is not always exact: a partial index's predicate
    deparsed and parsed again may come back as another (equivalent) expression, e.g.
    ``kind IN (...)`` as ``ANY (ARRAY[(x::varchar)::text, ...])`` instead of ``ANY ((ARRAY[...])::text[])``,
    and ``pg_dump`` of the seeded database would then differ from a migrated one."""
    from django.apps import apps
    from django.db import connection
    from django.db.models import Index, UniqueConstraint

    model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
    if model is None:
        return None
    with connection.schema_editor(collect_sql=True) as editor:
        for item in [*model._meta.indexes, *model._meta.constraints]:
            if item.name != name:
                continue
            if isinstance(item, UniqueConstraint) and not (item.condition or item.contains_expressions or item.include
                                                            or item.opclasses):
                return None  # a plain UNIQUE constraint: added as a constraint, not rebuilt from here
            if not isinstance(item, (Index, UniqueConstraint)):
                return None
            statement = item.create_sql(model, editor)
            if statement is None:
                return None
            if on_table:
                statement.rename_table_references(table, on_table)
            if as_name:
                statement.parts["name"] = editor.quote_name(as_name)
            return str(statement)
    return None


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
            indexes = [(r[0], model_index_sql(name, r[0]) or r[1]) for r in cursor.fetchall()]
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
