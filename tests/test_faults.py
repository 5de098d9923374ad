"""Fault tests: the database and the broker go away under load and come back.

Every fault is made on a PRIVATE instance started by the test (a PostgreSQL cluster in a temporary
directory, a redis-server on a free port); the shared PostgreSQL and Redis are never touched.
tests/test_celery.py covers a whole worker killed mid-sweep and publishing with no broker at all;
these cover a PostgreSQL restart under requests, a Redis restart while writes and sweeps go on, and
a prefork pool process killed mid-task.
"""

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from tests import processes
from tests.processes import CLAIM_STEP, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.slow]

STRONG_KEY = "Fz3-production-key-for-fault-tests-0123456789-abcdefghij"
HTTPS = {"X-Forwarded-Proto": "https"}  # what the load balancer adds


def production_env(database_url: str, broker_url: str, mail_dir: Path, **extra: str) -> dict[str, str]:
    return processes.django_env(
        DJANGO_SETTINGS_MODULE="tests.settings_faults", EMAIL_FILE_PATH=str(mail_dir), SECRET_KEY=STRONG_KEY, DATABASE_URL=database_url,
        REDIS_URL=broker_url, CELERY_BROKER_URL=broker_url, CONN_MAX_AGE="60", LOG_FORMAT="json", **extra,
    )


# A small world, written by a subprocess straight into the private database: placements each with
# a visit overdue since yesterday and one due in 7 days (two reminders each), optionally a family
# whose home study expires in 20 days, and a placement one visit away from high risk of return.
SEED = """
import datetime as dt, json
import django
django.setup()
from django.utils import timezone
from knox.models import AuthToken
from tests import factories
today = timezone.localdate()
district = factories.DistrictFactory()
worker = factories.UserFactory(unit=district)
supervisor = factories.UserFactory(role="supervisor", unit=district.parent)
visits = []
for n in range({placements}):
    case = factories.CaseFactory(responsible_unit=district, assigned_worker=worker, stage="placed")
    family = factories.FamilyFactory(responsible_unit=district)
    if n == 0 and {expiring}:
        family.home_study_expires_on = today + dt.timedelta(days=20)
        family.save()
    placement = factories.PlacementFactory(case=case, child=case.child, started_on=today - dt.timedelta(days=100), family=family)
    visits.append(factories.VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=1)).pk)
    factories.VisitFactory(placement=placement, planned_on=today + dt.timedelta(days=7))
risky_visit = None
if {risky}:
    risky = factories.CaseFactory(responsible_unit=district, assigned_worker=worker, stage="placed",
                                  child__sdq_total_difficulties=25, child__abuse_or_neglect_history=True)
    placement = factories.PlacementFactory(case=risky, child=risky.child, started_on=today - dt.timedelta(days=40),
                                           family=factories.FamilyFactory(form_of_care="foster_family", responsible_unit=district))
    risky_visit = factories.VisitFactory(placement=placement, planned_on=today).pk
print(json.dumps({{"token": AuthToken.objects.create(user=worker)[1], "case": case.pk, "visits": visits,
                  "risky_visit": risky_visit, "worker": worker.pk, "supervisor": supervisor.pk}}))
"""


def seed(database_url: str, placements: int, *, expiring: bool = False, risky: bool = False) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SEED.format(placements=placements, expiring=expiring, risky=risky)], cwd=processes.BASE_DIR,
        capture_output=True, text=True, timeout=120,
        env=processes.django_env(DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL=database_url),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def schema_dump(django_db_setup, django_db_blocker, tmp_path_factory) -> Path:
    """The migrated test database (schema and reference data such as regions), dumped once."""
    db = connection.settings_dict
    path = tmp_path_factory.mktemp("dump") / "schema.sql"
    subprocess.run(
        [str(processes.PG_BIN / "pg_dump"), "--no-owner", "--no-privileges", "-h", db["HOST"] or "127.0.0.1",
         "-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres", "-f", str(path), db["NAME"]],
        check=True, capture_output=True, timeout=120,
    )
    return path


TEMPLATE = "otbasy_template"


@pytest.fixture(scope="module")
def pg_cluster(schema_dump) -> Iterator[processes.PrivatePostgres]:
    """One private cluster for the module, holding the migrated schema as a template database."""
    pg = processes.PrivatePostgres()
    try:
        pg.init()
        pg.start()
        with psycopg.connect(pg.url, autocommit=True) as db:
            db.execute(f"CREATE DATABASE {TEMPLATE}")
        subprocess.run([str(processes.PG_BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(pg.port),
                        "-U", "postgres", "-d", TEMPLATE, "-f", str(schema_dump)],
                       check=True, capture_output=True, timeout=120)
        yield pg
    finally:
        pg.destroy()


@dataclass
class PrivateDatabase:
    """A test's own database, copied from the template, in the module's private cluster."""

    cluster: processes.PrivatePostgres
    name: str

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.cluster.port}/{self.name}"

    def stop(self, mode: str = "fast") -> None:
        self.cluster.stop(mode)

    def start(self) -> None:
        self.cluster.start()


@pytest.fixture
def private_postgres(pg_cluster, request) -> Iterator[PrivateDatabase]:
    database = PrivateDatabase(pg_cluster, f"faults_{request.node.name[:40].lower()}")
    with psycopg.connect(pg_cluster.url, autocommit=True) as db:
        db.execute(f"CREATE DATABASE {database.name} TEMPLATE {TEMPLATE}")
    try:
        yield database
    finally:
        if not (pg_cluster.data / "postmaster.pid").exists():
            pg_cluster.start()  # a test that failed while its cluster was stopped
        with psycopg.connect(pg_cluster.url, autocommit=True) as db:
            db.execute(f"DROP DATABASE {database.name} WITH (FORCE)")


@pytest.fixture
def private_redis() -> Iterator[processes.PrivateRedis]:
    server = processes.PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def record_visit(base_url: str, token: str, visit_id: int, *, worrying: bool = False):
    today = timezone.localdate().isoformat()
    condition = {"child_condition": "serious_concerns", "family_condition": "some_concerns", "concerns": "Wants to leave."} \
        if worrying else {"child_condition": "good", "family_condition": "good", "concerns": ""}
    return processes.requests.post(
        f"{base_url}/api/v1/visits/{visit_id}/record/", timeout=30, headers={**HTTPS, "Authorization": f"Token {token}"},
        json={"done_on": today, "child_seen": True, "seen_by": "A. Worker", "checklist": {}, **condition},
    )


def get_case(base_url: str, token: str, case_id: int):
    return processes.get(f"{base_url}/api/v1/cases/{case_id}/", headers={**HTTPS, "Authorization": f"Token {token}"})


@pytest.mark.django_db
def test_postgresql_restarted_under_requests_gives_clean_errors_then_recovers_without_a_restart(
        private_postgres, tmp_path, settings):
    world = seed(private_postgres.url, placements=2)
    token, case_id, (visit_before, extra_visit) = world["token"], world["case"], world["visits"]
    env = production_env(private_postgres.url, settings.REDIS_URL, tmp_path)
    log_path = tmp_path / "gunicorn.log"
    with processes.gunicorn(env, workers=2, log_path=log_path) as base_url:
        # Several requests so that both web processes hold a connection kept for reuse.
        assert {get_case(base_url, token, case_id).status_code for _ in range(6)} == {200}
        assert record_visit(base_url, token, visit_before).status_code == 200

        private_postgres.stop("fast")
        health = processes.get(f"{base_url}/healthz", headers=HTTPS)
        assert health.status_code == 503
        assert health.json()["database"].startswith("error")
        during = [get_case(base_url, token, case_id) for _ in range(4)] + [record_visit(base_url, token, extra_visit)]
        assert {response.status_code for response in during} == {503}
        assert all(response.json()["detail"] and response.headers["Retry-After"] for response in during)

        private_postgres.start()
        # Both web processes recover by themselves: every request answers, none needs a restart.
        assert {get_case(base_url, token, case_id).status_code for _ in range(6)} == {200}
        assert processes.get(f"{base_url}/healthz", headers=HTTPS).status_code == 200
        assert record_visit(base_url, token, extra_visit).status_code == 200

        # A restart between two requests: the kept connections are dead, the health check finds out.
        private_postgres.stop("fast")
        private_postgres.start()
        assert {get_case(base_url, token, case_id).status_code for _ in range(6)} == {200}
    with psycopg.connect(private_postgres.url) as db:
        done = db.execute("SELECT id FROM visits_visit WHERE done_on IS NOT NULL ORDER BY id").fetchall()
    assert [row[0] for row in done] == sorted([visit_before, extra_visit])  # the write before the outage kept
    assert '" 500 ' not in log_path.read_text()


def send_task(broker_url: str, name: str) -> None:
    """Publish a task as beat does, to the private broker."""
    # Not the current app: tasks published later in this process must still go to the project broker.
    sender = Celery(set_as_current=False)
    sender.config_from_object("django.conf:settings", namespace="CELERY")  # the project's queues and routes
    sender.conf.broker_url = broker_url
    try:
        sender.send_task(name)
    finally:
        sender.close()


def notifications(db: psycopg.Connection) -> list[tuple]:
    return db.execute(
        "SELECT recipient_id, kind, subject_key, due_on, emailed_at IS NOT NULL FROM notifications_notification ORDER BY 1, 2, 3"
    ).fetchall()


def sweeps_succeeded(log_path: Path) -> int:
    return len(re.findall(r"Task notifications\.daily_sweep\[[^\]]+\] succeeded", log_path.read_text()))


def emails_sent(mail_dir: Path) -> int:
    """Messages the file e-mail backend wrote (one file per connection, several messages each)."""
    return sum(path.read_text().count("\nMessage-ID: ") for path in mail_dir.glob("*.log"))


@pytest.mark.django_db
def test_redis_restarted_while_writes_and_sweeps_run_loses_nothing_and_doubles_no_reminder(
        private_postgres, private_redis, tmp_path):
    world = seed(private_postgres.url, placements=3, risky=True)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = production_env(private_postgres.url, private_redis.url, mail_dir)
    db = psycopg.connect(private_postgres.url, autocommit=True)
    try:
        with processes.gunicorn(env, workers=1, log_path=tmp_path / "gunicorn.log") as base_url, \
                processes.celery_worker(env, log_path=tmp_path / "worker.log"):
            send_task(private_redis.url, "notifications.daily_sweep")
            wait_until(lambda: sweeps_succeeded(tmp_path / "worker.log") == 1 and all(row[4] for row in notifications(db)),
                       timeout=60, what=f"the reminders swept and e-mailed (log: {tmp_path / 'worker.log'})")
            assert len(notifications(db)) >= 6

            private_redis.stop()
            health = processes.get(f"{base_url}/healthz", headers=HTTPS)
            assert health.status_code == 503
            assert health.json() | {"ms": 0} == {"status": "degraded", "database": "ok", "broker": health.json()["broker"], "ms": 0}
            # Writes go on: a visit recorded with the broker down, moving its placement into high
            # risk, which writes the supervisor's alert and fails (only) to publish the e-mail task.
            response = record_visit(base_url, world["token"], world["risky_visit"], worrying=True)
            assert response.status_code == 200, response.text
            assert response.json()["risk"]["band"] == "high"
            normal = record_visit(base_url, world["token"], world["visits"][0])
            assert normal.status_code == 200, normal.text
            alert = db.execute("SELECT emailed_at FROM notifications_notification WHERE kind = 'high_risk'").fetchall()
            assert alert == [(None,)]

            private_redis.start()  # empty: whatever was queued is gone
            # The next periodic runs from beat: the sweep (which finds nothing new to remind) and the
            # five-minute e-mail task, which sends the alert written during the outage.
            send_task(private_redis.url, "notifications.daily_sweep")
            send_task(private_redis.url, "notifications.send_emails")
            wait_until(lambda: sweeps_succeeded(tmp_path / "worker.log") == 2 and all(row[4] for row in notifications(db)),
                       timeout=60, what=f"the next sweep to catch up (log: {tmp_path / 'worker.log'})")
            after_catch_up = notifications(db)
            send_task(private_redis.url, "notifications.daily_sweep")  # and one more: it must add nothing
            wait_until(lambda: sweeps_succeeded(tmp_path / "worker.log") == 3, timeout=60, what="the third sweep to finish")
            assert notifications(db) == after_catch_up
        rows = notifications(db)
        keys = [row[:4] for row in rows]
        assert len(keys) == len(set(keys))
        assert [row[1] for row in rows].count("visit_overdue") == 3
        assert [row[1] for row in rows].count("high_risk") == 1
        assert emails_sent(mail_dir) == len(rows)  # each reminder e-mailed once
        done = db.execute("SELECT id FROM visits_visit WHERE done_on IS NOT NULL ORDER BY id").fetchall()
        assert [row[0] for row in done] == sorted([world["visits"][0], world["risky_visit"]])
    finally:
        db.close()


@pytest.mark.django_db
def test_a_pool_process_killed_mid_sweep_is_replaced_and_the_sweep_redone_without_doubles(
        private_postgres, private_redis, tmp_path):
    seed(private_postgres.url, placements=3, expiring=True)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = production_env(private_postgres.url, private_redis.url, mail_dir)
    db = psycopg.connect(private_postgres.url, autocommit=True)
    blocker = psycopg.connect(private_postgres.url, autocommit=False)
    try:
        # Hold the certificate step's claim for the day (tests/test_celery.py): the sweep commits its
        # visit reminders, then waits on that step's claim, in the middle of the task.
        blocker.execute(CLAIM_STEP, [timezone.localdate(), "certificate_expiring"])
        with processes.celery_worker(env, log_path=tmp_path / "worker.log", pool="prefork") as worker:
            send_task(private_redis.url, "notifications.daily_sweep")
            wait_until(lambda: db.execute(
                "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()").fetchone(),
                timeout=60, what=f"the sweep to reach the locked table (log: {tmp_path / 'worker.log'})")
            assert {row[1] for row in notifications(db)} == {"visit_due", "visit_overdue"}  # committed so far
            (pool_process,) = processes.child_pids(worker.pid)
            os.kill(pool_process, signal.SIGKILL)
            # The worker replaces its pool process and, the message being rejected on a lost worker
            # (acks_late), runs the sweep again, which waits on the lock again.
            wait_until(lambda: (pids := processes.child_pids(worker.pid)) and pids != [pool_process], timeout=30,
                       what="a new pool process")
            blocker.rollback()
            wait_until(lambda: any(row[1] == "certificate_expiring" for row in notifications(db)), timeout=60,
                       what=f"the redone sweep to finish (log: {tmp_path / 'worker.log'})")
            wait_until(lambda: all(row[4] for row in notifications(db)), timeout=60, what="every reminder e-mailed")
        rows = notifications(db)
        keys = [row[:4] for row in rows]
        assert len(keys) == len(set(keys)) == 7  # 3 due + 3 overdue + 1 home study expiring
        assert emails_sent(mail_dir) == 7
        assert "WorkerLostError" in (tmp_path / "worker.log").read_text()
    finally:
        blocker.close()
        db.close()
