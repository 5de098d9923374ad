"""Fault tests: the database and the broker go away under load and come back.

Every fault is made on a PRIVATE instance started by the test (a PostgreSQL cluster in a temporary
directory, a redis-server on a free port); the shared PostgreSQL and Redis are never touched.
tests/test_celery.py covers a whole worker killed mid-sweep and publishing with no broker at all;
these cover a PostgreSQL restart under requests, a Redis restart while writes and sweeps go on, and
a prefork pool process killed mid-task.
"""

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from tests import processes

pytestmark = [pytest.mark.faults, pytest.mark.slow]

STRONG_KEY = "Fz3-production-key-for-fault-tests-0123456789-abcdefghij"
HTTPS = {"X-Forwarded-Proto": "https"}  # what the load balancer adds


def wait_until(condition: Callable[[], object], *, timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def production_env(database_url: str, broker_url: str, **extra: str) -> dict[str, str]:
    return processes.django_env(
        DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY=STRONG_KEY, DATABASE_URL=database_url,
        REDIS_URL=broker_url, CELERY_BROKER_URL=broker_url, CONN_MAX_AGE="60", LOG_FORMAT="json", **extra,
    )


# A small world, written by a subprocess straight into the private database.
SEED = """
import datetime as dt, json
import django
django.setup()
from django.utils import timezone
from rest_framework.authtoken.models import Token
from tests import factories
today = timezone.localdate()
district = factories.DistrictFactory()
worker = factories.UserFactory(unit=district)
supervisor = factories.UserFactory(role="supervisor", unit=district.parent)
visits = []
for _ in range({placements}):
    case = factories.CaseFactory(responsible_unit=district, assigned_worker=worker, stage="placed")
    placement = factories.PlacementFactory(case=case, child=case.child, started_on=today - dt.timedelta(days=100),
                                           family=factories.FamilyFactory(responsible_unit=district))
    visits.append(factories.VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=1)).pk)
    factories.VisitFactory(placement=placement, planned_on=today + dt.timedelta(days=7))
print(json.dumps({{"token": Token.objects.create(user=worker).key, "case": case.pk, "visits": visits,
                  "worker": worker.pk, "supervisor": supervisor.pk}}))
"""


def seed(database_url: str, placements: int) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SEED.format(placements=placements)], cwd=processes.BASE_DIR, capture_output=True, text=True,
        timeout=120, env=processes.django_env(DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL=database_url),
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


@pytest.fixture
def private_postgres(schema_dump) -> Iterator[processes.PrivatePostgres]:
    pg = processes.PrivatePostgres()
    try:
        pg.init()
        pg.start()
        subprocess.run([str(processes.PG_BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(pg.port),
                        "-U", "postgres", "-d", "postgres", "-f", str(schema_dump)],
                       check=True, capture_output=True, timeout=120)
        yield pg
    finally:
        pg.destroy()


@pytest.fixture
def private_redis() -> Iterator[processes.PrivateRedis]:
    server = processes.PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def record_visit(base_url: str, token: str, visit_id: int):
    today = timezone.localdate().isoformat()
    return processes.requests.post(
        f"{base_url}/api/v1/visits/{visit_id}/record/", timeout=15,
        headers={**HTTPS, "Authorization": f"Token {token}"},
        json={"done_on": today, "child_seen": True, "seen_by": "A. Worker", "child_condition": "good",
              "family_condition": "good", "checklist": {}, "concerns": ""},
    )


def get_case(base_url: str, token: str, case_id: int):
    return processes.get(f"{base_url}/api/v1/cases/{case_id}/", headers={**HTTPS, "Authorization": f"Token {token}"})


@pytest.mark.django_db
def test_postgresql_restarted_under_requests_gives_clean_errors_then_recovers_without_a_restart(
        private_postgres, tmp_path, settings):
    world = seed(private_postgres.url, placements=2)
    token, case_id, (visit_before, extra_visit) = world["token"], world["case"], world["visits"]
    env = production_env(private_postgres.url, settings.REDIS_URL)
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
