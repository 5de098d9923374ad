"""Sign-in lockout: django-axes counts failed sign-ins per (username, client address) in the
database, so every web process behind the load balancer sees the same count."""

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest

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
