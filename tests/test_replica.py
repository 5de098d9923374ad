"""The read replica on a real streaming hot standby (docs/replica.md).

The test starts a private PostgreSQL primary holding the migrated schema, makes a hot standby of it
with ``pg_basebackup -R`` on another port, and serves the project with gunicorn on both
(DATABASE_URL and DATABASE_REPLICA_URL). Replica lag is made on purpose with
``pg_wal_replay_pause()``. The shared PostgreSQL is never touched.
"""

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests

from stats.services import CASE_FACTS, FACTS, _case_facts_params
from tests import processes
from tests.processes import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.slow]

DBNAME = "otbasy"
CSRF = "r" * 32  # a CSRF secret of our own: the cookie and the header carry the same value

SEED = """
import json
import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from tests import factories

def session(user):
    store = SessionStore()
    store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key

district = factories.DistrictFactory()
worker = factories.UserFactory(unit=district)
colleague = factories.UserFactory(unit=district)
supervisor = factories.UserFactory(role="supervisor", unit=district.parent)
admin = factories.UserFactory(role="administrator", unit=district.parent.parent)
case = factories.CaseFactory(responsible_unit=district, assigned_worker=worker, child__region=district.region)
for _ in range(20):
    factories.CaseFactory(responsible_unit=district, child__region=district.region)
print(json.dumps({"case": case.pk, "colleague": colleague.pk, "sessions": {
    name: session(user) for name, user in
    [("worker", worker), ("colleague", colleague), ("supervisor", supervisor), ("admin", admin)]}}))
"""

MORE_CHILDREN = """
import django
django.setup()
from accounts.models import OrganisationalUnit, User
from tests import factories
district = OrganisationalUnit.objects.filter(kind="district").order_by("-pk").first()
worker = User.objects.filter(unit=district).order_by("pk").first()
for _ in range(15):  # a new process restarts the factories' sequences: no new user, no IIN, so nothing collides
    factories.CaseFactory(responsible_unit=district, assigned_worker=worker, child__region=district.region, child__iin=None)
"""


def manage(url: str, *args: str, code: str | None = None, replica_url: str | None = None, **env: str) -> str:
    """manage.py ``args`` (or the Python ``code``) against the primary at ``url``, with the replica
    at ``replica_url`` if given; returns stdout and stderr (the log lines) together."""
    command = [sys.executable, "-c", code] if code else [sys.executable, "manage.py", *args]
    extra = {"DATABASE_REPLICA_URL": replica_url} if replica_url else {}
    result = subprocess.run(command, cwd=processes.BASE_DIR, capture_output=True, text=True, timeout=180,
                            env=processes.django_env(DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL=url,
                                                     **extra, **env))
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def schema_dump(django_db_setup, django_db_blocker, tmp_path_factory) -> Path:
    """The migrated test database (schema and reference data), dumped once."""
    from django.db import connection

    db = connection.settings_dict
    path = tmp_path_factory.mktemp("dump") / "schema.sql"
    subprocess.run(
        [str(processes.PG_BIN / "pg_dump"), "--no-owner", "--no-privileges", "-h", db["HOST"] or "127.0.0.1",
         "-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres", "-f", str(path), db["NAME"]],
        check=True, capture_output=True, timeout=120,
    )
    return path


def replay(standby: processes.PrivatePostgres, *, paused: bool) -> None:
    with psycopg.connect(standby.url, autocommit=True) as db:
        db.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


@pytest.fixture(scope="module")
def servers(schema_dump, tmp_path_factory) -> Iterator[dict]:
    primary = processes.PrivatePostgres()
    standby = processes.PrivateStandby(primary)
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    try:
        primary.init()
        primary.start()
        with psycopg.connect(primary.url, autocommit=True) as db:
            db.execute(f"CREATE DATABASE {DBNAME}")
        url = f"postgres://postgres@127.0.0.1:{primary.port}/{DBNAME}"
        subprocess.run([str(processes.PG_BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(primary.port),
                        "-U", "postgres", "-d", DBNAME, "-f", str(schema_dump)], check=True, capture_output=True, timeout=120)
        world = json.loads(next(line for line in manage(url, code=SEED).splitlines() if line.startswith("{")))
        manage(url, "refresh_statistics")
        standby.init()
        standby.start()
        replica_url = f"postgres://postgres@127.0.0.1:{standby.port}/{DBNAME}"
        wait_until(standby.caught_up, timeout=60, what="the standby to catch up")
        # No cached dashboard figures: each request computes them, so the test sees where it reads.
        env = processes.django_env(DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL=url,
                                   DATABASE_REPLICA_URL=replica_url, REPLICA_RETRY_SECONDS="1", CONN_MAX_AGE="60",
                                   DASHBOARD_CACHE_SECONDS="0")
        with processes.gunicorn(env, workers=1, log_path=log) as base_url:
            yield {"primary": primary, "standby": standby, "url": url, "replica_url": replica_url, "base": base_url,
                   "world": world, "log": log}
    finally:
        standby.destroy()
        primary.destroy()


def client(servers: dict, role: str) -> requests.Session:
    session = requests.Session()
    session.cookies.set("sessionid", servers["world"]["sessions"][role])
    session.cookies.set("csrftoken", CSRF)
    session.headers.update({"X-CSRFToken": CSRF, "Accept": "application/json"})
    return session


def entries(session: requests.Session, base: str) -> int:
    """Children who entered care, whole country, as the administrator sees it (no suppression)."""
    response = session.get(f"{base}/api/v1/stats/entries/?suppress=false", timeout=60)
    assert response.status_code == 200, response.text[:2000]
    data = response.json()
    (total,) = [row for row in data["totals"]] or data["rows"]
    return int(total["children"] if "children" in total else next(v for k, v in total.items() if isinstance(v, int)))


@pytest.mark.django_db
def test_statistics_come_from_the_replica_and_a_users_own_write_is_read_from_the_primary(servers):
    base, standby = servers["base"], servers["standby"]
    admin = client(servers, "admin")
    before = entries(admin, base)
    assert before == 21

    replay(standby, paused=True)
    try:
        # The primary moves on: 15 more children and a fresh snapshot, which the paused replica does not have.
        manage(servers["url"], code=MORE_CHILDREN)
        manage(servers["url"], "refresh_statistics")
        assert entries(admin, base) == before, "statistics are served by the (paused) replica"

        # Permissions and stages always come from the primary: a case reassigned on the primary while
        # the replica lags is gone for its old worker at once, and there for the new one.
        case = servers["world"]["case"]
        supervisor = client(servers, "supervisor")
        response = supervisor.post(f"{base}/api/v1/access/cases/{case}/reassign/",
                                   json={"worker": servers["world"]["colleague"]}, timeout=30)
        assert response.status_code == 200, response.text[:2000]
        assert "otbasy_pin" in response.cookies, "a write pins the writer's next reads to the primary"
        assert client(servers, "worker").get(f"{base}/api/v1/cases/{case}/", timeout=30).status_code == 404
        colleague = client(servers, "colleague").get(f"{base}/api/v1/cases/{case}/", timeout=30)
        assert colleague.status_code == 200
        assert colleague.json()["assigned_worker"] == servers["world"]["colleague"]

        # The writer, pinned by the cookie, reads the primary even where others read the replica.
        admin_pinned = client(servers, "admin")
        admin_pinned.cookies.set("otbasy_pin", "1")
        assert entries(admin_pinned, base) == before + 15
        assert entries(admin, base) == before
    finally:
        replay(standby, paused=False)
    wait_until(standby.caught_up, timeout=60, what="the standby to catch up")
    assert entries(admin, base) == before + 15


@pytest.mark.django_db
def test_the_replica_down_means_reads_from_the_primary_with_a_log_line_not_an_error(servers):
    base, standby = servers["base"], servers["standby"]
    admin = client(servers, "admin")
    expected = entries(admin, base)
    standby.stop("immediate")
    try:
        # The supervisor's dashboard first: it finds the replica down and reads the primary.
        assert dashboard_open_cases(client(servers, "supervisor"), base) == open_cases(servers["url"])
        assert entries(admin, base) == expected
        assert "Read replica unavailable" in servers["log"].read_text()
    finally:
        standby.start()
    # Back after REPLICA_RETRY_SECONDS: the replica serves again.
    time.sleep(1.5)
    assert entries(admin, base) == expected


# The open cases of the seeded supervisor's region (their unit's region: access.selectors.unit_ids_for).
OPEN_CASES_IN_REGION = """
SELECT count(*) FROM cases_case WHERE stage <> 'closed' AND responsible_unit_id IN (
    SELECT u.id FROM accounts_organisationalunit u JOIN accounts_organisationalunit s ON s.region_id = u.region_id
    JOIN accounts_user supervisor ON supervisor.unit_id = s.id WHERE supervisor.role = 'supervisor')
"""


def open_cases(url: str) -> int:
    """Open cases in the supervisor's region, counted on the server at ``url``."""
    with psycopg.connect(url, autocommit=True) as db:
        return db.execute(OPEN_CASES_IN_REGION).fetchone()[0]


def dashboard_open_cases(session: requests.Session, base: str) -> int:
    """The open cases of the supervisor's dashboard: the sum of its caseload table's first column."""
    response = session.get(f"{base}/unit/", headers={"Accept": "text/html"}, timeout=60)
    assert response.status_code == 200, response.text[:2000]
    body = response.text.split('id="caseload"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    counts = [re.search(r'<td class="num">(\d+)</td>', row) for row in body.split("<tr>")[1:]]
    assert counts and all(counts), body[:2000]
    return sum(int(match.group(1)) for match in counts)


MORE_CASES = """
import django
django.setup()
from accounts.models import OrganisationalUnit, User
from tests import factories
district = OrganisationalUnit.objects.filter(kind="district").order_by("-pk").first()
worker = User.objects.filter(unit=district).order_by("pk").first()
for _ in range(4):  # no new user, no IIN: nothing collides with the seed's (see MORE_CHILDREN)
    factories.CaseFactory(responsible_unit=district, assigned_worker=worker, child__region=district.region, child__iin=None)
"""

REFRESH = """
import json
import django
django.setup()
from stats.services import refresh_statistics
print(json.dumps({"cases": refresh_statistics().cases}))
"""


@pytest.mark.django_db
def test_the_supervisors_dashboard_figures_come_from_the_replica_and_from_the_primary_after_their_own_write(servers):
    base, standby = servers["base"], servers["standby"]
    supervisor = client(servers, "supervisor")
    wait_until(standby.caught_up, timeout=60, what="the standby to catch up")
    assert dashboard_open_cases(supervisor, base) == open_cases(servers["url"])

    replay(standby, paused=True)
    try:
        manage(servers["url"], code=MORE_CASES)
        on_primary, on_replica = open_cases(servers["url"]), open_cases(servers["replica_url"])
        assert on_primary == on_replica + 4
        assert dashboard_open_cases(supervisor, base) == on_replica, "the region-wide figures are read on the replica"
        pinned = client(servers, "supervisor")
        pinned.cookies.set("otbasy_pin", "1")  # as after a write of their own (the first test makes one)
        assert dashboard_open_cases(pinned, base) == on_primary
    finally:
        replay(standby, paused=False)


@pytest.mark.django_db
def test_the_statistics_refresh_reads_the_replica_and_the_primary_when_the_replica_lags(servers):
    url, replica_url, standby = servers["url"], servers["replica_url"], servers["standby"]
    wait_until(standby.caught_up, timeout=60, what="the standby to catch up")
    with psycopg.connect(url, autocommit=True) as db:
        cases = db.execute("SELECT count(*) FROM cases_case").fetchone()[0]

    assert "on the replica" not in manage(url, code=REFRESH, replica_url=replica_url, STATS_REFRESH_READS_REPLICA="0")
    # New cases since: the replica finds the rows to write, the primary writes them.
    manage(url, code=MORE_CASES)
    cases += 4
    out = manage(url, code=REFRESH, replica_url=replica_url)  # on by default with a replica
    assert "reading the cases and placements on the replica" in out
    assert "stats_casefact: 0 rows deleted, 4 inserted" in out
    assert json.loads(next(line for line in out.splitlines() if line.startswith("{")))["cases"] == cases
    with psycopg.connect(url, autocommit=True) as db:
        # Nothing left that differs from the records, in any table, on the primary.
        for table in FACTS:
            params = _case_facts_params() if table is CASE_FACTS else None
            with db.cursor() as cursor:
                cursor.execute("WITH placement_facts AS (SELECT * FROM stats_placementfact) "
                               f"SELECT count(*) FROM ({table.changes_sql()}) d", params)
                assert cursor.fetchone()[0] == 0, table.name
        # Vacuumed and frozen (VACUUM (FREEZE)): a hot standby reads them without hint bits.
        assert db.execute("SELECT count(*) FROM stats_casefact").fetchone()[0] == cases
        assert db.execute("SELECT relpages > 0 AND relallvisible = relpages FROM pg_class WHERE relname = 'stats_casefact'"
                          ).fetchone()[0]

    # The replica paused: it never gets the new children's record keys, so the refresh reads the
    # primary after REPLICA_CATCH_UP_SECONDS, says so, and counts every case.
    replay(standby, paused=True)
    try:
        manage(url, code=MORE_CASES)
        out = manage(url, code=REFRESH, replica_url=replica_url, REPLICA_CATCH_UP_SECONDS="1",
                     STATS_REFRESH_READS_REPLICA="1")
        assert "behind; reading the primary" in out
        assert json.loads(next(line for line in out.splitlines() if line.startswith("{")))["cases"] == cases + 4
    finally:
        replay(standby, paused=False)
