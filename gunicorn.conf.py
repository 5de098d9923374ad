"""gunicorn settings for the web processes: ``gunicorn config.wsgi`` reads this file from the
working directory. Every value comes from the environment so one image serves every machine.

Web processes keep no state of their own (sessions and sign-in lockouts live in PostgreSQL), so
several of them, on one or many machines, can stand behind a load balancer.
"""

import gc
import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: each request is a few database queries, so processes, not threads, use the cores.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")

# A request that runs past the timeout is killed and logged instead of holding a worker forever;
# exports and statistics that take longer belong in a Celery task.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))

# Recycle workers now and then so a slow leak never grows; jitter keeps them from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 200))
# Django, the apps and every view (config/wsgi.py) are loaded once in the master and the workers are
# forked from it: a worker started or recycled by max_requests serves at once, instead of spending
# seconds of CPU importing the project while the others wait for a core (bench/README.md, issue 20).
# No connection is opened while loading, so none is shared by the forks. A code change needs a
# restart of the master (not a HUP) to be loaded.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").strip().lower() in {"1", "true", "yes", "on"}


def pre_fork(server: object, worker: object) -> None:
    """In the master, before each worker is forked: what is loaded so far (Django, the apps, every
    view: ~180,000 objects) is moved out of the cycle collector's reach (``gc.freeze``, as Python's
    documentation advises before fork). Each worker's collector then looks only at what the worker
    itself makes: its first full collection no longer walks the whole preloaded heap (0.14-0.20 s of
    CPU per API worker, and a copy of every page it touched), bench/README.md issue 20 goal 3."""
    gc.freeze()

# The load balancer terminates TLS and sets X-Forwarded-For / X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs to stdout/stderr for the process manager. The access log names the client, the request,
# the status, the size, the time taken in microseconds and the request id set by the load balancer.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = os.environ.get(
    "GUNICORN_ACCESS_LOG_FORMAT",
    '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(B)s %(D)sus "%(f)s" "%(a)s" rid=%({x-request-id}i)s',
)
