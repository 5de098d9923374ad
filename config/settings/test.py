"""Tests run against the real parts: PostgreSQL (the server on DATABASE_URL, not the embedded one) and Redis."""

import os
from urllib.parse import urlsplit

from config.settings.base import *  # noqa: F403

SECRET_KEY = "test-only-key"
DATABASES = {
    "default": database(  # noqa: F405
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/otbasy"),
        conn_max_age=0,
    )
}
if replica := replica_database():  # noqa: F405 - the replica tests' own servers
    DATABASES["replica"] = replica
if DATABASES["default"]["ENGINE"] != "core.postgresql":
    raise RuntimeError("The test suite runs on PostgreSQL only; set DATABASE_URL to a postgres:// URL.")
# pytest-xdist (make test runs one process per core): each worker has its own test database (pytest-django
# suffixes its name) and here its own Redis db, so one worker's Celery tests never flush or consume the
# other's messages. gw0 keeps the configured db; gwN takes the configured db + N.
def with_redis_db(url: str, offset: int) -> str:
    """``url`` with its Redis db number (the path; 0 when absent) raised by ``offset``."""
    parts = urlsplit(url)
    return parts._replace(path=f"/{int(parts.path.strip('/') or 0) + offset}").geturl()


if (xdist_worker := os.environ.get("PYTEST_XDIST_WORKER", "")).startswith("gw"):
    REDIS_URL = with_redis_db(REDIS_URL, int(xdist_worker[2:]))  # noqa: F405
    CELERY_BROKER_URL = with_redis_db(CELERY_BROKER_URL, int(xdist_worker[2:]))  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
# Serve static files from the apps without collectstatic (as in development).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
