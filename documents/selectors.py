"""Reads on documents. A document is visible exactly when its child, family or case is visible, so
every list starts from the querysets in access.selectors."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from access.selectors import cases_visible_to, children_visible_to, families_visible_to
from accounts.models import User
from documents.models import Document


def documents_visible_to(user: User) -> QuerySet[Document]:
    if not user.is_authenticated or user.is_analyst:
        return Document.objects.none()
    if user.is_administrator:
        return Document.objects.select_related("uploaded_by")
    return Document.objects.filter(
        Q(case__in=cases_visible_to(user).values("pk"))
        | Q(child__in=children_visible_to(user).values("pk"))
        | Q(family__in=families_visible_to(user).values("pk"))
    ).select_related("uploaded_by")


def documents_of_child(child_id: int) -> QuerySet[Document]:
    """Every document of a child's file: the child's own, its cases', and those of the families it was placed with."""
    from cases.models import Placement

    return Document.objects.filter(
        Q(child_id=child_id)
        | Q(case__child_id=child_id)
        | Q(family__in=Placement.objects.filter(child_id=child_id).values("family_id"))
    ).order_by("document_date", "id")


def documents_expiring(within_days: int, *, today: dt.date | None = None) -> QuerySet[Document]:
    """Documents whose expiry falls from today to ``within_days`` ahead (inclusive), soonest first."""
    today = today or timezone.localdate()
    return (
        Document.objects.filter(expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=within_days))
        .select_related("child", "family", "case")
        .order_by("expires_on", "id")
    )
