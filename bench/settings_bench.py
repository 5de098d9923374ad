"""Settings for the gunicorn processes of bench/throughput.py: the production settings, plain HTTP
on loopback (no TLS redirect), and the URLconf chosen by BENCH_URLCONF: ``config.urls`` for the
API, ``bench.bare_urls`` for the bare Django JSON view it is compared with."""

import os

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = os.environ.get("BENCH_URLCONF", "config.urls")
SECURE_SSL_REDIRECT = False
