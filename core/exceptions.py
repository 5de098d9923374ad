"""Domain errors and the one place that turns them (and Django's) into HTTP answers."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A broken business rule. ``field`` names the input the user should fix, when there is one.

    ``errors`` holds every refusal the service found at once (field name → message), so that a form
    shows each mistake beside its own field on one submit (DomainError.of); ``message`` and ``field``
    are the first of them."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid",
                 errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.errors = errors or {field or "non_field_errors": message}

    @classmethod
    def of(cls, errors: dict[str, str], code: str = "invalid") -> "DomainError":
        """One refusal carrying several independent ones (field name → message); ``errors`` not empty."""
        field, message = next(iter(errors.items()))
        return cls(message, field=field, code=code, errors=dict(errors))

    def as_detail(self) -> dict[str, list[str]]:
        return {field: [str(message)] for field, message in self.errors.items()}


def raise_errors(errors: dict[str, str]) -> None:
    """Raise one DomainError with every refusal in ``errors`` (field name → message), if there is any."""
    if errors:
        raise DomainError.of(errors)


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
