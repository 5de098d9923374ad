"""Sign-in lockout: django-axes counts failed sign-ins per (username, client address) and per client
address in the database, so every web process behind the load balancer sees the same count."""

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

from core.client_address import client_address

USERNAME_LENGTH = 150  # accounts.User.username


class SignInLockoutBackend(AxesStandaloneBackend):
    """Refuses a sign-in from a locked-out client before the password is checked.

    A call without a request (a management command, the test client's ``login()``) has no client
    to count; it goes on to the next backend instead of failing as axes' own backend does.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def username_for_lockout(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username axes counts failures against, cut to the longest a user can have: a longer
    one (typed or sent on purpose to the token endpoint) matches nobody and must not overflow
    axes' own column."""
    field = settings.AXES_USERNAME_FORM_FIELD
    username = (credentials or {}).get(field) if credentials else request.POST.get(field)
    return username[:USERNAME_LENGTH] if isinstance(username, str) else username


class SignInLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a second limit, per client address whatever the username.

    The (username, address) pair is locked after AXES_FAILURE_LIMIT failures, so one person's typos
    lock out only themselves. A password sprayer tries one or two passwords on many usernames and
    never reaches that; so an address is also locked, for the same cool-off, once the failures of
    all usernames from it reach AXES_ADDRESS_FAILURE_LIMIT (higher, as an office shares one address
    behind NAT). The address is core.client_address's, which believes X-Forwarded-For only from
    TRUSTED_PROXIES.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """The pair's failures, or the failure limit itself once the address is locked: axes decides
        both "refuse before the password is checked" and "answer 429" from this number."""
        failures = super().get_failures(request, credentials)
        if self.address_failures(request) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures

    @staticmethod
    def address_failures(request: HttpRequest) -> int:
        """Failed sign-ins from the request's client address within the cool-off, over every username."""
        address = client_address(request)
        if address is None:
            return 0
        attempts = AccessAttempt.objects.filter(ip_address=address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
