"""Shared fixtures. The suite runs against the real PostgreSQL and Redis and says so loudly when
either cannot be reached."""


import pytest
import redis
from django.conf import settings

from tests import factories


def pytest_sessionstart(session: pytest.Session) -> None:
    import psycopg

    db = settings.DATABASES["default"]
    try:
        psycopg.connect(
            host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"] or None,
            dbname="postgres", connect_timeout=5,
        ).close()
    except psycopg.OperationalError as exc:
        pytest.exit(f"PostgreSQL is unreachable at {db['HOST']}:{db['PORT']} ({exc}). Start it or set DATABASE_URL.", 3)
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.exit(f"Redis is unreachable at {settings.REDIS_URL} ({exc}). Start it or set REDIS_URL.", 3)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Transactional tests (real commits: concurrency, Celery workers, live servers) end with a
    flush that empties every table, including the reference data that migrations load (regions,
    units, visit policies, risk weights). Serialized rollback restores it before each of them."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        fixtures = getattr(item, "fixturenames", ())
        transactional = (marker is not None and marker.kwargs.get("transaction")) or (
            "transactional_db" in fixtures or "live_server" in fixtures
        )
        if transactional and not (marker is not None and marker.kwargs.get("serialized_rollback")):
            kwargs = dict(marker.kwargs) if marker is not None else {}
            # Prepended: pytest-django reads the closest marker, and a test's own decorator comes first.
            item.add_marker(
                pytest.mark.django_db(**{**kwargs, "transaction": True, "serialized_rollback": True}), append=False
            )


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts without the previous one's cached figures (the dashboards') and throttle histories."""
    from django.core.cache import caches

    for alias in ("default", "dashboard", "throttle"):
        caches[alias].clear()


@pytest.fixture
def region(db):
    from regions.models import Region

    return Region.objects.get(code="almaty")


@pytest.fixture
def district(db, region):
    return factories.DistrictFactory(region=region)


@pytest.fixture
def worker(db, district):
    return factories.UserFactory(role="social_worker", unit=district)


@pytest.fixture
def supervisor(db, district):
    return factories.UserFactory(role="supervisor", unit=district.parent)


@pytest.fixture
def analyst(db):
    from accounts.models import OrganisationalUnit

    return factories.UserFactory(role="analyst", unit=OrganisationalUnit.objects.get(code="ministry"))


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()



@pytest.fixture(autouse=True)
def _no_throttle_counts_carried_over():
    """API throttle counts live in the process's local cache; each test starts with none, as if
    after a quiet minute, so a long suite is never throttled by requests of earlier tests."""
    from django.core.cache import caches

    for alias in ("default", "dashboard"):
        caches[alias].clear()


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to a fresh directory per test (the default storage follows MEDIA_ROOT)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
