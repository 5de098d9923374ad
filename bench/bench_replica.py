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
           "THROTTLE_USER": "1000000/minute", "ALLOWED_HOSTS": "testserver", "CONN_MAX_AGE": "60"}
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


def day_of_changes(connection, churn: float) -> None:
    """A day's changes for the refresh to write: the end date of ``churn`` per cent of the ended
    placements (by id) moved by a day, an even day of the month forth and an odd one back, so that
    repeated days swing between two dates (and never before the start: same-day ends stay)."""
    if churn:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_placement SET ended_on = ended_on + (CASE WHEN extract(day FROM ended_on)::int %% 2 = 0 "
                "THEN 1 ELSE -1 END) WHERE ended_on > started_on + 1 AND ended_on < current_date - 2 "
                "AND converted_to_trusteeship_on IS NULL AND id %% 10000 < %s", [int(churn * 100)])


def refresh_load(churn: float, count_file: str | None) -> None:
    """The nightly refresh, over and over (its reads on the replica when one is configured). Before
    each, a day's changes (:func:`day_of_changes`), so that the refresh has rows to write. One line appended to ``count_file``
    per refresh finished."""
    _django()
    from django.db import connection

    from stats.services import refresh_statistics

    while True:
        day_of_changes(connection, churn)
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
                            run = child("caseload", url, replica_url, "--runs", str(args.runs))
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
        standby.destroy()
        primary.destroy()


if __name__ == "__main__":
    main()
