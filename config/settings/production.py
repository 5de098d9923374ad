"""Production: PostgreSQL, Redis, a real secret key, secure cookies. Refuses to start otherwise."""

import os

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import env_bool, env_int

if not SECRET_KEY or SECRET_KEY.startswith(("local-only", "test-only")) or len(SECRET_KEY) < 40:  # noqa: F405
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 40 characters.")
if "DATABASE_URL" not in os.environ:
    raise ImproperlyConfigured("Set DATABASE_URL to the PostgreSQL database of record.")

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The dashboards' cached figures live in Redis, shared by every web process; short socket timeouts
# so that a Redis outage costs speed (the figures are computed again), never a page. The default
# cache (DRF's throttle counts) stays in each process: a Redis outage must not fail every API call.
CACHES = {
    **CACHES,  # noqa: F405
    "dashboard": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("CACHE_URL", REDIS_URL),  # noqa: F405
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    },
}
