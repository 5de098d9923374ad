"""The Celery application. Workers and beat start with ``celery -A config worker|beat``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("otbasy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
