"""DRF's throttles, keyed on the client address from core.client_address.

DRF's own ``get_ident`` believes the whole X-Forwarded-For header unless NUM_PROXIES is set, so a
client could name a new address with each request and never be throttled. Every throttle here asks
core.client_address instead, which believes the header only from settings.TRUSTED_PROXIES.
"""

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from core.client_address import client_address


class ClientAddressMixin:
    def get_ident(self, request: Request) -> str:
        return client_address(request) or "unknown"


class AnonAddressRateThrottle(ClientAddressMixin, AnonRateThrottle):
    pass


class UserAddressRateThrottle(ClientAddressMixin, UserRateThrottle):
    pass


class ScopedAddressRateThrottle(ClientAddressMixin, ScopedRateThrottle):
    pass

