"""Access-log helpers for this app's views (document downloads, record exports, emergency openings),
delegating to the audit app's service."""

from django.http import HttpRequest

from accounts.models import User
from core.client_address import client_address


def client_ip(request: HttpRequest | None) -> str | None:
    return client_address(request) if request is not None else None


def log_record_access(
    *, user: User, request: HttpRequest | None, case_id: int | None = None, child_id: int | None = None,
    saw_sensitive: bool = False, emergency: bool | None = None,
) -> None:
    """One access log row for a case or child (the log names no other record: a family's document is
    logged in documents.DocumentDownload only)."""
    from audit.services import log_access

    if case_id is None and child_id is None:
        return
    log_access(
        user=user, case_id=case_id, child_id=child_id, request=request, saw_sensitive=saw_sensitive, emergency=emergency
    )
