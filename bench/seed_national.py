"""Benchmark: load the national-scale data set (1,000,000 children) with ``seed_demo``.

Drops and recreates the database ``otbasy_bench`` (only that one), migrates it, and times
``manage.py seed_demo --children 1000000 --seed 42`` as a subprocess (wall clock, the whole command).
Beside it, a raw-SQL reference: the server copying the same rows into empty copies of the same
tables (``INSERT ... SELECT``, indexes built after, rolled back), i.e. the write cost without any
row generation. Prints medians of ``--runs`` runs and the row counts, and leaves the data loaded
for the other benchmarks.

    .venv/bin/python bench/seed_national.py [--runs 3] [--children 1000000] [--seed 42]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DB = "otbasy_bench"  # --database picks a scratch database instead (repeat runs without disturbing others)
HOST = os.environ.get("BENCH_PGHOST", "127.0.0.1")
SERVER = f"postgres://postgres@{HOST}:5432"
TABLES = [
    "children_childrenshome", "children_siblinggroup", "children_child", "families_family", "families_applicant",
    "cases_case", "cases_stagechange", "cases_placement", "visits_visit",
]


def run(cmd: list[str], env: dict[str, str]) -> None:
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)


def recreate_database(env: dict[str, str]) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        # FORCE: benchmarks of other engineers may hold connections to the old copy.
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    for attempt in range(5):
        try:
            run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env)
            return
        except subprocess.CalledProcessError:
            if attempt == 4:
                raise
            time.sleep(3)


def seed(env: dict[str, str], children: int, seed_value: int) -> float:
    began = time.perf_counter()
    run([sys.executable, "manage.py", "seed_demo", "--children", str(children), "--seed", str(seed_value), "--no-progress"], env)
    return time.perf_counter() - began


def counts() -> dict[str, int]:
    with psycopg.connect(f"{SERVER}/{DB}") as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # type: ignore[index]


def raw_sql_reference() -> float:
    """Copy every seeded table into an empty twin (no indexes), then build the twin's indexes;
    all in one transaction that is rolled back."""
    with psycopg.connect(f"{SERVER}/{DB}") as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        began = time.perf_counter()
        for table in TABLES:
            conn.execute(f"CREATE TEMP TABLE ref_{table} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
            conn.execute(f"INSERT INTO ref_{table} SELECT * FROM {table}")
            indexes = conn.execute("SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass", [table]).fetchall()
            for (definition,) in indexes:
                twin = definition.replace(f" ON public.{table} ", f" ON ref_{table} ", 1)
                twin = twin.replace("CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX ref_", 1).replace("CREATE INDEX ", "CREATE INDEX ref_", 1)
                conn.execute(twin)
        elapsed = time.perf_counter() - began
        conn.rollback()
    return elapsed


def main() -> None:
    global DB
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-reference", action="store_true", help="skip the raw-SQL reference")
    parser.add_argument("--database", default=DB, help=f"database to drop, recreate and load (default {DB})")
    parser.add_argument("--drop-after", action="store_true", help="drop the database at the end (for scratch runs)")
    args = parser.parse_args()
    if not args.database.startswith("otbasy_bench"):
        parser.error("the database name must start with otbasy_bench: this script drops it")
    DB = args.database
    env = {**os.environ, "DATABASE_URL": f"{SERVER}/{DB}", "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env.pop("REDIS_URL", None)
    seed_times, reference_times = [], []
    for i in range(args.runs):
        recreate_database(env)
        seconds = seed(env, args.children, args.seed)
        seed_times.append(seconds)
        print(f"run {i + 1}: seed_demo --children {args.children} --seed {args.seed}: {seconds:.1f} s", flush=True)
        if not args.no_reference:
            reference = raw_sql_reference()
            reference_times.append(reference)
            print(f"run {i + 1}: raw-SQL reference (INSERT ... SELECT of the same rows + indexes): {reference:.1f} s", flush=True)
    with psycopg.connect(f"{SERVER}/{DB}", autocommit=True) as conn:
        # Set hint bits and the visibility map once, so the benchmarks that follow read a settled table.
        # Only the seeded tables, and never waiting long on another session's lock.
        conn.execute("SET lock_timeout = '10s'")
        began = time.perf_counter()
        # The demo users and units too: without statistics the planner takes 20 supervisors for 1.
        for table in [*TABLES, "accounts_user", "accounts_organisationalunit"]:
            try:
                conn.execute(f"VACUUM (ANALYZE) {table}")
            except psycopg.errors.LockNotAvailable:
                print(f"VACUUM of {table} skipped: another session holds a lock on it")
        print(f"VACUUM (ANALYZE) of the seeded tables after the load (not part of the figure): {time.perf_counter() - began:.1f} s")
    print(f"\nnproc = {os.cpu_count()}, runs = {args.runs}")
    print(f"seed_demo median: {statistics.median(seed_times):.1f} s  (runs: {', '.join(f'{t:.1f}' for t in seed_times)})")
    if reference_times:
        print(f"raw-SQL reference median: {statistics.median(reference_times):.1f} s")
    for table, count in counts().items():
        print(f"{table:28} {count:>12,}")
    if args.drop_after:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
