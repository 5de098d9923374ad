"""Celery queues per purpose (config/settings/base.py CELERY_TASK_ROUTES): each task goes to its
queue, and a long task on one queue does not hold another queue's task when each queue has its
own worker, as the README's production section runs them. Real workers on the real Redis."""

import datetime as dt
from collections.abc import Iterator
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
from stats.models import FactsRefresh
from stats.tasks import refresh_statistics_task
from tests.factories import CaseFactory, DistrictFactory, FamilyFactory, PlacementFactory, UserFactory, VisitFactory
from tests.processes import celery_worker, django_env, wait_until

pytestmark = [pytest.mark.slow]


@pytest.mark.parametrize(("task", "queue"), [
    ("notifications.daily_sweep", "reminders"),
    ("notifications.send_emails", "reminders"),
    ("visits.extend_horizons", "reminders"),
    ("risk.nightly_scoring", "risk"),
    ("stats.refresh_statistics", "statistics"),
    ("access.delete_expired_grants", "default"),
    ("web.refresh_dashboard_figures", "default"),
    ("some.unlisted_task", "default"),
])
def test_each_task_is_routed_to_the_queue_of_its_purpose(task, queue):
    route = app.amqp.router.route({}, task)
    assert route["queue"].name == queue


def test_a_worker_started_without_queues_consumes_every_queue_each_bound_by_its_own_key():
    queues = app.amqp.queues.values()
    assert {q.name for q in queues} == {"default", "reminders", "risk", "statistics", "bulk"}
    # A queue bound by another's key would receive that queue's messages too.
    assert {q.name: q.routing_key for q in queues} == {q.name: q.name for q in queues}


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()
    yield client
    client.flushdb()


def _worker_env() -> dict[str, str]:
    db = connection.settings_dict
    return django_env(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
    )


def _waiting_on_a_lock(dbname: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [dbname])
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_long_statistics_refresh_does_not_delay_the_reminders(broker, tmp_path: Path):
    today = timezone.localdate()
    district = DistrictFactory()
    worker_user = UserFactory(unit=district)
    case = CaseFactory(responsible_unit=district, assigned_worker=worker_user, stage="placed")
    placement = PlacementFactory(case=case, child=case.child, started_on=today - dt.timedelta(days=100),
                                 family=FamilyFactory(responsible_unit=district))
    VisitFactory(placement=placement, planned_on=today + dt.timedelta(days=7))
    db = connection.settings_dict
    blocker = psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"] or "postgres",
                              dbname=db["NAME"], autocommit=False)
    env = _worker_env()
    try:
        # The refresh truncates the snapshot tables first: holding one makes it a task that runs until released.
        blocker.execute("LOCK TABLE stats_casefact IN ACCESS EXCLUSIVE MODE")
        with celery_worker(env, log_path=tmp_path / "statistics.log", queues=("statistics",)), \
                celery_worker(env, log_path=tmp_path / "reminders.log", queues=("reminders",)):
            refresh_statistics_task.delay()
            wait_until(lambda: _waiting_on_a_lock(db["NAME"]), timeout=40, what="the refresh to start and wait")
            daily_sweep.delay()
            wait_until(lambda: Notification.objects.filter(kind="visit_due", recipient=worker_user).exists(), timeout=40,
                       what=f"the sweep on its own queue (log: {tmp_path / 'reminders.log'})")
            assert not FactsRefresh.objects.exists(), "the refresh is still held"
            blocker.rollback()
            wait_until(lambda: FactsRefresh.objects.exists(), timeout=40, what="the refresh to finish once released")
    finally:
        blocker.close()
