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


def case_detail_rows(case_id: int) -> tuple[list[tuple], list[tuple]]:
    """The stage history and the sibling-separation decisions of one case in one hand-written query
    (the API's detail; the ORM's two prefetches cost more to build than to run): ``([(from_stage,
    to_stage, reason, actor's username or None, changed_at)], [(id, reason, decided_by_id,
    decided_at)])``, each in the order the case's page shows (history oldest first, decisions newest
    first, as the models' orderings)."""
    from django.db import connections, router

    from cases.models import SiblingSeparationDecision

    sql = f"""
        SELECT 0, s.from_stage, s.to_stage, s.reason, u.username, s.changed_at, NULL::bigint, NULL::bigint, s.id
        FROM {StageChange._meta.db_table} s LEFT JOIN {User._meta.db_table} u ON u.id = s.actor_id
        WHERE s.case_id = %(case)s
        UNION ALL
        SELECT 1, NULL, NULL, d.reason, NULL, d.decided_at, d.id, d.decided_by_id, -d.id
        FROM {SiblingSeparationDecision._meta.db_table} d WHERE d.case_id = %(case)s
        ORDER BY 1, 6, 9
    """
    with connections[router.db_for_read(StageChange)].cursor() as cursor:
        cursor.execute(sql, {"case": case_id})
        rows = cursor.fetchall()
    history = [(r[1], r[2], r[3], r[4], r[5]) for r in rows if r[0] == 0]
    decisions = [(r[6], r[3], r[7], r[5]) for r in rows if r[0] == 1][::-1]
    return history, decisions


def case_detail_queryset(*, user: User) -> QuerySet[Case]:
    return case_list(user=user).prefetch_related(
        Prefetch("stage_changes", queryset=StageChange.objects.select_related("actor").order_by("changed_at", "id")),
        "sibling_separation_decisions",
        Prefetch("decision_reviews", queryset=DecisionReview.objects.select_related("actor").order_by("reviewed_at", "id")),
    )


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
