"""Production settings for the processes that fault tests start (gunicorn, Celery workers), with
e-mail written to files so a test can count what was sent."""

import os

from config.settings.production import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
