"""DRF's throttles, keyed on the client address from core.client_address.

DRF's own ``get_ident`` believes the whole X-Forwarded-For header unless NUM_PROXIES is set, so a
client could name a new address with each request and never be throttled. Every throttle here asks
core.client_address instead, which believes the header only from settings.TRUSTED_PROXIES.
"""

from array import array

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, SimpleRateThrottle, UserRateThrottle

from core.client_address import client_address


class ClientAddressMixin:
    def get_ident(self, request: Request) -> str:
        return client_address(request) or "unknown"


class CompactHistoryMixin:
    """DRF's sliding log, its request times kept as one array of doubles instead of a list of floats.

    DRF reads and writes a client's whole history (up to its rate's count of request times: 2,000
    a minute for a user) through the cache on every request, and the cache pickles it. A list of
    2,000 floats costs ~0.1 ms to pickle and load again, 6,600 (one gunicorn worker's share of the
    throughput bench) ~0.36 ms; the same as an array is a copy of its bytes: ~0.01 and ~0.02 ms
    (bench/README.md, issue 20 goal 3). An array takes every operation DRF's throttle applies to its
    history (len, [-1], pop, insert), so DRF's code is unchanged and a list stored before still reads.
    """

    history: list[float] | array

    def throttle_success(self) -> bool:
        self.history.insert(0, self.now)
        if not isinstance(self.history, array):
            self.history = array("d", self.history)
        self.cache.set(self.key, self.history, self.duration)
        return True


class AnonAddressRateThrottle(ClientAddressMixin, CompactHistoryMixin, AnonRateThrottle):
    pass


class UserAddressRateThrottle(ClientAddressMixin, CompactHistoryMixin, UserRateThrottle):
    pass


class ScopedAddressRateThrottle(ClientAddressMixin, CompactHistoryMixin, ScopedRateThrottle):
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
