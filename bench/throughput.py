"""API throughput on the case detail under gunicorn, beside a bare Django JSON view.

Starts two gunicorn servers on free loopback ports with the project's gunicorn.conf.py and the
production settings (bench/settings_bench.py; plain HTTP): one serving the API on otbasy_bench, one
serving bench/bare_urls.py (the same stack, no authentication, no database). A load generator on
loopback (wrk, from Debian's package `wrk`; a Python thread pool when wrk is missing) then asks
GET /api/v1/cases/{id}/ as the case's social worker (token authentication) and GET /bare/, each for
--duration seconds, --runs times, alternately (both servers are up: each pair of runs sees the same
load on a shared machine), and reports the median requests per second, the median latency, the
median of the pairs' ratios, and the CPU milliseconds per request of the gunicorn workers, of the
PostgreSQL backends serving them and of the load generator (where the two cores went).

The API writes one access-log row per case detail (that is part of the cost); the rows and the
token made for the run are deleted at the end (the append-only trigger is bypassed for that one
session), so otbasy_bench is left as it was.

Usage:  .venv/bin/python bench/throughput.py [--runs 3] [--duration 10] [--connections 8]
                                            [--compare-with ../before]   (a checkout of another commit)
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
import resource
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
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psutil
import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/otbasy_bench")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CpuMeter:
    """CPU seconds used, while it runs, by the gunicorn workers (children of ``master``) and by the
    PostgreSQL backends serving their connections (matched on the client port in the backend's
    process title), sampled every 0.2 s so that a worker recycled by max_requests, and its backend,
    still count up to their last sample. Where the cores went, per request, beside the rates."""

    def __init__(self, master: int) -> None:
        self.master = psutil.Process(master)
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        try:
            workers = self.master.children()
        except psutil.Error:
            return
        ports = set()
        for worker in workers:
            try:
                ports |= {c.laddr.port for c in worker.net_connections(kind="tcp") if c.raddr and c.raddr.port == 5432}
                self._record("gunicorn", worker)
            except psutil.Error:
                continue
        if not ports:
            return
        for process in psutil.process_iter(["name", "cmdline"]):
            title = " ".join(process.info["cmdline"] or [])
            if process.info["name"] == "postgres" and any(f"({port})" in title for port in ports):
                try:
                    self._record("postgres", process)
                except psutil.Error:
                    continue

    def _record(self, kind: str, process: psutil.Process) -> None:
        times = process.cpu_times()
        key = (kind, process.pid)
        self.last[key] = times.user + times.system
        self.first.setdefault(key, self.last[key])

    def _run(self) -> None:
        while not self.stop.wait(0.2):
            self._sample()

    def __enter__(self) -> CpuMeter:
        self._sample()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self._sample()

    def seconds(self, kind: str) -> float:
        return sum(self.last[key] - self.first[key] for key in self.last if key[0] == kind)


@contextmanager
def gunicorn(urlconf: str, workers: int, log_name: str, root: Path = ROOT) -> Iterator[tuple[str, int]]:
    """A gunicorn serving ``urlconf`` from the checkout ``root`` (its code and gunicorn.conf.py)."""
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
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(root / "gunicorn.conf.py")], cwd=root,
                                   env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
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
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_wrk(url: str, headers: dict[str, str], duration: int, connections: int, threads: int) -> tuple[float, float, int, int]:
    """Requests per second, median latency (ms), the count of non-2xx answers and of requests."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
    latency = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    requests_done = int(re.search(r"(\d+) requests in", out).group(1))
    return rps, latency, int(errors.group(1)) if errors else 0, requests_done


def run_threads(url: str, headers: dict[str, str], duration: int, connections: int, threads: int) -> tuple[float, float, int, int]:
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
    return len(latencies) / (time.monotonic() - started), statistics.median(latencies) * 1000, errors[0], len(latencies)


class Target:
    """One server and the request sent to it; its runs and the CPU they used."""

    def __init__(self, server: tuple[str, int], path: str, headers: dict[str, str]) -> None:
        self.url, self.master = server[0] + path, server[1]
        self.headers = headers
        self.runs: list[tuple[float, float, int, int]] = []
        self.cpu = {"gunicorn": 0.0, "postgres": 0.0, "load generator": 0.0}

    def warm(self, args: argparse.Namespace) -> None:
        response = requests.get(self.url, headers=self.headers, timeout=60)
        assert response.status_code == 200, (self.url, response.status_code, response.text[:300])
        generator(self.url, self.headers, 2, args.connections, args.threads)  # warm every worker

    def run(self, args: argparse.Namespace) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with CpuMeter(self.master) as meter:
            self.runs.append(generator(self.url, self.headers, args.duration, args.connections, args.threads))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu["gunicorn"] += meter.seconds("gunicorn")
        self.cpu["postgres"] += meter.seconds("postgres")
        self.cpu["load generator"] += (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        assert self.runs[-1][2] == 0, f"{self.runs[-1][2]} non-2xx answers from {self.url}"
        return self.runs[-1][0]

    def result(self) -> dict[str, object]:
        done = sum(r[3] for r in self.runs)
        return {"rps": round(statistics.median(r[0] for r in self.runs), 1),
                "latency_ms": round(statistics.median(r[1] for r in self.runs), 2),
                "runs_rps": [round(r[0], 1) for r in self.runs],
                "cpu_ms_per_request": {kind: round(seconds * 1000 / max(done, 1), 2) for kind, seconds in self.cpu.items()}}


def cpu_ratio(reference: dict, result: dict) -> float:
    """The reference's CPU per request (every kind: workers, PostgreSQL, load generator) over the result's."""
    return sum(reference["cpu_ms_per_request"].values()) / sum(result["cpu_ms_per_request"].values())


def generator(url: str, headers: dict[str, str], duration: int, connections: int, threads: int) -> tuple[float, float, int, int]:
    return (run_wrk if shutil.which("wrk") else run_threads)(url, headers, duration, connections, threads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="load generator threads")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1, help="gunicorn workers")
    parser.add_argument("--compare-with", type=Path, metavar="CHECKOUT",
                        help="also serve the API from this checkout (e.g. a worktree of the previous commit), its "
                             "runs alternated with the others': before and after in the same minutes")
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
            # Both servers up at once, their runs alternated: each pair sees the same load on a shared machine.
            with ExitStack() as servers:
                api_server = servers.enter_context(gunicorn("config.urls", args.workers, "throughput-api"))
                bare_server = servers.enter_context(gunicorn("bench.bare_urls", args.workers, "throughput-bare"))
                targets = [Target(api_server, f"/api/v1/cases/{case_id}/", {"Authorization": f"Token {key}"}),
                           Target(bare_server, "/bare/", {})]
                if args.compare_with:
                    other = servers.enter_context(gunicorn("config.urls", args.workers, "throughput-compared",
                                                           root=args.compare_with.resolve()))
                    targets.append(Target(other, f"/api/v1/cases/{case_id}/", {"Authorization": f"Token {key}"}))
                for target in targets:
                    target.warm(args)
                ratios, compared_ratios = [], []
                for _ in range(args.runs):
                    rates = [target.run(args) for target in targets]
                    ratios.append(rates[0] / rates[1])
                    if args.compare_with:
                        compared_ratios.append(rates[2] / rates[1])
                api, bare, *compared = (target.result() for target in targets)
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
    named = [("API GET /api/v1/cases/{id}/ (token)", api), ("bare Django JSON view", bare)]
    if args.compare_with:
        named.append((f"API from {args.compare_with}", compared[0]))
    for name, result in named:
        print(f"{name:36s} {result['rps']:9.1f} req/s  median latency {result['latency_ms']:7.2f} ms  runs {result['runs_rps']}")
        print(f"{'':36s} CPU ms per request: " + ", ".join(f"{kind} {ms}" for kind, ms in result["cpu_ms_per_request"].items()))
    print(f"load average {os.getloadavg()[0]:.1f}; the API serves {statistics.median(ratios):.1%} of the bare view's requests "
          f"per second (median of the {args.runs} alternated pairs: {', '.join(f'{r:.1%}' for r in ratios)})")
    # On a busy machine the rates swing with the load (and the API's PostgreSQL backends are more
    # tasks competing for the cores); the CPU each request costs is steadier, and on a quiet machine
    # the ratio of rates tends to the ratio of CPU per request.
    print(f"CPU per request, bare view / API: {cpu_ratio(bare, api):.1%}")
    if args.compare_with:
        print(f"the API from {args.compare_with}: {statistics.median(compared_ratios):.1%} of the bare view "
              f"({', '.join(f'{r:.1%}' for r in compared_ratios)}); CPU per request, bare view / it: "
              f"{cpu_ratio(bare, compared[0]):.1%}")
    print("BENCH_RESULT " + json.dumps({
        "name": "case detail throughput under gunicorn", "median_rps": api["rps"], "reference_rps": bare["rps"],
        "median_ms": api["latency_ms"], "reference_ms": bare["latency_ms"], "reference": "bare Django JSON view",
    }))


if __name__ == "__main__":
    main()
