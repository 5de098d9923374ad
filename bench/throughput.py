"""API throughput on the case detail under gunicorn, beside a bare Django JSON view.

Starts two gunicorn servers on free loopback ports with the project's gunicorn.conf.py and the
production settings (bench/settings_bench.py; plain HTTP): one serving the API on otbasy_bench, one
serving bench/bare_urls.py (the same stack, no authentication, no database). A load generator on
loopback (wrk, from Debian's package `wrk`; a Python thread pool when wrk is missing) then asks
GET /api/v1/cases/{id}/ as the case's social worker (token authentication) and GET /bare/, each for
--duration seconds, --runs times, and reports the median requests per second and median latency.

The API writes one access-log row per case detail (that is part of the cost); the rows and the
token made for the run are deleted at the end (the append-only trigger is bypassed for that one
session), so otbasy_bench is left as it was.

Usage:  .venv/bin/python bench/throughput.py [--runs 3] [--duration 10] [--connections 8]
        (DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/otbasy_bench)
Prints a final line ``BENCH_RESULT {json}`` for bench/run_all.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/otbasy_bench")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(urlconf: str, workers: int, log_name: str) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench", "BENCH_URLCONF": urlconf, "DATABASE_URL": DATABASE_URL,
        "SECRET_KEY": secrets.token_urlsafe(48), "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "THROTTLE_USER": "1000000000/minute",  # one user sends every request: throttling is not measured
        "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers), "LOG_LEVEL": "WARNING",
        "GUNICORN_ACCESS_LOG": str(RESULTS / f"{log_name}.access.log"),
    }
    with open(RESULTS / f"{log_name}.log", "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")], cwd=ROOT,
                                   env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {RESULTS / (log_name + '.log')}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_wrk(url: str, headers: dict[str, str], duration: int, connections: int, threads: int) -> tuple[float, float, int]:
    """Requests per second, median latency (ms) and the count of non-2xx answers."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
    latency = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, latency, int(errors.group(1)) if errors else 0


def run_threads(url: str, headers: dict[str, str], duration: int, connections: int, threads: int) -> tuple[float, float, int]:
    """The fallback load generator: ``connections`` threads with keep-alive sessions."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def client() -> None:
        session = requests.Session()
        mine, bad = [], 0
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            response = session.get(url, headers=headers, timeout=30)
            mine.append(time.perf_counter() - start)
            bad += not 200 <= response.status_code < 400
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    pool = [threading.Thread(target=client) for _ in range(connections)]
    started = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return len(latencies) / (time.monotonic() - started), statistics.median(latencies) * 1000, errors[0]


def load(url: str, headers: dict[str, str], args: argparse.Namespace) -> dict[str, float]:
    generator = run_wrk if shutil.which("wrk") else run_threads
    response = requests.get(url, headers=headers, timeout=30)
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    generator(url, headers, 2, args.connections, args.threads)  # warm every worker
    runs = [generator(url, headers, args.duration, args.connections, args.threads) for _ in range(args.runs)]
    errors = sum(r[2] for r in runs)
    assert errors == 0, f"{errors} non-2xx answers from {url}"
    return {"rps": round(statistics.median(r[0] for r in runs), 1), "latency_ms": round(statistics.median(r[1] for r in runs), 2),
            "runs_rps": [round(r[0], 1) for r in runs]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="load generator threads")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1, help="gunicorn workers")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)

    started = dt.datetime.now(dt.UTC)
    with psycopg.connect(DATABASE_URL, autocommit=True) as db:
        case_id, worker_id = db.execute(
            "SELECT id, assigned_worker_id FROM cases_case WHERE stage = 'placed' AND assigned_worker_id IS NOT NULL "
            "ORDER BY id OFFSET 1000 LIMIT 1").fetchone()
        # A knox token of our own (only its SHA-512 digest is stored; see accounts/authentication.py),
        # expiring in an hour and deleted after the run.
        key = secrets.token_hex(32)
        digest = hashlib.sha512(key.encode()).hexdigest()
        db.execute("INSERT INTO knox_authtoken (digest, token_key, created, expiry, user_id) "
                   "VALUES (%s, %s, now(), now() + interval '1 hour', %s)", [digest, key[:15], worker_id])
        try:
            with gunicorn("config.urls", args.workers, "throughput-api") as base:
                api = load(f"{base}/api/v1/cases/{case_id}/", {"Authorization": f"Token {key}"}, args)
            with gunicorn("bench.bare_urls", args.workers, "throughput-bare") as base:
                bare = load(f"{base}/bare/", {}, args)
        finally:
            # The access log is append-only (a trigger refuses deletes); the rows this run made are
            # synthetic load on a synthetic data set, removed with triggers off for this session only.
            db.execute("SET session_replication_role = replica")
            db.execute("DELETE FROM audit_accesslog WHERE user_id = %s AND viewed_at >= %s", [worker_id, started])
            db.execute("SET session_replication_role = DEFAULT")
            db.execute("DELETE FROM knox_authtoken WHERE digest = %s", [digest])

    generator = "wrk" if shutil.which("wrk") else "python threads"
    print(f"nproc: {os.cpu_count()}, gunicorn workers: {args.workers}, load generator: {generator} "
          f"({args.threads} threads, {args.connections} connections, {args.duration} s x {args.runs} runs), case {case_id}")
    for name, result in (("API GET /api/v1/cases/{id}/ (token)", api), ("bare Django JSON view", bare)):
        print(f"{name:36s} {result['rps']:9.1f} req/s  median latency {result['latency_ms']:7.2f} ms  runs {result['runs_rps']}")
    print("BENCH_RESULT " + json.dumps({
        "name": "case detail throughput under gunicorn", "median_rps": api["rps"], "reference_rps": bare["rps"],
        "median_ms": api["latency_ms"], "reference_ms": bare["latency_ms"], "reference": "bare Django JSON view",
    }))


if __name__ == "__main__":
    main()
