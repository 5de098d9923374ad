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
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import TypeVar

from django.conf import settings
from django.db import connections
from django.db.utils import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"
PIN_COOKIE = "otbasy_pin"

# Apps whose tables decide who may see what: users, units (a supervisor's scope), grants, shares,
# emergency access, sessions, Django's permissions and guardian's. Their reads go to the primary even
# inside replica_reads(), so a permission can never be read stale, whatever a block asks for.
PRIMARY_ONLY_APPS = frozenset({"accounts", "access", "emergency", "auth", "guardian", "sessions"})

T = TypeVar("T")

# The alias chosen for the current replica_reads() block (None outside one).
_block_alias: ContextVar[str | None] = ContextVar("replica_block_alias", default=None)
_pinned: ContextVar[bool] = ContextVar("pinned_to_primary", default=False)
# Per process: until when the replica is taken as down after a failure (monotonic seconds).
_down_until = 0.0


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _mark_down(exc: BaseException) -> None:
    global _down_until
    _down_until = time.monotonic() + settings.REPLICA_RETRY_SECONDS
    logger.warning("Read replica unavailable (%s); reading from the primary for %s s",
                   exc.__class__.__name__, settings.REPLICA_RETRY_SECONDS)
    with suppress(DatabaseError):
        connections[REPLICA].close()


def _replica_answers() -> bool:
    """Whether the replica can be used now. Opening a cursor connects when there is no connection
    and, with CONN_HEALTH_CHECKS, checks a kept one once per request (Django's own ``SELECT 1``):
    no probe of our own per query or per block. A failure is remembered for REPLICA_RETRY_SECONDS so
    a dead replica costs one connection attempt per process, not one per request."""
    if time.monotonic() < _down_until:
        return False
    try:
        connections[REPLICA].cursor().close()
        return True
    except DatabaseError as exc:
        _mark_down(exc)
        return False


def read_alias(model: type | None = None) -> str:
    """The database alias for a read in the current context: ``"replica"`` inside
    :func:`replica_reads` when the block found the replica answering, the user is not pinned to the
    primary after a write of their own and ``model`` is not one that decides permissions
    (PRIMARY_ONLY_APPS); ``"default"`` otherwise."""
    if _block_alias.get() != REPLICA or _pinned.get():
        return PRIMARY
    if model is not None and model._meta.app_label in PRIMARY_ONLY_APPS:
        return PRIMARY
    return REPLICA


@contextmanager
def replica_reads() -> Iterator[str]:
    """Reads inside this block may go to the replica; yields the alias they will use.

    For read-only work that tolerates a few seconds of lag: statistics, exports, region-wide
    aggregates, nightly scans. The replica is checked once, on entering; permission tables are read
    on the primary even inside (PRIMARY_ONLY_APPS). Never wrap a write or what a write depends on.
    """
    wanted = not _pinned.get() and replica_configured()
    alias = REPLICA if wanted and _replica_answers() else PRIMARY
    token = _block_alias.set(alias)
    try:
        yield alias
    finally:
        _block_alias.reset(token)


def on_replica(read: Callable[[str], T]) -> T:
    """``read(alias)`` inside :func:`replica_reads`; if the replica fails during it (it went down
    after the check), logs it, takes the replica as down and runs ``read("default")`` on the primary
    instead, so a replica failing mid-request is not a 500 either. ``read`` must only read."""
    with replica_reads() as alias:
        if alias == PRIMARY:
            return read(alias)
        try:
            return read(alias)
        except (OperationalError, InterfaceError) as exc:
            _mark_down(exc)
    token = _block_alias.set(PRIMARY)
    try:
        return read(PRIMARY)
    finally:
        _block_alias.reset(token)


class ReplicaRouter:
    """Writes and migrations go to the primary; reads to :func:`read_alias`."""

    def db_for_read(self, model: type, **hints: object) -> str:
        return read_alias(model)

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
