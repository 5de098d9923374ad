"""Reminders through a real Celery worker and the real Redis (this engineer's Redis db): the sweep
end to end, a worker killed mid-sweep (SIGKILL) and restarted leaving no reminder lost or doubled,
and API writes succeeding while the broker is unreachable.

The worker is a subprocess ``celery -A config worker --pool=solo`` on the test database, so these
tests are transactional (its connection must see committed rows).
"""

import datetime as dt
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery_app import app
from notifications.models import Notification
from notifications.tasks import daily_sweep
from tests.factories import CaseFactory, DistrictFactory, FamilyFactory, PlacementFactory, UserFactory, VisitFactory
from tests.processes import CLAIM_STEP, wait_until

BASE_DIR = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    """This engineer's Redis db, emptied of earlier messages before and after."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()
    yield client
    client.flushdb()


@contextmanager
def worker(log_path: Path) -> Iterator[subprocess.Popen]:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        # A message left unacknowledged by a dead worker comes back within about two seconds.
        "CELERY_VISIBILITY_TIMEOUT": "2", "CELERY_UNACKED_RESTORE_INTERVAL": "1", "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    })
    with open(log_path, "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def waiting_on_a_lock(dbname: str) -> bool:
    # Our own autocommit connection: pg_stat_activity is a snapshot frozen inside a transaction.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [dbname])
        return cursor.fetchone()[0] > 0


def drop_broker_connections() -> None:
    """Make the app connect again with its current broker URL (what Celery itself does after a fork)."""
    if app._pool is not None:
        with suppress(Exception):
            app._pool.force_close_all()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


def placements_with_reminders(count: int) -> list:
    """Placements with a visit due in 7 days and one overdue since yesterday: two reminders each."""
    today = timezone.localdate()
    district = DistrictFactory()
    worker_user = UserFactory(unit=district)
    placements = []
    for _ in range(count):
        case = CaseFactory(responsible_unit=district, assigned_worker=worker_user, stage="placed")
        placement = PlacementFactory(case=case, child=case.child, started_on=today - dt.timedelta(days=100),
                                     family=FamilyFactory(responsible_unit=district))
        VisitFactory(placement=placement, planned_on=today + dt.timedelta(days=7))
        VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=1))
        placements.append(placement)
    return placements


def reminder_keys() -> list[tuple]:
    return sorted(Notification.objects.values_list("recipient_id", "kind", "subject_key", "due_on"))


def test_a_real_worker_runs_the_sweep_and_emails_each_reminder(broker, tmp_path):
    placements_with_reminders(3)
    with worker(tmp_path / "worker.log"):
        daily_sweep.delay()
        wait_until(lambda: Notification.objects.filter(emailed_at__isnull=False).count() == 6, timeout=40,
                   what="six reminders e-mailed by the worker (log: %s)" % (tmp_path / "worker.log"))
    kinds = sorted(Notification.objects.values_list("kind", flat=True))
    assert kinds == ["visit_due"] * 3 + ["visit_overdue"] * 3


def test_a_worker_killed_mid_sweep_and_restarted_loses_no_reminder_and_doubles_none(broker, tmp_path):
    placements = placements_with_reminders(4)
    supervisor = UserFactory(role="supervisor", unit=placements[0].case.responsible_unit)
    today = timezone.localdate()
    family = placements[0].family
    family.home_study_expires_on = today + dt.timedelta(days=20)
    family.save()
    db = connection.settings_dict
    blocker = psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"] or "postgres",
                              dbname=db["NAME"], autocommit=False)
    try:
        # Hold the certificate step's claim for the day (a row not yet committed, as a concurrent sweep
        # holds it): the sweep commits its visit reminders, then waits on that step's claim, in the
        # middle of the sweep and before anything of that step is written.
        blocker.execute(CLAIM_STEP, [today, "certificate_expiring"])
        with worker(tmp_path / "worker1.log") as first:
            daily_sweep.delay()
            wait_until(lambda: waiting_on_a_lock(db["NAME"]), timeout=30, what="the sweep to reach the locked table")
            assert Notification.objects.filter(kind__in=["visit_due", "visit_overdue"]).count() == 8  # committed so far
            assert not Notification.objects.filter(kind="certificate_expiring").exists()
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        blocker.rollback()  # the killed worker's half-done step is rolled back by PostgreSQL
    finally:
        blocker.close()

    with worker(tmp_path / "worker2.log"):
        # The unacknowledged message comes back to the new worker, which runs the whole sweep again.
        wait_until(lambda: Notification.objects.filter(kind="certificate_expiring").exists(), timeout=40,
                   what="the redelivered sweep to finish")
        wait_until(lambda: not Notification.objects.filter(emailed_at__isnull=True).exists(), timeout=20,
                   what="the e-mails of every reminder")
    keys = reminder_keys()
    assert len(keys) == len(set(keys)) == 9
    assert Notification.objects.filter(kind="certificate_expiring", recipient=supervisor).count() == 1


@pytest.mark.django_db(transaction=False)
def test_api_writes_succeed_with_the_broker_unreachable(api_client, caplog, django_capture_on_commit_callbacks, district):
    """A visit that moves a placement into high risk writes its alert; publishing the e-mail task fails
    (nothing listens on the broker port) and is only logged; the periodic e-mail task catches up."""
    supervisor = UserFactory(role="supervisor", unit=district.parent)
    today = timezone.localdate()
    case = CaseFactory(responsible_unit=district, stage="placed")
    child = case.child
    child.sdq_total_difficulties, child.abuse_or_neglect_history = 25, True
    child.save()
    placement = PlacementFactory(case=case, child=child, started_on=today - dt.timedelta(days=40),
                                 family=FamilyFactory(form_of_care="foster_family"))
    visit = VisitFactory(placement=placement, planned_on=today)
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"  # the discard port: connection refused
    drop_broker_connections()
    try:
        api_client.force_authenticate(case.assigned_worker)
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(f"/api/v1/visits/{visit.pk}/record/", {
                "done_on": today.isoformat(), "child_seen": True, "seen_by": "A. Worker", "child_condition": "serious_concerns",
                "family_condition": "some_concerns", "checklist": {}, "concerns": "Wants to leave."}, format="json")
    finally:
        app.conf.broker_url = original
        drop_broker_connections()
    assert response.status_code == 200, response.data
    assert response.data["risk"]["band"] == "high"
    alert = Notification.objects.get(kind="high_risk", recipient=supervisor)
    assert alert.emailed_at is None
    assert "Could not publish" in caplog.text
