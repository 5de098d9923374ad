"""/healthz: is the database answering, and is the broker reachable? For load balancers and operators."""

import time

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure is reported, never raised: this page must answer
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        # The quick start's broker is its database (kombu's SQLAlchemy transport).
        from kombu import Connection

        try:
            with Connection(url, connect_timeout=1) as broker:
                broker.ensure_connection(max_retries=1)
        except Exception as exc:  # reported, never raised
            return f"error: {exc.__class__.__name__}"
        return "ok"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    started = time.perf_counter()
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(value in ("ok", "in-process") for value in checks.values())
    body = {"status": "ok" if healthy else "degraded", **checks, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return JsonResponse(body, status=200 if healthy else 503)
