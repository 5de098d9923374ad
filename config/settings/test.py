"""Tests run against the real parts: PostgreSQL (the server on DATABASE_URL, not the embedded one) and Redis."""

import os

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
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
# Serve static files from the apps without collectstatic (as in development).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
