"""Reads on documents. A document is visible exactly when its child, family or case is visible, so
every list starts from the querysets in access.selectors. Documents of a sensitive type (medical
reports by default, ``DOCUMENTS_SENSITIVE_TYPES``) are shown only to users with ``view_sensitive`` on
the case (its worker, its supervisors, a share that includes sensitive fields): not to a plain share,
an emergency access or an administrator."""

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
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

if TYPE_CHECKING:
    from children.models import Child


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


def _without_hidden_sensitive(user: User, documents: QuerySet[Document]) -> QuerySet[Document]:
    sensitive_types = list(settings.DOCUMENTS_SENSITIVE_TYPES)
    if not sensitive_types:
        return documents
    if user.is_administrator:
        return documents.exclude(doc_type__in=sensitive_types)
    restricted_cases, restricted_children = restricted_record_ids(user)
    if restricted_cases or restricted_children:
        documents = documents.exclude(
            Q(doc_type__in=sensitive_types) & (Q(case_id__in=restricted_cases) | Q(child_id__in=restricted_children))
        )
    return documents


def documents_visible_to(user: User) -> QuerySet[Document]:
    """Every document the user may see. At national scale this gathers the documents of every visible
    case, child and family; a page about one record uses ``documents_of_record`` instead."""
    if not user.is_authenticated or user.is_analyst:
        return Document.objects.none()
    if user.is_administrator:
        return _without_hidden_sensitive(user, Document.objects.all()).select_related("uploaded_by")
    # Three index lookups joined by UNION ALL: an OR of three subqueries would scan every document.
    ids = (
        Document.objects.filter(case__in=cases_visible_to(user).values("pk").order_by()).values("pk").order_by()
        .union(
            Document.objects.filter(child__in=children_visible_to(user).values("pk").order_by()).values("pk").order_by(),
            Document.objects.filter(family__in=families_visible_to(user).values("pk").order_by()).values("pk").order_by(),
            all=True,
        )
    )
    return _without_hidden_sensitive(user, Document.objects.filter(pk__in=ids)).select_related("uploaded_by")


def record_visible_to(user: User, *, case_id: int | None = None, child_id: int | None = None, family_id: int | None = None) -> bool:
    """Whether the one record a document hangs from is visible: one small query, not the whole visible set."""
    if not user.is_authenticated or user.is_analyst:
        return False
    if case_id is not None:
        return cases_visible_to(user).filter(pk=case_id).exists()
    if child_id is not None:
        return children_visible_to(user).filter(pk=child_id).exists()
    if family_id is not None:
        return families_visible_to(user).filter(pk=family_id).exists()
    return False


def documents_of_record(
    user: User, *, case_id: int | None = None, child_id: int | None = None, family_id: int | None = None,
    visible: bool | None = None, sensitive: bool | None = None,
) -> QuerySet[Document]:
    """The documents of one case, child or family, when the user may see that record (else none).

    A page that has already decided it passes what it knows, saving the lookups: ``visible`` (the
    record is visible to the user) and, for a case or a child, ``sensitive`` (the user holds
    view_sensitive on the case, or on one of the child's cases); without it, the documents of a
    sensitive type are left out, as restricted_record_ids does for the records seen through a grant."""
    if visible is None:
        visible = record_visible_to(user, case_id=case_id, child_id=child_id, family_id=family_id)
    if not visible:
        return Document.objects.none()
    field, value = next((f, v) for f, v in (("case_id", case_id), ("child_id", child_id), ("family_id", family_id)) if v is not None)
    documents = Document.objects.filter(**{field: value})
    if family_id is not None and visible is True and not user.is_administrator:
        # A family's documents hang from no case or child (document_attached_to_exactly_one_record):
        # restricted_record_ids would hide none of them.
        pass
    elif sensitive is None or family_id is not None or user.is_administrator:
        documents = _without_hidden_sensitive(user, documents)
    elif not sensitive and settings.DOCUMENTS_SENSITIVE_TYPES:
        documents = documents.exclude(doc_type__in=list(settings.DOCUMENTS_SENSITIVE_TYPES))
    return documents.select_related("uploaded_by")


def document_for(user: User, pk: int) -> Document | None:
    """One document, if the user may see it (the check looks at its own record only)."""
    document = Document.objects.filter(pk=pk).values("case_id", "child_id", "family_id").first()
    if document is None:
        return None
    return documents_of_record(user, **document).filter(pk=pk).first()


def documents_of_child(child_id: int) -> QuerySet[Document]:
    """Every document of a child's file: the child's own, its cases', and those of the families it was placed with."""
    from cases.models import Placement

    # Three index lookups joined by UNION ALL (an OR across the joins scanned every document: over a
    # second of the case-file PDF at national scale, bench/bench_case_file_pdf.py).
    ids = (
        Document.objects.filter(child_id=child_id).values("pk").order_by()
        .union(
            Document.objects.filter(case__child_id=child_id).values("pk").order_by(),
            Document.objects.filter(family__in=Placement.objects.filter(child_id=child_id).values("family_id").order_by())
            .values("pk").order_by(),
            all=True,
        )
    )
    return Document.objects.filter(pk__in=ids).order_by("document_date", "id")


def documents_expiring(within_days: int, *, today: dt.date | None = None) -> QuerySet[Document]:
    """Documents whose expiry falls from today to ``within_days`` ahead (inclusive), soonest first."""
    today = today or timezone.localdate()
    return (
        Document.objects.filter(expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=within_days))
        .select_related("child", "family", "case")
        .order_by("expires_on", "id")
    )


def may_add_document(user: User, *, case_id: int | None = None, child_id: int | None = None, family_id: int | None = None) -> bool:
    """Whether the user may add a document to this record: to a case's or a child's file only if
    they may change the case (a view-only share or an administrator may not); to a family's if they
    see the family and work on cases (not an administrator or analyst)."""
    from access.selectors import cases_editable_by, families_visible_to

    if not user.is_authenticated or user.is_analyst or user.is_administrator:
        return False
    if case_id is not None:
        return cases_editable_by(user).filter(pk=case_id).exists()
    if child_id is not None:
        return cases_editable_by(user).filter(child_id=child_id).exists()
    if family_id is not None:
        return families_visible_to(user).filter(pk=family_id).exists()
    return False


def may_export_case_file(user: User, child: "Child") -> bool:
    """True when the user sees every case of the child, sensitive fields included."""
    case_ids = list(Case.objects.filter(child=child).values_list("pk", flat=True))
    if not case_ids:
        return False
    visible = set(cases_visible_to(user).filter(pk__in=case_ids).values_list("pk", flat=True))
    return visible == set(case_ids) and sensitive_case_ids(user, case_ids) == set(case_ids)


def case_file_url(user: User, child: "Child") -> str | None:
    """The address of the child's case-file PDF for the pages' link, when the export would give it
    to ``user`` (ChildCaseFileExportView's checks: no analyst, every case of the child with its
    sensitive fields), else None. The pages show the child already, so it is visible to the user."""
    if user.is_analyst or not may_export_case_file(user, child):
        return None
    return reverse("child-case-file-export", args=[child.pk])
