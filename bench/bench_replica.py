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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
          cpu: str | None = None):
    """This script in ``mode`` in a new process, pinned with the primary's CPUs (or ``cpu``)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": primary_url,
           "THROTTLE_USER": "1000000/minute", "ALLOWED_HOSTS": "testserver", "CONN_MAX_AGE": "60"}
    env.pop("DATABASE_REPLICA_URL", None)
    if replica_url:
        env["DATABASE_REPLICA_URL"] = replica_url
        env["STATS_REFRESH_READS_REPLICA"] = "1"  # the refresh's reads too (off by default)
    command = ["taskset", "-c", cpu or cpus()[0], sys.executable, __file__, "--mode", mode, *extra]
    if background:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
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


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- the measuring processes -------------------------------------------------------------------------
def _django():
    import django

    django.setup()
    from rest_framework.test import APIClient

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


def measure_caseload(runs: int) -> dict[str, float]:
    client = _django()["social_worker"]
    times = []
    for i in range(runs + 5):
        start = time.perf_counter()
        response = client.get("/api/v1/cases/")
        assert response.status_code == 200
        if i >= 5:
            times.append(time.perf_counter() - start)
    times.sort()
    return {"median": round(statistics.median(times) * 1000, 2), "p95": round(times[int(len(times) * 0.95) - 1] * 1000, 2)}


def stats_load(indicator: str) -> None:
    client = _django()["analyst"]
    while True:
        client.get(f"/api/v1/stats/{indicator}/", _stats_query())


def refresh_load() -> None:
    """The nightly refresh, over and over (its reads on the replica when one is configured)."""
    _django()
    from stats.services import refresh_statistics

    while True:
        refresh_statistics()


def measure_refresh() -> dict[str, float]:
    _django()
    import logging

    from stats.services import refresh_statistics

    logging.basicConfig(level=logging.WARNING)
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
        refresh_load()
        return
    if args.mode == "refresh":
        print(json.dumps(measure_refresh()))
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
            # looping with their reads on the replica, then the same on the primary; alternating.
            print(f"\nB. load average before: {load()}")
            for kind in args.loads.split(","):
                what = {"both": "analyst and refresh", "analyst": "analyst", "refresh": "refresh"}[kind]
                figures: dict[str, list[float]] = {"alone": [], f"{what} on the replica": [], f"{what} on the primary": []}
                # CPU seconds per second of the caseload run, of the primary and of the standby.
                cpu: dict[str, list[tuple[float, float]]] = {label: [] for label in figures}
                conditions = [("alone", ""), (f"{what} on the replica", replica_url), (f"{what} on the primary", None)]
                for i in range(args.rounds):
                    for label, target in conditions[i % 3:] + conditions[:i % 3]:
                        loads = []
                        if label != "alone":
                            # The analyst's web process and the Celery worker are Python on machines of
                            # their own: pinned beside the standby in both conditions, so that what
                            # changes between them is only which server does the database work.
                            if kind in ("both", "analyst"):
                                loads.append(child("load", url, target, "--indicator", heaviest, background=True,
                                                   cpu=standby_cpu))
                            if kind in ("both", "refresh"):
                                loads.append(child("refresh-load", url, target, background=True, cpu=standby_cpu))
                        try:
                            if loads:
                                time.sleep(3)
                            before = (time.perf_counter(), server_cpu(primary), server_cpu(standby))
                            figures[label].append(child("caseload", url, replica_url, "--runs", str(args.runs))["p95"])
                            wall = time.perf_counter() - before[0]
                            cpu[label].append((round((server_cpu(primary) - before[1]) / wall, 2),
                                               round((server_cpu(standby) - before[2]) / wall, 2)))
                        finally:
                            for process in loads:
                                process.kill()
                                process.wait()
                        wait_until(standby.caught_up, timeout=300, what="the standby to catch up")
                print(f"B. caseload page p95 (ms) of {args.runs} requests, while {what} loop ({heaviest}) "
                      f"(median of {args.rounds} rounds); load average after: {load()}")
                alone = statistics.median(figures["alone"])
                for label, values in figures.items():
                    p95 = statistics.median(values)
                    print(f"{label:36} p95 {p95:>8.2f} ms  ({p95 / alone:.2f}x alone)  runs: {values}  "
                          f"CPU s/s (primary, standby): {cpu[label]}")
                    if label != "alone":
                        results.append({"name": f"caseload p95, worker, {label} ({heaviest} / refresh in loops)",
                                        "median_ms": p95, "reference_ms": alone, "reference": "caseload p95 with no analyst"})
        if "C" in args.parts:
            # C. the nightly refresh, its reads on the replica or on the primary.
            durations: dict[str, list[float]] = {"replica": [], "primary": []}
            print(f"\nC. load average before: {load()}")
            for i in range(args.rounds):
                order = [("replica", replica_url), ("primary", None)]
                for label, target in order if i % 2 == 0 else order[::-1]:
                    durations[label].append(child("refresh", url, target)["seconds"])
                    wait_until(standby.caught_up, timeout=300, what="the standby to catch up")
            r, p = statistics.median(durations["replica"]), statistics.median(durations["primary"])
            print(f"C. refresh_statistics, s (median of {args.rounds}): reads on the replica {r:.2f} {durations['replica']}, "
                  f"on the primary {p:.2f} {durations['primary']}, ratio {r / p:.2f}; load average after: {load()}")
            results.append({"name": "statistics refresh, reads on the replica", "median_ms": r * 1000, "reference_ms": p * 1000,
                            "reference": "the refresh reading the primary"})
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
