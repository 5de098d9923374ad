"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# Import every view now rather than on each process's first request: with gunicorn's preload_app
# (gunicorn.conf.py) this happens once, in the master, and every worker forked from it, including
# those max_requests recycles, starts ready (importing the views took 2-12 s of CPU per worker).
get_resolver().url_patterns  # noqa: B018 - the import is the point
