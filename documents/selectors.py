"""Reads on documents. A document is visible exactly when its child, family or case is visible, so
every list starts from the querysets in access.selectors. Documents of a sensitive type (medical
reports by default, ``DOCUMENTS_SENSITIVE_TYPES``) are shown only to users with ``view_sensitive`` on
the case (its worker, its supervisors, a share that includes sensitive fields): not to a plain share,
an emergency access or an administrator."""

import datetime as dt

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from access.models import VIEW_SENSITIVE
from access.selectors import cases_visible_to, children_visible_to, families_visible_to, granted_case_ids, unit_ids_for
from accounts.models import User
from cases.models import Case
from documents.models import Document


def cases_with_sensitive_access(user: User) -> QuerySet[Case]:
    """Cases on which the user holds view_sensitive (same rule as access.selectors.sensitive_case_ids)."""
    if not user.is_authenticated or user.is_analyst or user.is_administrator:
        return Case.objects.none()
    own = Q(responsible_unit_id__in=unit_ids_for(user)) if user.is_supervisor else Q(assigned_worker_id=user.pk)
    granted = granted_case_ids(user, VIEW_SENSITIVE)
    return Case.objects.filter(own | Q(pk__in=granted) if granted else own)


def documents_visible_to(user: User) -> QuerySet[Document]:
    if not user.is_authenticated or user.is_analyst:
        return Document.objects.none()
    sensitive_types = list(settings.DOCUMENTS_SENSITIVE_TYPES)
    if user.is_administrator:
        return Document.objects.exclude(doc_type__in=sensitive_types).select_related("uploaded_by")
    # Three index lookups joined by UNION ALL: an OR of three subqueries would scan every document.
    ids = (
        Document.objects.filter(case__in=cases_visible_to(user).values("pk").order_by()).values("pk").order_by()
        .union(
            Document.objects.filter(child__in=children_visible_to(user).values("pk").order_by()).values("pk").order_by(),
            Document.objects.filter(family__in=families_visible_to(user).values("pk").order_by()).values("pk").order_by(),
            all=True,
        )
    )
    documents = Document.objects.filter(pk__in=ids)
    if sensitive_types:
        sensitive = cases_with_sensitive_access(user)
        documents = documents.filter(
            ~Q(doc_type__in=sensitive_types)
            | Q(family__isnull=False)
            | Q(case__in=sensitive.values("pk").order_by())
            | Q(child__in=sensitive.values("child_id").order_by())
        )
    return documents.select_related("uploaded_by")


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
