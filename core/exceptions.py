"""Domain errors and the one place that turns them (and Django's) into HTTP answers."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A broken business rule. ``field`` names the input the user should fix, when there is one."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def as_detail(self) -> dict[str, list[str]]:
        return {self.field or "non_field_errors": [str(self.message)]}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every rule broken by input answers 400 with field messages, the same shape everywhere."""
    if isinstance(exc, DomainError) and exc.code == "unavailable":  # not the input: this installation can't
        return Response({"detail": str(exc.message)}, status=503)
    if isinstance(exc, DomainError) and exc.code == "permission_denied":
        # Found by a service on the locked row (e.g. the case was transferred meanwhile): nothing was written.
        exc = drf_exceptions.PermissionDenied(str(exc.message))
        return exception_handler(exc, context)
    if isinstance(exc, Http404):
        # get_object_or_404's message is Django's English 'No Family matches the given query.', whatever
        # the reader's language, and names the model: the one 'Not found.' of DRF, translated, instead.
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DomainError):
        exc = drf_exceptions.ValidationError(exc.as_detail())
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = drf_exceptions.ValidationError(detail)
    return exception_handler(exc, context)
