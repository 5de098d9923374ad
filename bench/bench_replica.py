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
     second process asks the heaviest indicator in a loop with the replica configured (its reads on
     the replica, its access-log rows on the primary); and with that same loop on the primary.
     The nightly refresh writes the snapshot on the primary whichever way the reads go, so it is the
     same in both runs and is not part of the comparison.

Usage:  .venv/bin/python bench/bench_replica.py [--children 100000] [--runs 200] [--rounds 3]
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

INDICATOR_LOAD = "days_in_care"  # replaced below by the slowest indicator measured on the primary


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


def child(mode: str, primary_url: str, replica_url: str | None, *extra: str, background: bool = False):
    """This script in ``mode`` in a new process, pinned with the primary's CPUs."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": primary_url,
           "THROTTLE_USER": "1000000/minute", "ALLOWED_HOSTS": "testserver", "CONN_MAX_AGE": "60"}
    env.pop("DATABASE_REPLICA_URL", None)
    if replica_url:
        env["DATABASE_REPLICA_URL"] = replica_url
    command = ["taskset", "-c", cpus()[0], sys.executable, __file__, "--mode", mode, *extra]
    if background:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{mode} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


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
    parser.add_argument("--mode", default="orchestrate", choices=["orchestrate", "stats", "caseload", "load"])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--indicator", default=INDICATOR_LOAD)
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

        # A. statistics, replica and primary in alternating rounds.
        on_replica: dict[str, list[float]] = {}
        on_primary: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for name, ms in child("stats", url, replica_url, "--runs", str(args.runs)).items():
                on_replica.setdefault(name, []).append(ms)
            for name, ms in child("stats", url, None, "--runs", str(args.runs)).items():
                on_primary.setdefault(name, []).append(ms)
        print(f"\nA. statistics by region and year, analyst API, median ms of {args.rounds} rounds")
        print(f"{'indicator':28} {'replica':>9} {'primary':>9} {'ratio':>6}")
        results = []
        for name in on_primary:
            r, p = statistics.median(on_replica[name]), statistics.median(on_primary[name])
            print(f"{name:28} {r:>9.1f} {p:>9.1f} {r / p:>6.2f}")
            results.append({"name": f"statistics on the replica: {name} (API, analyst)", "median_ms": r,
                            "reference_ms": p, "reference": "the same on the primary"})
        heaviest = max(on_primary, key=lambda n: statistics.median(on_primary[n]))

        # B. caseload p95: alone, with the heaviest indicator looping on the replica, then on the primary.
        print(f"\nB. caseload page p95 (ms) of {args.runs} requests, while {heaviest} loops (median of {args.rounds} rounds)")
        figures: dict[str, list[float]] = {"alone": [], "analyst on the replica": [], "analyst on the primary": []}
        for _ in range(args.rounds):
            figures["alone"].append(child("caseload", url, replica_url, "--runs", str(args.runs))["p95"])
            for label, target in (("analyst on the replica", replica_url), ("analyst on the primary", None)):
                load = child("load", url, target, "--indicator", heaviest, background=True)
                try:
                    time.sleep(2)
                    figures[label].append(child("caseload", url, replica_url, "--runs", str(args.runs))["p95"])
                finally:
                    load.kill()
                    load.wait()
        alone = statistics.median(figures["alone"])
        for label, values in figures.items():
            p95 = statistics.median(values)
            print(f"{label:26} p95 {p95:>8.2f} ms  ({p95 / alone:.2f}x alone)  runs: {values}")
            if label != "alone":
                results.append({"name": f"caseload p95, worker, {label} ({heaviest} in a loop)", "median_ms": p95,
                                "reference_ms": alone, "reference": "caseload p95 with no analyst"})
        print(f"\nload average after: {os.getloadavg()[0]:.2f}")
        for result in results:
            print("BENCH_RESULT " + json.dumps(result))
    finally:
        standby.destroy()
        primary.destroy()


if __name__ == "__main__":
    main()
