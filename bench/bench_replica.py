"""Read-replica benchmark (issue 21): statistics on the replica against the primary, and a social
worker's caseload p95 while an analyst's heaviest statistics run on the replica or on the primary.

What it builds (nothing shared is touched): a private PostgreSQL primary (initdb in a temporary
directory, on a free port), migrated and loaded with ``seed_demo --children N``, the statistics
snapshot refreshed; then a hot standby cloned from it with ``pg_basebackup -R`` and streaming. The
standby runs pinned to the last CPU (``taskset``) and the primary with the measuring process to the
others, as if the replica had a machine of its own: on one machine a replica adds no cores, and
without the pinning the comparison would only measure two servers sharing the same two cores.

Measured, each in a fresh process with the project's own settings (``config.settings.test``):
  A. every statistics indicator by region and year through the API as an analyst (median ms), once
     with ``DATABASE_REPLICA_URL`` set (the statistics read the replica) and once without (the
     primary), alternating runs;
  B. the worker's first caseload page (API) p95 over ``--runs`` requests: with no other load; while a
     second process asks the heaviest indicator in a loop and a third runs the nightly statistics
     refresh in a loop, both with the replica configured (their reads on the replica; the refresh
     still writes the snapshot on the primary, the analyst's access-log rows too); and with the same
     two loops on the primary. The three conditions alternate within each round. The two loops' own
     Python (the analyst's web process, the Celery worker) runs beside the standby in both cases, as
     on machines of their own: what changes is only which server does their database work.
  C. the nightly refresh's duration with its reads on the replica and on the primary, alternating.

For each caseload run the primary's CPU seconds per second are printed per process (``PrimaryProcesses``:
the backends by the client's application name, which each measuring process sets, and the server's
own processes: walsender, walwriter, checkpointer, autovacuum workers with their table), with the
autovacuum and autoanalyze runs per table; ``--primary-log FILE`` (diagnosis) also logs the refresh
loop's statements with their CPU and every autovacuum run, and keeps the primary's log.

Before measuring, the snapshot is refreshed once more with the standby streaming (as the nightly
task leaves it: frozen, so the standby needs no hint bits), the standby waited for, and every
indicator asked once on each server (both caches warm). The slowest indicator's plan is printed
from both servers (EXPLAIN ANALYZE, BUFFERS). Load averages are printed with each part.

Usage:  .venv/bin/python bench/bench_replica.py [--children 100000] [--runs 300] [--rounds 5]
Prints a table and BENCH_RESULT lines for bench/run_all.py.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if os.environ.get("BENCH_CODE_TREE"):  # the code to compare with (--before): its apps, imported first
    sys.path.insert(0, os.environ["BENCH_CODE_TREE"])

from tests.processes import PrivatePostgres, PrivateStandby, wait_until  # noqa: E402

# The analyst's heaviest query for part B: the slowest indicator by region and year in part A
# (median_days_to_placement in every run so far).
INDICATOR_LOAD = "median_days_to_placement"


def cpus() -> tuple[str, str]:
    """(CPUs for the primary and the measuring process, CPU for the standby)."""
    n = os.cpu_count() or 1
    if n < 2:
        return "0", "0"
    return f"0-{n - 2}", str(n - 1)


def manage(url: str, *args: str) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": url}
    env.pop("DATABASE_REPLICA_URL", None)
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def child(mode: str, primary_url: str, replica_url: str | None, *extra: str, background: bool = False,
          cpu: str | None = None, tree: Path | None = None):
    """This script in ``mode`` in a new process, pinned with the primary's CPUs (or ``cpu``); with
    ``tree``, the project's code is imported from that checkout (the code before a change)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": primary_url,
           "THROTTLE_USER": "1000000/minute", "ALLOWED_HOSTS": "testserver", "CONN_MAX_AGE": "60",
           "PGAPPNAME": f"bench-{mode}"}  # libpq's application name: the primary's backends by client
    env.pop("DATABASE_REPLICA_URL", None)
    if replica_url:
        env["DATABASE_REPLICA_URL"] = replica_url
        env["STATS_REFRESH_READS_REPLICA"] = "1"  # the refresh's reads too (on by default since issue 21's second pass)
    if tree is not None:
        env["BENCH_CODE_TREE"] = str(tree)
    command = ["taskset", "-c", cpu or cpus()[0], sys.executable, __file__, "--mode", mode, *extra]
    if background:
        return subprocess.Popen(command, cwd=tree or ROOT, env=env, stdout=subprocess.DEVNULL)
    result = subprocess.run(command, cwd=tree or ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{mode} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def server_cpu(server: PrivatePostgres) -> float:
    """CPU seconds used so far by a server: its postmaster, its live processes and those it reaped."""
    import psutil

    postmaster = psutil.Process(int((server.data / "postmaster.pid").read_text().split()[0]))
    own = postmaster.cpu_times()
    total = own.user + own.system + own.children_user + own.children_system
    for process in postmaster.children(recursive=True):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


class PrimaryProcesses:
    """CPU seconds of each of a server's processes during a caseload run, by kind: the backends by
    the client's application name (each measuring process sets ``PGAPPNAME``: ``bench-caseload``,
    ``bench-load`` the analyst, ``bench-refresh-load`` the refresh loop), and the server's own
    processes by their title (walsender, walwriter, checkpointer, background writer, autovacuum
    workers, ...). Sampled from /proc every ``every`` seconds in a thread of the orchestrator; a
    process that exits between two samples counts up to its last sample. ``reaped`` is the
    postmaster's reaped children's CPU (their whole lives: a loop's backend of the previous condition
    that exits during this run counts here, so this is not in the other kinds; the older
    ``server_cpu`` includes it). Also the per-table counters
    of pg_stat_user_tables (autovacuum and autoanalyze runs, rows written) over the run."""

    def __init__(self, server: PrivatePostgres, url: str, every: float = 0.5) -> None:
        import threading

        import psutil
        import psycopg

        self.postmaster = psutil.Process(int((server.data / "postmaster.pid").read_text().split()[0]))
        self.db = psycopg.connect(url, autocommit=True, application_name="bench-sampler")
        self.every = every
        self.labels: dict[int, str] = {}
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _tables(self) -> dict[str, tuple[int, ...]]:
        rows = self.db.execute(
            "SELECT relname, autovacuum_count, autoanalyze_count, vacuum_count, analyze_count, "
            "n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables").fetchall()
        return {row[0]: tuple(row[1:]) for row in rows}

    def _label(self, process) -> str:
        title = " ".join(process.cmdline()) or process.name()
        title = title.removeprefix("postgres: ")
        for kind in ("walsender", "walwriter", "checkpointer", "background writer", "autovacuum launcher",
                     "autovacuum worker", "logical replication launcher", "archiver", "stats collector"):
            if title.startswith(kind):
                if kind == "autovacuum worker":
                    row = self.db.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [process.pid]).fetchone()
                    what = (row[0] if row else "").removeprefix("autovacuum: ")
                    return f"autovacuum worker: {what.replace('public.', '')}" if what else kind
                return kind
        row = self.db.execute("SELECT application_name FROM pg_stat_activity WHERE pid = %s", [process.pid]).fetchone()
        return f"backend {row[0] or '?'}" if row else "backend ?"

    def _sample(self, first: bool = False) -> None:
        import psutil

        for process in self.postmaster.children():
            try:
                times = process.cpu_times()
                seconds = times.user + times.system
                if process.pid not in self.labels or self.labels[process.pid] in ("autovacuum worker", "backend ?"):
                    self.labels[process.pid] = self._label(process)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            if process.pid not in self.first:
                self.first[process.pid] = seconds if first else 0.0
            self.last[process.pid] = seconds

    def _run(self) -> None:
        while not self.stop.wait(self.every):
            self._sample()

    def __enter__(self) -> PrimaryProcesses:
        own = self.postmaster.cpu_times()
        self.reaped = own.children_user + own.children_system
        self.postmaster_own = own.user + own.system
        self.tables = self._tables()
        self.started = time.perf_counter()
        self._sample(first=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self._sample()
        self.wall = time.perf_counter() - self.started
        own = self.postmaster.cpu_times()
        self.exited = own.children_user + own.children_system - self.reaped
        self.postmaster_own = own.user + own.system - self.postmaster_own
        after = self._tables()
        self.table_changes = {
            name: tuple(a - b for a, b in zip(values, self.tables.get(name, (0,) * len(values)), strict=True))
            for name, values in after.items()}
        self.db.close()

    def by_kind(self) -> dict[str, float]:
        """CPU seconds per second of the run, by kind."""
        out: dict[str, float] = {}
        for pid, last in self.last.items():
            label = self.labels.get(pid, "?")
            if label.startswith("autovacuum worker"):
                label = "autovacuum worker"
            out[label] = out.get(label, 0.0) + (last - self.first[pid]) / self.wall
        out["postmaster"] = self.postmaster_own / self.wall
        out["reaped (whole lives, not in the rest)"] = self.exited / self.wall
        return {k: round(v, 3) for k, v in sorted(out.items(), key=lambda kv: -kv[1]) if round(v, 3)}

    def autovacuum(self) -> dict[str, float]:
        """The autovacuum workers' CPU seconds by table, over the run."""
        out: dict[str, float] = {}
        for pid, last in self.last.items():
            label = self.labels.get(pid, "")
            if label.startswith("autovacuum worker"):
                out[label] = out.get(label, 0.0) + last - self.first[pid]
        return {k: round(v, 3) for k, v in out.items()}

    def maintenance(self) -> dict[str, tuple[int, ...]]:
        """Per table with any: (autovacuum runs, autoanalyze runs, VACUUMs, ANALYZEs, rows written)."""
        return {name: values for name, values in self.table_changes.items() if any(values)}


def wal_lsn(url: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        return db.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]


def wal_since(url: str, lsn: str) -> float:
    """Bytes of WAL the primary has written since ``lsn``."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        return float(db.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", [lsn]).fetchone()[0])


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- the measuring processes -------------------------------------------------------------------------
def _django():
    import django

    django.setup()
    from rest_framework.test import APIClient

    import stats.services

    # The code compared with must be the code that runs (its checkout first on sys.path and the cwd).
    assert stats.services.__file__.startswith(os.environ.get("BENCH_CODE_TREE") or str(ROOT)), stats.services.__file__

    from accounts.models import User

    clients = {}
    for role in ("analyst", "social_worker"):
        client = APIClient()
        client.force_authenticate(User.objects.get(username=f"bench-replica-{role}"))
        clients[role] = client
    return clients


def _stats_query() -> dict[str, str]:
    import datetime as dt

    return {"breakdown": "region,year", "year_from": str(dt.date.today().year - 9)}


def measure_stats(runs: int) -> dict[str, float]:
    client = _django()["analyst"]
    from stats.indicators import INDICATORS

    out = {}
    for name in INDICATORS:
        times = []
        for i in range(runs + 1):
            start = time.perf_counter()
            response = client.get(f"/api/v1/stats/{name}/", _stats_query())
            assert response.status_code == 200, response.content[:300]
            if i:  # the first call warms the connection and the caches
                times.append(time.perf_counter() - start)
        out[name] = round(statistics.median(times) * 1000, 1)
    return out


def _runqueue_ns(pid: int | str = "self") -> int:
    """Nanoseconds a process has spent runnable but waiting for a CPU (/proc/PID/schedstat)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def measure_caseload(runs: int) -> dict[str, float]:
    """The caseload page's median and p95 over ``runs`` requests (ms); the time per request that this
    process and its backend on the primary spent waiting for a CPU (ms, /proc/PID/schedstat); and the
    p95 of each request's time less those waits (``own_p95``: what the request took on CPUs of its
    own, its I/O, locks and the servers' work included; on this shared machine the wait for a CPU is
    mostly other people's work)."""
    client = _django()["social_worker"]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    times, own, waits = [], [], [0, 0]
    for i in range(runs + 5):
        waited = (_runqueue_ns(), _runqueue_ns(backend))
        start = time.perf_counter()
        response = client.get("/api/v1/cases/")
        elapsed = time.perf_counter() - start
        assert response.status_code == 200
        if i >= 5:
            mine, its = _runqueue_ns() - waited[0], _runqueue_ns(backend) - waited[1]
            waits[0] += mine
            waits[1] += its
            times.append(elapsed)
            own.append(elapsed - (mine + its) / 1e9)

    def p95(values: list[float]) -> float:
        return round(sorted(values)[int(len(values) * 0.95) - 1] * 1000, 2)

    return {"median": round(statistics.median(times) * 1000, 2), "p95": p95(times), "own_p95": p95(own),
            "cpu_wait_ms": round(waits[0] / runs / 1e6, 2), "backend_cpu_wait_ms": round(waits[1] / runs / 1e6, 2)}


def cpu_busy() -> list[tuple[int, int]]:
    """(busy, total) jiffies of each CPU so far (/proc/stat), for the CPUs' busy fractions."""
    out = []
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("cpu") and line[3].isdigit():
            values = [int(v) for v in line.split()[1:]]
            idle = values[3] + values[4]
            out.append((sum(values) - idle, sum(values)))
    return out


def stats_load(indicator: str) -> None:
    client = _django()["analyst"]
    while True:
        client.get(f"/api/v1/stats/{indicator}/", _stats_query())


# The placements a day's changes may touch (day_of_changes), found once per process.
_CHURN_IDS: list[int] | None = None
CHURN_WHERE = ("ended_on > started_on + 1 AND ended_on < current_date - 2 AND converted_to_trusteeship_on IS NULL "
               "AND id %% 10000 < %s")


def day_of_changes(connection, churn: float) -> None:
    """A day's changes for the refresh to write: the end date of ``churn`` per cent of the ended
    placements (by id) moved by a day, an even day of the month forth and an odd one back, so that
    repeated days swing between two dates (and never before the start: same-day ends stay).

    The candidates are found once per process and then updated by id with the same condition (a
    placement can leave the set, never join it: the same rows change as with the condition alone).
    Until issue 21's third pass every day's UPDATE scanned all placements for them: 50-60 ms of the
    primary's CPU per refresh in the loops, 40-60 % of what the refresh loop cost the primary, and
    nothing a day of caseworkers' edits (each by id) does."""
    global _CHURN_IDS
    if not churn:
        return
    with connection.cursor() as cursor:
        if _CHURN_IDS is None:
            cursor.execute(f"SELECT id FROM cases_placement WHERE {CHURN_WHERE}", [int(churn * 100)])
            _CHURN_IDS = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "UPDATE cases_placement SET ended_on = ended_on + (CASE WHEN extract(day FROM ended_on)::int %% 2 = 0 "
            f"THEN 1 ELSE -1 END) WHERE id = ANY(%s) AND {CHURN_WHERE}", [_CHURN_IDS, int(churn * 100)])


def refresh_load(churn: float, count_file: str | None) -> None:
    """The nightly refresh, over and over (its reads on the replica when one is configured). Before
    each, a day's changes (:func:`day_of_changes`), so that the refresh has rows to write. One line appended to ``count_file``
    per refresh finished."""
    _django()
    from django.db import connection

    from stats.services import refresh_statistics

    while True:
        day_of_changes(connection, churn)
        if os.environ.get("BENCH_PRIMARY_LOG"):
            # Diagnosis (--primary-log): each statement's CPU in the primary's log (getrusage).
            with connection.cursor() as cursor:
                cursor.execute("SET log_statement_stats = on")
        refresh_statistics()
        if count_file:
            with open(count_file, "a") as out:
                out.write("1\n")


def measure_refresh(churn: float) -> dict[str, float]:
    """One refresh, timed, after a day's changes (as in :func:`refresh_load`)."""
    _django()
    import logging

    from django.db import connection

    from stats.services import refresh_statistics

    logging.basicConfig(level=logging.WARNING)
    day_of_changes(connection, churn)
    start = time.perf_counter()
    refresh_statistics()
    return {"seconds": round(time.perf_counter() - start, 2)}


def explain(indicator: str) -> dict[str, list[str]]:
    """The indicator's snapshot query as the API runs it, with its plan (EXPLAIN ANALYZE, BUFFERS)
    on whichever server serves it; asked twice, the second plan kept (warm)."""
    client = _django()["analyst"]
    from django.db import connections

    plans: list[list[str]] = []

    def wrapper(execute, sql, params, many, context):
        facts = any(t in sql for t in ("stats_casefact", "stats_placementfact", "stats_firstplacementfact"))
        if facts and not sql.startswith("EXPLAIN"):
            cursor = context["cursor"]
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)  # through this wrapper again: skipped above
            plans.append([row[0] for row in cursor.fetchall()])
        return execute(sql, params, many, context)

    for alias in connections:
        connections[alias].execute_wrappers.append(wrapper)
    for _ in range(2):
        response = client.get(f"/api/v1/stats/{indicator}/", _stats_query())
        assert response.status_code == 200
    return {"plan": plans[-1]}


# -- the orchestration ------------------------------------------------------------------------------
def prepare(primary: PrivatePostgres, children: int) -> str:
    import psycopg

    with psycopg.connect(primary.url, autocommit=True) as db:
        db.execute("CREATE DATABASE otbasy")
    url = primary.url.rsplit("/", 1)[0] + "/otbasy"
    started = time.perf_counter()
    manage(url, "migrate", "--noinput", "-v", "0")
    manage(url, "seed_demo", "--children", str(children), "--seed", "42", "--no-progress")
    manage(url, "refresh_statistics")
    manage(url, "shell", "-c", "from accounts.models import OrganisationalUnit, User; User.objects.create("
           "username='bench-replica-analyst', role='analyst', unit=OrganisationalUnit.objects.get(code='ministry'))")
    with psycopg.connect(url, autocommit=True) as db:
        worker = db.execute(
            "SELECT assigned_worker_id FROM cases_case WHERE assigned_worker_id IS NOT NULL GROUP BY 1 "
            "ORDER BY abs(count(*) - (SELECT avg(n) FROM (SELECT count(*) n FROM cases_case WHERE assigned_worker_id "
            "IS NOT NULL GROUP BY assigned_worker_id) x)), 1 LIMIT 1").fetchone()[0]
        db.execute("UPDATE accounts_user SET username = 'bench-replica-social_worker' WHERE id = %s", [worker])
        db.execute("VACUUM ANALYZE")
    print(f"primary loaded: {children:,} children in {time.perf_counter() - started:.0f} s (worker {worker})")
    return url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", default="orchestrate",
                        choices=["orchestrate", "stats", "caseload", "load", "refresh-load", "refresh", "explain"])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--indicator", default=INDICATOR_LOAD)
    parser.add_argument("--loads", default="both",
                        help="Part B's loads: both (analyst and refresh together), analyst, refresh; comma-separated.")
    parser.add_argument("--parts", default="BCA", help="Which parts to run, in the order B, C, A (default all).")
    parser.add_argument("--churn", type=float, default=1.0,
                        help="Per cent of the ended placements whose end date the refresh loop moves before each "
                             "refresh (a day's changes; 0: none).")
    parser.add_argument("--before", type=Path, default=None,
                        help="A checkout of the code before a change (git worktree add --detach DIR COMMIT): part B "
                             "and C run its refresh too, alternating with this checkout's.")
    parser.add_argument("--count-file", default=None)
    parser.add_argument("--primary-log", type=Path, default=None,
                        help="Diagnosis: log autovacuum, checkpoints and the refresh loop's statements with their CPU "
                             "(log_statement_stats) on the primary, and copy its log to this file at the end.")
    args = parser.parse_args()
    if args.mode == "stats":
        print(json.dumps(measure_stats(max(3, args.runs // 40))))
        return
    if args.mode == "caseload":
        print(json.dumps(measure_caseload(args.runs)))
        return
    if args.mode == "load":
        stats_load(args.indicator)
        return
    if args.mode == "refresh-load":
        refresh_load(args.churn, args.count_file)
        return
    if args.mode == "refresh":
        print(json.dumps(measure_refresh(args.churn)))
        return
    if args.mode == "explain":
        print(json.dumps(explain(args.indicator)))
        return

    primary_cpus, standby_cpu = cpus()
    print(f"nproc={os.cpu_count()}; primary and clients on CPU {primary_cpus}, standby on CPU {standby_cpu}; "
          f"load average before: {os.getloadavg()[0]:.2f}")
    primary = PrivatePostgres()
    standby = PrivateStandby(primary, cpus=standby_cpu)
    try:
        primary.init()
        primary.start()
        subprocess.run(["bash", "-c", f"for p in $(pgrep -f 'postgres -D {primary.data}'); do taskset -a -cp {primary_cpus} $p; done"],
                       capture_output=True)
        if args.primary_log:
            # Diagnosis only: the autovacuum runs, checkpoints and (in the refresh loop) each
            # statement's CPU written to the primary's log, which is kept at the end.
            os.environ["BENCH_PRIMARY_LOG"] = str(args.primary_log)
            import psycopg

            with psycopg.connect(primary.url, autocommit=True) as db:
                for setting in ("log_autovacuum_min_duration = 0", "log_checkpoints = on",
                                "log_line_prefix = '%m [%p] %a '"):
                    db.execute(f"ALTER SYSTEM SET {setting}")
                db.execute("SELECT pg_reload_conf()")
        url = prepare(primary, args.children)
        standby.init()
        standby.start()
        replica_url = standby.url.rsplit("/", 1)[0] + "/otbasy"
        wait_until(standby.caught_up, timeout=300, what="the standby to catch up")

        # The snapshot as the nightly task leaves it, written with the standby streaming; then both
        # servers' caches warmed with every indicator once.
        manage(url, "refresh_statistics")
        wait_until(standby.caught_up, timeout=300, what="the standby to catch up")
        child("stats", url, replica_url, "--runs", "40")
        child("stats", url, None, "--runs", "40")

        results: list[dict] = []
        heaviest = args.indicator
        if "B" in args.parts:
            # B. caseload p95: alone, with the analyst's heaviest indicator and the nightly refresh
            # looping with their reads on the replica, then the same on the primary (and the same
            # with the code --before); the conditions rotate within each round.
            print(f"\nB. load average before: {load()}")
            codes: list[tuple[str, Path | None]] = [("", None)] + ([(" (before)", args.before)] if args.before else [])
            count_file = Path(tempfile.mkdtemp(prefix="bench-replica-")) / "refreshes"
            for kind in args.loads.split(","):
                what = {"both": "analyst and refresh", "analyst": "analyst", "refresh": "refresh"}[kind]
                conditions: list[tuple[str, str | None, Path | None]] = [("alone", "", None)]
                for suffix, tree in codes if kind != "analyst" else codes[:1]:
                    conditions += [(f"{what}{suffix} on the replica", replica_url, tree),
                                   (f"{what}{suffix} on the primary", None, tree)]
                figures: dict[str, list[float]] = {label: [] for label, _, _ in conditions}
                own: dict[str, list[float]] = {label: [] for label in figures}  # p95 less the waits for a CPU
                # Per caseload run: CPU seconds per second of the primary and of the standby, the
                # primary's WAL in MB/s, the refreshes the loop finished during it, each CPU's busy
                # fraction (the whole machine's work), and the ms per request that the caseload's
                # process and its backend waited for a CPU.
                cpu: dict[str, list[tuple]] = {label: [] for label in figures}
                # Per caseload run: the primary's CPU s/s by process kind (PrimaryProcesses); over the
                # rounds: per table, autovacuum runs, autoanalyze runs, VACUUMs, ANALYZEs, rows
                # written; the autovacuum workers' CPU s by what they did.
                by_process: dict[str, list[dict[str, float]]] = {label: [] for label in figures}
                maintenance: dict[str, dict[str, list[int]]] = {label: {} for label in figures}
                autovacuum: dict[str, dict[str, float]] = {label: {} for label in figures}
                for i in range(args.rounds):
                    n = len(conditions)
                    for label, target, tree in conditions[i % n:] + conditions[:i % n]:
                        loads = []
                        if label != "alone":
                            # The analyst's web process and the Celery worker are Python on machines of
                            # their own: pinned beside the standby in both conditions, so that what
                            # changes between them is only which server does the database work.
                            if kind in ("both", "analyst"):
                                loads.append(child("load", url, target, "--indicator", heaviest, background=True,
                                                   cpu=standby_cpu))
                            if kind in ("both", "refresh"):
                                loads.append(child("refresh-load", url, target, "--churn", str(args.churn),
                                                   "--count-file", str(count_file), background=True,
                                                   cpu=standby_cpu, tree=tree))
                        try:
                            if loads:
                                time.sleep(3)
                            count_file.write_text("")
                            before = (time.perf_counter(), server_cpu(primary), server_cpu(standby), wal_lsn(url))
                            busy = cpu_busy()
                            with PrimaryProcesses(primary, url) as processes:
                                run = child("caseload", url, replica_url, "--runs", str(args.runs))
                            by_process[label].append(processes.by_kind())
                            for table, values in processes.maintenance().items():
                                totals = maintenance[label].setdefault(table, [0] * len(values))
                                maintenance[label][table] = [a + b for a, b in zip(totals, values, strict=True)]
                            for table, seconds in processes.autovacuum().items():
                                autovacuum[label][table] = round(autovacuum[label].get(table, 0) + seconds, 3)
                            figures[label].append(run["p95"])
                            own[label].append(run["own_p95"])
                            wall = time.perf_counter() - before[0]
                            busy = [round((b - b0) / max(t - t0, 1), 2) for (b, t), (b0, t0) in zip(cpu_busy(), busy, strict=True)]
                            cpu[label].append((round((server_cpu(primary) - before[1]) / wall, 2),
                                               round((server_cpu(standby) - before[2]) / wall, 2),
                                               round(wal_since(url, before[3]) / 1e6 / wall, 2),
                                               len(count_file.read_text().splitlines()),
                                               *busy, run["cpu_wait_ms"], run["backend_cpu_wait_ms"]))
                        finally:
                            for process in loads:
                                process.kill()
                                process.wait()
                        wait_until(standby.caught_up, timeout=300, what="the standby to catch up")
                print(f"B. caseload page p95 (ms) of {args.runs} requests, while {what} loop ({heaviest}; "
                      f"refresh churn {args.churn} % of ended placements) (median of {args.rounds} rounds); "
                      f"load average after: {load()}")
                alone = statistics.median(figures["alone"])
                own_alone = statistics.median(own["alone"])
                for label, values in figures.items():
                    p95 = statistics.median(values)
                    own_p95 = statistics.median(own[label])
                    print(f"{label:46} p95 {p95:>8.2f} ms  ({p95 / alone:.2f}x alone)  runs: {values}")
                    print(f"    less the waits for a CPU: p95 {own_p95:.2f} ms ({own_p95 / own_alone:.2f}x alone)  "
                          f"runs: {own[label]}")
                    print("    (primary CPU s/s, standby CPU s/s, WAL MB/s, refreshes done, CPU busy fractions..., "
                          f"caseload's CPU wait ms/request, its backend's): {cpu[label]}")
                    kinds = sorted({kind for run in by_process[label] for kind in run},
                                   key=lambda k: -statistics.median(run.get(k, 0) for run in by_process[label]))
                    print("    the primary's CPU s/s by process (median, min-max of the rounds): " + "; ".join(
                        f"{kind} {statistics.median(r.get(kind, 0) for r in by_process[label]):.3f} "
                        f"({min(r.get(kind, 0) for r in by_process[label]):.3f}-"
                        f"{max(r.get(kind, 0) for r in by_process[label]):.3f})" for kind in kinds))
                    print("    per table over the rounds (autovacuum, autoanalyze, VACUUM, ANALYZE, rows written): "
                          f"{maintenance[label]}; autovacuum workers' CPU s: {autovacuum[label]}")
                    if label != "alone":
                        results.append({"name": f"caseload p95, worker, {label} ({heaviest} / refresh in loops)",
                                        "median_ms": p95, "reference_ms": alone, "reference": "caseload p95 with no analyst"})
                        results.append({"name": f"caseload p95 less the waits for a CPU, worker, {label}",
                                        "median_ms": own_p95, "reference_ms": own_alone,
                                        "reference": "the same with no analyst"})
        if "C" in args.parts:
            # C. the nightly refresh (after a day's changes), its reads on the replica or on the
            # primary, and the same with the code --before; alternating. WAL in MB per refresh.
            print(f"\nC. load average before: {load()}")
            order = [(f"{where}{suffix}", target, tree) for suffix, tree in
                     [("", None)] + ([(" (before)", args.before)] if args.before else [])
                     for where, target in (("replica", replica_url), ("primary", None))]
            durations: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in order}
            for i in range(args.rounds):
                for label, target, tree in order[i % len(order):] + order[:i % len(order)]:
                    lsn = wal_lsn(url)
                    seconds = child("refresh", url, target, "--churn", str(args.churn), tree=tree)["seconds"]
                    durations[label].append((seconds, round(wal_since(url, lsn) / 1e6, 1)))
                    wait_until(standby.caught_up, timeout=300, what="the standby to catch up")
            print(f"C. refresh_statistics after a day's changes ({args.churn} %), s and WAL MB (median of {args.rounds}); "
                  f"load average after: {load()}")
            reference = statistics.median(d for d, _ in durations["primary"])
            for label, values in durations.items():
                median = statistics.median(d for d, _ in values)
                print(f"{label:20} {median:>6.2f} s  WAL {statistics.median(w for _, w in values):>7.1f} MB  "
                      f"({median / reference:.2f}x the refresh reading the primary)  runs: {values}")
                if label != "primary":
                    results.append({"name": f"statistics refresh, {label}", "median_ms": median * 1000,
                                    "reference_ms": reference * 1000, "reference": "the refresh reading the primary"})
        if "A" in args.parts:
            # A. statistics, replica and primary in alternating rounds.
            on_replica: dict[str, list[float]] = {}
            on_primary: dict[str, list[float]] = {}
            print(f"\nA. load average before: {load()}")
            for i in range(args.rounds):
                order = [(replica_url, on_replica), (None, on_primary)]
                for target, into in order if i % 2 == 0 else order[::-1]:
                    for name, ms in child("stats", url, target, "--runs", str(args.runs)).items():
                        into.setdefault(name, []).append(ms)
            print(f"A. statistics by region and year, analyst API, median ms of {args.rounds} rounds; load average after: {load()}")
            print(f"{'indicator':28} {'replica':>9} {'primary':>9} {'ratio':>6}")
            for name in on_primary:
                r, p = statistics.median(on_replica[name]), statistics.median(on_primary[name])
                print(f"{name:28} {r:>9.1f} {p:>9.1f} {r / p:>6.2f}   replica {on_replica[name]}  primary {on_primary[name]}")
                results.append({"name": f"statistics on the replica: {name} (API, analyst)", "median_ms": r,
                                "reference_ms": p, "reference": "the same on the primary"})
            slowest = max(on_primary, key=lambda n: statistics.median(on_primary[n]))
            for label, target in (("replica", replica_url), ("primary", None)):
                plan = child("explain", url, target, "--indicator", slowest)["plan"]
                print(f"\nEXPLAIN ANALYZE {slowest} on the {label}:\n  " + "\n  ".join(plan))
        print(f"\nload average after: {load()}")
        for result in results:
            print("BENCH_RESULT " + json.dumps(result))
    finally:
        if args.primary_log and (primary.dir / "log").exists():
            import shutil

            shutil.copy(primary.dir / "log", args.primary_log)
        standby.destroy()
        primary.destroy()


if __name__ == "__main__":
    main()
