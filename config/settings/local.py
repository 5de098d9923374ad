"""The quick start (``make run``): PostgreSQL embedded in the virtualenv unless DATABASE_URL is set,
a Celery worker with beat on that same PostgreSQL (no Redis), debug off (DEBUG=1 turns it on). Never
for production."""

import os

from config.quickstart_db import sqlalchemy_broker_url, start_embedded_postgres
from config.settings.base import *  # noqa: F403
from config.settings.base import LOGGING, database, env_bool, env_int

# Off, so the quick start shows what production shows: the site's own 404/500 pages, not Django's
# debug page listing every URL pattern. WhiteNoise serves the static files from the apps' folders
# (no collectstatic), picking up edits, as runserver's debug-only static view would.
DEBUG = env_bool("DEBUG", False)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SECRET_KEY = SECRET_KEY or "local-only-insecure-key-do-not-use-in-production"  # noqa: F405

if not os.environ.get("DATABASE_URL"):
    # Exported, so the worker and any other child process use this server without starting one.
    os.environ["DATABASE_URL"] = start_embedded_postgres()
DATABASES = {"default": database(os.environ["DATABASE_URL"], conn_max_age=env_int("CONN_MAX_AGE", 60))}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Tasks go through a broker, as in production, so the quick start shows the same behaviour
# (publishing after commit, a worker that runs them, beat's schedule); the broker is the database.
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or sqlalchemy_broker_url(DATABASES["default"])
# Kombu's SQLAlchemy transport hands its options to create_engine(); the Redis ones mean nothing there.
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}

LOGGING = {**LOGGING, "loggers": {**LOGGING["loggers"], "embedded_postgres": {"level": "WARNING"}}}

# The browsable API helps while developing; production and the tests answer JSON only (base.py).
if DEBUG:
    REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_RENDERER_CLASSES": [  # noqa: F405
        "rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"]}
