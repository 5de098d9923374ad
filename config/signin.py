"""Sign-in lockout: django-axes counts failed sign-ins per (username, client address) in the
database, so every web process behind the load balancer sees the same count."""

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


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
