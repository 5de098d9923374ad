"""Reads on documents. A document is visible exactly when its child, family or case is visible, so
every list starts from the querysets in access.selectors. Documents of a sensitive type (medical
reports by default, ``DOCUMENTS_SENSITIVE_TYPES``) are shown only to users with ``view_sensitive`` on
the case (its worker, its supervisors, a share that includes sensitive fields): not to a plain share,
an emergency access or an administrator."""

import datetime as dt

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from access.models import ChildGroupObjectPermission, ChildUserObjectPermission
from access.selectors import (
    cases_visible_to,
    children_visible_to,
    families_visible_to,
    granted_case_ids,
    sensitive_case_ids,
    sensitive_child_ids,
)
from accounts.models import User
from cases.models import Case
from documents.models import Document


def restricted_record_ids(user: User) -> tuple[set[int], set[int]]:
    """The visible cases and children whose sensitive fields this user may NOT see.

    A case's worker and supervisors always hold view_sensitive (access.selectors), so only records
    visible through a grant can lack it: a plain share, an emergency access, a child grant. Grants are
    few, so these are short lists, computed in a handful of small queries."""
    case_ids = granted_case_ids(user)
    restricted_cases = set(case_ids) - sensitive_case_ids(user, case_ids)
    child_ids = set(Case.objects.filter(pk__in=case_ids).values_list("child_id", flat=True)) if case_ids else set()
    for model in (ChildUserObjectPermission, ChildGroupObjectPermission):
        holder = {"user_id": user.pk} if model is ChildUserObjectPermission else {"group__user": user.pk}
        grants = model.objects.active().filter(permission__codename="view_child", **holder)
        child_ids.update(grants.values_list("content_object_id", flat=True))
    restricted_children = child_ids - sensitive_child_ids(user, child_ids)
    return restricted_cases, restricted_children


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
        restricted_cases, restricted_children = restricted_record_ids(user)
        if restricted_cases or restricted_children:
            documents = documents.exclude(
                Q(doc_type__in=sensitive_types) & (Q(case_id__in=restricted_cases) | Q(child_id__in=restricted_children))
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
