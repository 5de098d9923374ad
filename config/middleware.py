"""Clean answers while the database is unreachable (a restart, a failover)."""

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
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
