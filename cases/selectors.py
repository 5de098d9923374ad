"""Reads of cases and placements, filtered for the user and joined for what the API shows."""

from django.db.models import Prefetch, QuerySet

from access.selectors import cases_visible_to, placements_visible_to
from accounts.models import User
from cases.models import Case, CaseNote, DecisionReview, Placement, StageChange


def case_list(*, user: User) -> QuerySet[Case]:
    return cases_visible_to(user).select_related("child", "responsible_unit", "assigned_worker", "decision_family")


def case_api_list(*, user: User) -> QuerySet[Case]:
    """The visible cases joined to what the API shows of them: the child (the unit, workers and
    family are shown as ids)."""
    return cases_visible_to(user).select_related("child")


def case_detail_queryset(*, user: User, reviews: bool = True) -> QuerySet[Case]:
    """The visible cases with what a case's page shows; ``reviews=False`` (the API's detail) leaves
    out the decision reviews and the joins of records the API shows as ids."""
    base = case_list(user=user) if reviews else case_api_list(user=user)
    queryset = base.prefetch_related(
        Prefetch("stage_changes", queryset=StageChange.objects.select_related("actor").order_by("changed_at", "id")),
        "sibling_separation_decisions",
    )
    if reviews:
        queryset = queryset.prefetch_related(
            Prefetch("decision_reviews", queryset=DecisionReview.objects.select_related("actor").order_by("reviewed_at", "id")),
        )
    return queryset


def placement_list(*, user: User) -> QuerySet[Placement]:
    return placements_visible_to(user).select_related("case", "child", "family", "home_before")


def case_as_written(pk: int) -> Case:
    """The case with what its detail shows, whoever sees it now: for answering a write that
    committed while its author could change the case (a transfer right after may hide it). The
    serializer, given no request, leaves the sensitive fields out."""
    return (
        Case.objects.select_related("child", "responsible_unit", "assigned_worker", "decision_family")
        .prefetch_related(
            Prefetch("stage_changes", queryset=StageChange.objects.select_related("actor").order_by("changed_at", "id")),
            "sibling_separation_decisions",
        )
        .get(pk=pk)
    )


def case_notes(*, case: Case, sensitive: bool) -> QuerySet[CaseNote]:
    """The notes of a case the caller has shown to the user, newest first; the sensitive ones only
    when the user holds view_sensitive on the case (``sensitive``)."""
    notes = CaseNote.objects.filter(case=case).select_related("author").order_by("-written_on", "-id")
    return notes if sensitive else notes.filter(sensitive=False)
