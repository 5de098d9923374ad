"""Writing the access log. Called by the detail views of children and cases (see AccessLoggedMixin)."""

from typing import Any

from django.db import router
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import AccessLog
from children.models import Child
from core.client_address import client_address
from core.db import prepared_cursor


def _client_ip(request: HttpRequest | None) -> str | None:
    # The client's address, not the balancer's (X-Forwarded-For only from TRUSTED_PROXIES).
    return client_address(request) if request is not None else None


# One round trip: the row, with "opened under an emergency access" decided in the same statement.
# The emergency clause is emergency.models.EmergencyAccessQuerySet.active() (expires_at > now).
# Prepared (core.db.prepared_cursor): the values that may be None are cast, PostgreSQL having to
# know each parameter's type when it prepares the statement.
_INSERT_ACCESS_LOG = """
INSERT INTO audit_accesslog (user_id, kind, case_id, child_id, viewed_at, path, ip_address, saw_sensitive, emergency)
VALUES (%(user)s, %(kind)s, %(case)s, %(child)s, %(now)s, %(path)s, %(ip)s, %(saw)s,
        COALESCE(%(emergency)s::boolean, %(case)s::bigint IS NOT NULL AND EXISTS (
            SELECT 1 FROM emergency_emergencyaccess
            WHERE case_id = %(case)s::bigint AND user_id = %(user)s AND expires_at > %(now)s)))
RETURNING id, emergency
"""


def log_access(
    *, user: User, case_id: int | None = None, child_id: int | None = None, request: HttpRequest | None = None,
    saw_sensitive: bool = False, emergency: bool | None = None,
) -> AccessLog:
    """Record that ``user`` opened the detail of a case (with its child) or of a child. A case
    opened while the user's access to it is an emergency access ("break the glass") is marked so;
    ``emergency`` says it outright when the caller knows.

    Synchronous and durable: the row is written by one INSERT in the caller's transaction (committed
    with the request, or at once in autocommit), before the answer is sent. Raises ValueError when
    neither ``case_id`` nor ``child_id`` is given (the table's check constraint says the same)."""
    if case_id is None and child_id is None:
        raise ValueError("An access-log entry names a case or a child.")
    entry = AccessLog(
        user=user,
        kind=AccessLog.Kind.CASE if case_id is not None else AccessLog.Kind.CHILD,
        case_id=case_id,
        child_id=child_id,
        viewed_at=timezone.now(),
        # The ids come from records this request has just read (the log keeps plain ids by design);
        # the path is cut to its column and the address is the one client_address checked.
        path=(request.get_full_path()[:300] if request is not None else ""),
        ip_address=_client_ip(request),
        saw_sensitive=saw_sensitive,
    )
    params = {"user": user.pk, "kind": entry.kind, "case": case_id, "child": child_id, "now": entry.viewed_at,
              "path": entry.path, "ip": entry.ip_address, "saw": saw_sensitive, "emergency": emergency}
    with prepared_cursor(router.db_for_write(AccessLog)) as cursor:  # prepared once per connection (core.db)
        cursor.execute(_INSERT_ACCESS_LOG, params)
        entry.pk, entry.emergency = cursor.fetchone()
    entry._state.adding = False
    entry._state.db = router.db_for_write(AccessLog)
    return entry


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
