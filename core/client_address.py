"""The client's address, as every rate limit, lockout and log row must see it.

X-Forwarded-For is written by whoever sends the request, so it is believed only when the request
comes from one of our own proxies (settings.TRUSTED_PROXIES: addresses or networks of the load
balancers). The header is then read from the right: each hop our proxies appended is skipped, and
the first address that is not one of our proxies is the client. Whatever a client wrote to the left
of that is ignored, so a spoofed header cannot give a password sprayer a fresh address per guess.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: str | None) -> bool:
    """True when ``address`` is inside one of settings.TRUSTED_PROXIES (an empty list trusts none)."""
    return _trusted(address or "", tuple(settings.TRUSTED_PROXIES))


@lru_cache(maxsize=4096)
def _trusted(address: str, proxies: tuple[str, ...]) -> bool:
    """is_trusted_proxy, remembered per address: every API request asks it of its REMOTE_ADDR (the
    load balancers' few addresses in production), and parsing it again cost more than the answer."""
    parsed = _parse(address)
    if parsed is None:
        return False
    return any(parsed in network for network in _networks(proxies))


def client_address(request: HttpRequest) -> str | None:
    """The address of the client that sent ``request`` (a string, IPv4 or IPv6), or None when the
    server was given none. REMOTE_ADDR, unless that is a trusted proxy: then the right-most
    X-Forwarded-For entry that is not a trusted proxy (a malformed entry ends the walk there, and
    the last trusted hop is taken, so garbage cannot name an address)."""
    remote = request.META.get("REMOTE_ADDR") or None
    if not is_trusted_proxy(remote):
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    address = remote
    for hop in reversed(hops):
        parsed = _parse(hop)
        if parsed is None:
            break
        address = str(parsed)
        if not is_trusted_proxy(address):
            break
    return address


def axes_client_address(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: axes counts failures against the same address as the throttles."""
    return client_address(request)
