"""DRF's throttles, keyed on the client address from core.client_address.

DRF's own ``get_ident`` believes the whole X-Forwarded-For header unless NUM_PROXIES is set, so a
client could name a new address with each request and never be throttled. Every throttle here asks
core.client_address instead, which believes the header only from settings.TRUSTED_PROXIES.
"""

from collections import deque

from django.core.cache import caches
from django.utils.connection import ConnectionProxy
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, SimpleRateThrottle, UserRateThrottle

from core.client_address import client_address


class ClientAddressMixin:
    def get_ident(self, request: Request) -> str:
        return client_address(request) or "unknown"


class History(deque):
    """A throttle's request times, newest first: DRF's operations on its history (len, [-1], pop,
    insert(0, ...)) each O(1). ``pop`` on an empty history pops nothing: two threads of one worker
    trimming the same cached history (a gthread worker) cannot fail a request."""

    def pop(self) -> float | None:
        return super().pop() if self else None


class LocalHistoryMixin:
    """DRF's sliding log kept as a ``History`` object in this process's memory (the ``throttle``
    cache, core.cache.LocalObjectCache) instead of a list pickled into the default cache.

    DRF reads and writes a client's whole history through the cache on every request: with
    LocMemCache that is a pickle and a load of every request time kept (up to the rate's count: 2,000
    a minute for a user; one gunicorn worker's ~9,000 in the throughput bench) and a shift of them
    all to put the newest first. Kept as the object itself, read, trimmed and counted in place, a
    request costs the same whatever the rate (bench/README.md, issue 20 goal 3). The throttle cache
    is local to the process as the default cache is, so what is counted is unchanged; DRF's code is
    unchanged, and a history of another type (a list) is taken over on its next count.
    """

    cache = ConnectionProxy(caches, "throttle")
    history: list[float] | History

    def throttle_success(self) -> bool:
        if not isinstance(self.history, History):
            self.history = History(self.history)
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)
        return True


class AnonAddressRateThrottle(ClientAddressMixin, LocalHistoryMixin, AnonRateThrottle):
    pass


class UserAddressRateThrottle(ClientAddressMixin, LocalHistoryMixin, UserRateThrottle):
    pass


class ScopedAddressRateThrottle(ClientAddressMixin, LocalHistoryMixin, ScopedRateThrottle):
    pass


class _SignedIn:
    """What DRF's user and anonymous throttles read of a signed-in request: its user's id."""

    def __init__(self, user_id: int) -> None:
        self.user = _User(user_id)


class _User:
    is_authenticated = True

    def __init__(self, pk: int) -> None:
        self.pk = pk


def signed_in_throttles(view_class: type, user_id: int) -> list[SimpleRateThrottle] | None:
    """DRF's check_throttles for a request of ``user_id`` to a view of ``view_class``, in two halves
    for a caller that learns only afterwards whether the request counts: each throttle that would
    count it, its history read (the list, to be counted by ``count_request``), or None when one of
    them refuses it now (the caller then lets DRF answer 429) or is of a kind whose key needs more
    than the user (anything but DRF's anonymous, user and unscoped scoped throttles and their
    subclasses here). Nothing is written to the throttles' cache here."""
    request = _SignedIn(user_id)
    counting = []
    for throttle_class in view_class.throttle_classes:
        if issubclass(throttle_class, ScopedRateThrottle):
            if getattr(view_class, throttle_class.scope_attr, None):
                return None
            continue  # no scope on the view: DRF allows and counts nothing
        if not issubclass(throttle_class, AnonRateThrottle | UserRateThrottle):
            return None
        throttle = throttle_class()
        if throttle.rate is None:
            continue
        throttle.key = throttle.get_cache_key(request, None)
        if throttle.key is None:
            continue  # the anonymous throttle: a signed-in request is not its business
        throttle.history = throttle.cache.get(throttle.key, [])
        throttle.now = throttle.timer()
        while throttle.history and throttle.history[-1] <= throttle.now - throttle.duration:
            throttle.history.pop()
        if len(throttle.history) >= throttle.num_requests:
            return None
        counting.append(throttle)
    return counting


def count_request(throttles: list[SimpleRateThrottle]) -> None:
    """The second half of ``signed_in_throttles``: the request counted, as DRF counts an allowed one."""
    for throttle in throttles:
        throttle.throttle_success()
