"""Private server processes for deployment and fault tests: gunicorn, Redis and a PostgreSQL cluster,
each on a free loopback port, started and stopped by the test that needs it.

The shared PostgreSQL (5432) and Redis (6379) are never touched: a fault test breaks only its own copy.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parent.parent


def _pg_bin() -> Path:
    """The newest PostgreSQL server binaries Debian installed (PG_BIN overrides)."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return found[-1] if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()


def wait_until(condition: Callable[[], object], *, timeout: float, what: str) -> object:
    """The condition's first truthy value, polled every 0.2 s; an AssertionError naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop a process started with start_new_session (and its children), politely then firmly."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


def django_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_SETTINGS_MODULE"))}
    env.update(overrides)
    return env


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 1, log_path: Path | None = None,
             extra_args: tuple[str, ...] = ()) -> Iterator[str]:
    """A gunicorn serving config.wsgi with the project's gunicorn.conf.py; yields its base URL."""
    port = free_port()
    log = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(BASE_DIR / "gunicorn.conf.py"), *extra_args],
        cwd=BASE_DIR, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers)},
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_for_port(port, timeout=30, process=process)
        base_url = f"http://127.0.0.1:{port}"
        # The master listens before its workers have imported Django (seconds on a busy machine):
        # wait until a worker answers, so a test's first request is not the one that waits.
        wait_until(lambda: _answers(f"{base_url}/healthz"), timeout=90, what=f"gunicorn's workers on {port}")
        yield base_url
    finally:
        stop(process)
        if log_path:
            log.close()


class PrivateRedis:
    """A throw-away redis-server that a test may stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        wait_for_port(self.port, timeout=10, process=self.process)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


def _as_postgres_user(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; tests on a developer's machine may run as an ordinary user.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class PrivatePostgres:
    """A throw-away PostgreSQL cluster in a temporary directory, stoppable under load."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="otbasy-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        subprocess.run(
            _as_postgres_user([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                               "--no-sync", "-E", "UTF8", "--locale", "C"]),
            check=True, capture_output=True, timeout=120,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        subprocess.run(
            _as_postgres_user([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"),
                               "-w", "-t", "30", "start"]),
            check=True, capture_output=True, timeout=60,
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_postgres_user([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop"]),
            capture_output=True, timeout=60,
        )

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateStandby(PrivatePostgres):
    """A hot standby of ``primary``, cloned with pg_basebackup -R (it streams from the primary).
    ``cpus`` pins the standby's processes to those CPUs (taskset), as if on a machine of its own."""

    def __init__(self, primary: PrivatePostgres, cpus: str | None = None) -> None:
        super().__init__()
        self.primary = primary
        self.cpus = cpus

    def init(self) -> None:
        # --checkpoint=fast: the default spread checkpoint made the clone wait up to 150 s.
        subprocess.run(
            _as_postgres_user([str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary.port),
                               "-U", "postgres", "-D", str(self.data), "-R", "-X", "stream", "--no-sync",
                               "--checkpoint=fast"]),
            check=True, capture_output=True, timeout=600,
        )
        (self.data / "postmaster.pid").unlink(missing_ok=True)

    def start(self) -> None:
        if self.cpus is None:
            return super().start()
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        subprocess.run(
            ["taskset", "-c", self.cpus, *_as_postgres_user([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options,
                                                               "-l", str(self.dir / "log"), "-w", "-t", "60", "start"])],
            check=True, capture_output=True, timeout=90,
        )

    def caught_up(self) -> bool:
        """Whether the standby has replayed everything the primary has written so far."""
        import psycopg

        with psycopg.connect(self.primary.url, autocommit=True) as db:
            lsn = db.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
        with psycopg.connect(self.url, autocommit=True) as db:
            return db.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]).fetchone()[0]


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=5, allow_redirects=False)  # any answer will do (production redirects to HTTPS)
    except requests.RequestException:
        return False
    return True


def get(url: str, **kwargs) -> requests.Response:
    kwargs.setdefault("timeout", 10)
    return requests.get(url, **kwargs)


@contextmanager
def celery_worker(env: dict[str, str], *, log_path: Path, pool: str = "solo", concurrency: int = 1,
                  queues: tuple[str, ...] = ()) -> Iterator[subprocess.Popen]:
    """``celery -A config worker`` as production runs it (on ``queues``, or every queue), logging to a
    file; stopped on exit."""
    with open(log_path, "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}", f"--concurrency={concurrency}",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
             *(["-Q", ",".join(queues)] if queues else [])],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        yield process
    finally:
        stop(process)


def child_pids(pid: int) -> list[int]:
    """The direct children of a process (a prefork worker's pool processes)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


# A sweep step's claim for a day, as notifications.services.run_reminder_sweep writes it: held
# uncommitted by a test's own connection, it stops a sweep at that step as a concurrent sweep would.
CLAIM_STEP = "INSERT INTO notifications_sweepstep (day, step, created, finished_at) VALUES (%s, %s, 0, now())"
