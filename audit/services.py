"""Writing the access log. Called by the detail views of children and cases (see AccessLoggedMixin)."""

from typing import Any

from django.http import HttpRequest

from accounts.models import User
from audit.models import AccessLog
from children.models import Child
from core.client_address import client_address


def _client_ip(request: HttpRequest | None) -> str | None:
    # The client's address, not the balancer's (X-Forwarded-For only from TRUSTED_PROXIES).
    return client_address(request) if request is not None else None


def log_access(
    *, user: User, case_id: int | None = None, child_id: int | None = None, request: HttpRequest | None = None,
    saw_sensitive: bool = False, emergency: bool | None = None,
) -> AccessLog:
    """Record that ``user`` opened the detail of a case (with its child) or of a child. A case
    opened while the user's access to it is an emergency access ("break the glass") is marked so;
    ``emergency`` says it outright when the caller knows."""
    if emergency is None:
        emergency = case_id is not None and _under_emergency_access(user=user, case_id=case_id)
    entry = AccessLog(
        user=user,
        kind=AccessLog.Kind.CASE if case_id is not None else AccessLog.Kind.CHILD,
        case_id=case_id,
        child_id=child_id,
        path=(request.get_full_path()[:300] if request is not None else ""),
        ip_address=_client_ip(request),
        saw_sensitive=saw_sensitive,
        emergency=emergency,
    )
    # The ids come from records this request has just read; validating the foreign keys again
    # would cost three queries on every detail view (the log keeps plain ids by design).
    entry.full_clean(exclude=["user", "case", "child"])
    entry.save()
    return entry


def _under_emergency_access(*, user: User, case_id: int) -> bool:
    from emergency.models import EmergencyAccess

    return EmergencyAccess.objects.filter(case_id=case_id, user=user).active().exists()


def _shows_sensitive(data: Any) -> bool:
    """Whether the answer carries one of the child's sensitive fields (at the top or one level down)."""
    if not isinstance(data, dict):
        return False
    if any(name in data for name in Child.SENSITIVE_FIELDS):
        return True
    return any(isinstance(value, dict) and any(name in value for name in Child.SENSITIVE_FIELDS) for value in data.values())


class AccessLoggedMixin:
    """For a DRF detail view (RetrieveModelMixin) of a Case or Child: writes one AccessLog row per
    successful retrieve. Set ``access_log_kind = "case"`` or ``"child"`` on the view."""

    access_log_kind = "case"

    def retrieve(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().retrieve(request, *args, **kwargs)
        if 200 <= response.status_code < 300:
            obj = getattr(self, "_access_logged_object", None) or self.get_object()
            saw = _shows_sensitive(response.data)
            if self.access_log_kind == "child":
                log_access(user=request.user, child_id=obj.pk, request=request, saw_sensitive=saw)
            else:
                log_access(user=request.user, case_id=obj.pk, child_id=obj.child_id, request=request, saw_sensitive=saw)
        return response

    def get_object(self) -> Any:
        obj = super().get_object()
        self._access_logged_object = obj
        return obj
