"""Reads that may go to the read replica, and the router that sends them there.

Only reads that ask for it go to the ``replica`` alias (``DATABASE_REPLICA_URL``): the analysts'
statistics and exports, the supervisors' region-wide aggregates and the nightly read-only scans, each
wrapped in :func:`replica_reads`. Everything else (every write, every permission, sharing and
emergency-access check, a case's stage) reads the primary, so a lagging replica can never show a
stale permission or a stale stage. After a user's own write the next few seconds of that user's
requests read the primary too (a pinning cookie, as django-multidb-router does), so even their
aggregates include what they just wrote. When the replica does not answer, the reads fall back to
the primary with a log line, never a 500. See docs/replica.md.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"
PIN_COOKIE = "otbasy_pin"

_replica_wanted: ContextVar[bool] = ContextVar("replica_wanted", default=False)
_pinned: ContextVar[bool] = ContextVar("pinned_to_primary", default=False)
# Per process: until when the replica is taken as down after a failed probe (monotonic seconds).
_down_until = 0.0


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _replica_answers() -> bool:
    """Whether the replica answers a trivial query now; a failure is remembered for
    REPLICA_RETRY_SECONDS so a dead replica costs one connection attempt, not one per query."""
    global _down_until
    if time.monotonic() < _down_until:
        return False
    try:
        connection = connections[REPLICA]
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError as exc:
        _down_until = time.monotonic() + settings.REPLICA_RETRY_SECONDS
        logger.warning("Read replica unavailable (%s); reading from the primary for %s s",
                       exc.__class__.__name__, settings.REPLICA_RETRY_SECONDS)
        connections[REPLICA].close_if_unusable_or_obsolete()
        return False


def read_alias() -> str:
    """The database alias for a read in the current context: ``"replica"`` inside
    :func:`replica_reads` when a replica is configured, answering, and the user is not pinned to
    the primary after a write of their own; ``"default"`` otherwise."""
    if _replica_wanted.get() and not _pinned.get() and replica_configured() and _replica_answers():
        return REPLICA
    return PRIMARY


@contextmanager
def replica_reads() -> Iterator[str]:
    """Reads inside this block may go to the replica; yields the alias they will use.

    For read-only work that tolerates a few seconds of lag: statistics, exports, region-wide
    aggregates, nightly scans. Never wrap a permission check or anything a write depends on.
    """
    token = _replica_wanted.set(True)
    try:
        yield read_alias()
    finally:
        _replica_wanted.reset(token)


class ReplicaRouter:
    """Writes and migrations go to the primary; reads to :func:`read_alias`."""

    def db_for_read(self, model: type, **hints: object) -> str:
        return read_alias()

    def db_for_write(self, model: type, **hints: object) -> str:
        return PRIMARY

    def allow_relation(self, obj1: object, obj2: object, **hints: object) -> bool:
        # Both aliases hold the same database.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: object) -> bool:
        return db == PRIMARY


class PinAfterWriteMiddleware:
    """A request that writes (any method but GET/HEAD/OPTIONS) pins its user's next requests to the
    primary for REPLICA_PIN_SECONDS, through a short-lived cookie; a request carrying the cookie
    reads only the primary."""

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        writes = request.method not in self.SAFE_METHODS
        token = _pinned.set(writes or PIN_COOKIE in request.COOKIES)
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if writes and replica_configured():
            response.set_cookie(PIN_COOKIE, "1", max_age=settings.REPLICA_PIN_SECONDS, httponly=True,
                                samesite="Lax", secure=request.is_secure())
        return response
