"""Clean answers while the database is unreachable (a restart, a failover), and the privacy headers of
every dynamic response."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    """A view that cannot reach PostgreSQL answers 503 with Retry-After, not a 500 page: the load
    balancer and API clients know to retry. Django drops the broken connection at the end of the
    request, and CONN_HEALTH_CHECKS checks a kept one before reuse, so the process recovers by
    itself once the database is back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("Database unavailable for %s %s: %s", request.method, request.path, exception.__class__.__name__)
        response = JsonResponse({"detail": gettext("The service is briefly unavailable. Try again in a moment.")}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class PrivacyHeadersMiddleware:
    """Headers every dynamic response carries (static files are answered by WhiteNoise before this):

    - ``Cache-Control: no-store, private``: pages and JSON show children's and families' personal
      data, which no browser cache, shared proxy or back button may keep. Static files stay cacheable.
    - ``Permissions-Policy`` (settings.PERMISSIONS_POLICY): the browser features the site never uses
      (camera, microphone, geolocation, payment, ...) are refused to it and anything it embeds.
    The Content-Security-Policy is django-csp's (settings.CONTENT_SECURITY_POLICY).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
