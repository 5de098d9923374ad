"""Reads the pages need beyond the owning apps' selectors. Every one starts from a queryset of
access.selectors (through cases.selectors), so a page never shows a row its user may not see."""

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections, router
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Concat, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.models import VIEW_SENSITIVE
from access.selectors import (
    case_scope_sql,
    cases_supervised_by,
    cases_visible_to,
    granted_case_ids_sql,
    placements_visible_to,
    sensitive_case_condition,
    unit_ids_for,
)
from accounts.models import User
from cases.models import Case, DecisionReview, DecisionStatus, EndReason, Placement, Stage, StageChange
from cases.selectors import case_list
from children.selectors import search_children, search_matches_first
from core.db import prepared_cursor
from families.models import Applicant, ApprovalDecision, ApprovalStatus, Family
from risk.models import PlacementRisk, RiskPolicy
from risk.selectors import SENSITIVE_FACTORS, forcing_factors, seen_risk
from visits.models import Visit
from visits.selectors import SUPERSEDED_SQL, mark_superseded, still_to_do


def _pending_visits() -> QuerySet[Visit]:
    """Visits still to do on the case's active placement (correlated on the outer case): not done and
    not superseded by a later visit done (missed, see visits.selectors.superseded)."""
    return Visit.objects.filter(still_to_do(), placement__case=OuterRef("pk"), placement__ended_on__isnull=True)


# Orders of "My cases". "recent" sorts on the case's own columns, so PostgreSQL computes the
# per-row subqueries for the page's 50 rows only; "visit" sorts on them, which costs a pass over all
# the user's cases (fine for a worker's caseload, slow for a region: see bench/README.md).
ORDERINGS = {
    "recent": ("-stage_entered_at", "-id"),
    "visit": (F("has_overdue").desc(nulls_last=True), F("next_visit_on").asc(nulls_last=True), "-stage_entered_at", "-id"),
}


def my_cases(*, user: User, q: str = "", stage: str = "", risk: str = "", overdue: bool = False, order: str = "recent",
             today: dt.date | None = None, worker: User | None = None, open_only: bool = False,
             needs_worker: bool = False) -> QuerySet[Case]:
    """The user's visible cases with the next visit date, an overdue flag and the risk band of the
    active placement, all as subqueries of one statement (a page costs one query plus the count).
    ``worker`` narrows them to one worker's caseload, ``open_only`` to cases not closed and
    ``needs_worker`` to open cases without an active worker (see cases_needing_a_worker)."""
    today = today or timezone.localdate()
    active_risk = PlacementRisk.objects.filter(placement__case=OuterRef("pk"), placement__ended_on__isnull=True)
    # The risk as the user may see it (risk.selectors.seen_risk): without view_sensitive on a case,
    # the band and score of the factors they see, so neither the badge nor the filter reveals a
    # sensitive factor.
    risk_score, risk_band = _seen_risk(
        user, "", score=Subquery(active_risk.values("score")[:1]), band=Subquery(active_risk.values("band")[:1]),
        factors=Subquery(active_risk.values("factors")[:1]),
    )
    # The page shows the child and the worker; the unit and the decision's family are not joined.
    qs = cases_visible_to(user).select_related("child", "assigned_worker").annotate(
        next_visit_on=Subquery(_pending_visits().order_by("planned_on").values("planned_on")[:1]),
        risk_band=risk_band,
        risk_score=risk_score,
    ).annotate(
        # The earliest visit still to do is overdue exactly when some visit is (a visit superseded by
        # a later one done is missed, not overdue, so it is not among them). (An EXISTS here was
        # planned as one hashed pass over every overdue visit in the country: seconds at scale.)
        has_overdue=ExpressionWrapper(Q(next_visit_on__lt=today), output_field=BooleanField()),
    )
    # Part of the child's name in any script, part of the IIN, or the case's number.
    qs = search_children(qs, q, path="child", number_field="pk", matches_first=search_matches_first(user))
    if stage:
        qs = qs.filter(stage=stage)
    if risk:
        qs = qs.filter(risk_band=risk)
    if overdue:
        qs = qs.filter(next_visit_on__lt=today)
    if worker is not None:
        qs = qs.filter(assigned_worker_id=worker.pk)
    if open_only or needs_worker:
        qs = qs.exclude(stage=Stage.CLOSED)
    if needs_worker:
        inactive = list(User.objects.filter(unit_id__in=unit_ids_for(user), is_active=False).values_list("pk", flat=True))
        qs = qs.filter(Q(assigned_worker_id__in=inactive) | Q(assigned_worker__isnull=True))
    return qs.order_by(*ORDERINGS.get(order, ORDERINGS["recent"]))


class CaseRow(NamedTuple):
    """One row of "My cases", as case_list_page reads it: the case, its child's name and birth date,
    the next visit still to do on the active placement (``has_overdue``: it is before today; None
    without one), the risk as the user may see it (risk.selectors.seen_risk), the assigned worker
    (None without one)."""

    pk: int
    last_name: str
    first_name: str
    birth_date: dt.date | None
    stage: str
    next_visit_on: dt.date | None
    has_overdue: bool | None
    risk_band: str | None
    risk_score: int | None
    worker: "WorkerName | None"


class WorkerName(NamedTuple):
    """What the case list shows of a worker (web_tags.person's name, and whether deactivated)."""

    pk: int
    first_name: str
    last_name: str
    username: str
    is_active: bool

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()  # as AbstractUser.get_full_name


@dataclass(frozen=True)
class CaseListPage:
    """A page of "My cases": the rows, the number of cases in all the pages, the page's number (the
    last page when the one asked for is past it, as Paginator.get_page) and the user's unread
    notifications (None when not asked for)."""

    rows: list[CaseRow]
    total: int
    number: int
    unread: int | None


# The orders of my_cases in SQL over the columns of case_list_page's rows ({t}: their table's alias).
_SQL_ORDERS = {
    "recent": "{t}stage_entered_at DESC, {t}id DESC",
    "visit": ("({t}next_visit_on < %(today)s) DESC NULLS LAST, {t}next_visit_on ASC NULLS LAST, "
              "{t}stage_entered_at DESC, {t}id DESC"),
}


# The computed columns of case_list_page's statement (``v``: the case's row with ``sensitive``).
_RISK_JOIN = """
          LEFT JOIN LATERAL (
            SELECT pr.band, pr.score, pr.factors FROM risk_placementrisk pr JOIN cases_placement p ON p.id = pr.placement_id
            WHERE p.case_id = v.id AND p.ended_on IS NULL LIMIT 1) r ON TRUE
          LEFT JOIN LATERAL (
            SELECT sum((x ->> 'contribution')::int) FILTER (WHERE x ->> 'factor' = ANY(%(sensitive_factors)s)) AS hidden,
                   sum((x ->> 'contribution')::int) FILTER (WHERE x ->> 'factor' = ANY((SELECT forcing FROM facts)::text[])) AS forced
            FROM jsonb_array_elements(CASE WHEN v.sensitive THEN NULL ELSE r.factors END) x) h ON TRUE"""
_SEEN_BAND = """CASE WHEN h.hidden IS NULL THEN r.band
               WHEN h.forced IS NOT NULL THEN 'high'
               WHEN r.score - h.hidden >= (SELECT high_from FROM facts) THEN 'high'
               WHEN r.score - h.hidden >= (SELECT medium_from FROM facts) THEN 'medium'
               ELSE 'low' END"""
_RISK_COLUMNS = f""",
          CASE WHEN h.hidden IS NULL THEN r.score ELSE r.score - h.hidden END AS risk_score,
          {_SEEN_BAND} AS risk_band"""
_VISIT_JOIN = f"""
          LEFT JOIN LATERAL (
            SELECT x.planned_on FROM visits_visit x JOIN cases_placement p ON p.id = x.placement_id
            WHERE p.case_id = v.id AND p.ended_on IS NULL AND x.done_on IS NULL AND NOT {SUPERSEDED_SQL.format(v="x")}
            ORDER BY x.planned_on LIMIT 1) nv ON TRUE"""
_VISIT_COLUMNS = ", nv.planned_on AS next_visit_on"


def _with_risk(source: str, where: str = "") -> str:
    return f"SELECT v.*{_RISK_COLUMNS}\n          FROM {source} v{_RISK_JOIN}{where}"


def _with_visit(source: str, where: str = "") -> str:
    return f"SELECT v.*{_VISIT_COLUMNS}\n          FROM {source} v{_VISIT_JOIN}{where}"


@functools.cache
def _case_list_sql(*, own: str, grants: bool, order: str, where: str, risk: bool, overdue: bool, unread: bool) -> str:
    """The statement of case_list_page for one shape: one row per case of the page, the total (and
    the unread notifications) on every row; on an empty page one row of NULLs beside them.

    - ``visible``: the user's cases as two disjoint branches, their own (``own``: a condition on
      ``c``) and, with ``grants``, those granted and not their own, each with ``sensitive``
      (view_sensitive on it), as access.selectors.CaseScopeSQL says. The grants, the risk policy and
      the forcing factors are read inside the statement (``facts``, once), so nothing is looked up
      first; the own branch is the bare indexed condition, so the first page of the usual order is
      an ordered index scan (its first rows merged with the granted cases' first ones). ``where``:
      the filters on the case's own columns (" AND ..."), in both branches.
    - The computed columns: the risk as the user may see it (risk.selectors.seen_risk: without
      view_sensitive, the score less the sensitive factors' points and the band of that score, high
      if a factor the user sees forces it) and the next visit still to do on the active placement
      (the earliest not done and not superseded: visits.selectors.still_to_do). ``risk`` and
      ``overdue``: filters on them (``%(risk)s``, before ``%(today)s``), applied in that order, each
      column computed only for the rows still in.
    - With such filters the rows left (``filtered``) are computed once for the count and the page;
      without, the count adds each branch's bare count (disjoint branches), and the page in the usual order is sorted and cut
      first, its 50 rows then get their columns.
    """
    columns = "c.id, c.child_id, c.stage, c.stage_entered_at, c.assigned_worker_id"
    conditions = [f"({own}){where}"]
    branches = [f"SELECT {columns}, %(own_sensitive)s AS sensitive FROM cases_case c WHERE {conditions[0]}"]
    if grants:
        conditions.append(f"c.id = ANY((SELECT seen FROM facts)::bigint[]) AND ({own}) IS NOT TRUE{where}")
        branches.append(f"SELECT {columns}, c.id = ANY((SELECT sensitive FROM facts)::bigint[]) AS sensitive FROM cases_case c "
                        f"WHERE {conditions[1]}")
    visible = "\n          UNION ALL\n          ".join(branches)
    cut = f"ORDER BY {_SQL_ORDERS[order].format(t='')} LIMIT %(limit)s OFFSET %(offset)s"
    filtered = ""
    if risk or overdue:
        # The rows left by the filters on computed columns, computed once for the count and the page.
        rows = _with_risk("visible", f"\n          WHERE {_SEEN_BAND} = %(risk)s" if risk else "")
        if overdue:
            rows = _with_visit(f"({rows})", " WHERE nv.planned_on < %(today)s")
        filtered = f"filtered AS MATERIALIZED (\n          {rows}\n        ),"
        total = "(SELECT count(*) FROM filtered)"
        if overdue:
            page = f"SELECT * FROM filtered {cut}"
        elif order == "recent":
            page = _with_visit(f"(SELECT * FROM filtered {cut})")
        else:
            page = f"SELECT * FROM ({_with_visit('filtered')}) w {cut}"
    else:
        # The branches are disjoint: their counts added, each a bare count on its own condition (an
        # index-only scan for a region's cases; counting the union's rows projected each of a
        # region's 95,711 cases first: ~3 ms more, bench/README.md).
        total = " + ".join(f"(SELECT count(*) FROM cases_case c WHERE {condition})" for condition in conditions)
        if order == "recent":
            # Each branch sorted and cut on its own index, then merged: PostgreSQL would otherwise read
            # and sort every visible case (a merged append needs fully sorted branches, and the caseload
            # index is sorted on the stage date only).
            keys = _SQL_ORDERS[order].format(t="")
            firsts = "\n          UNION ALL\n          ".join(
                f"({branch} ORDER BY {keys} LIMIT %(limit)s + %(offset)s)" for branch in branches)
            page = _with_visit(f"({_with_risk(f'(SELECT * FROM ({firsts}) f {cut})')})")
        else:
            with_risk = _with_risk("visible")
            page = f"SELECT * FROM ({_with_visit(f'({with_risk})')}) w {cut}"
    unread_sql = ("(SELECT count(*) FROM notifications_notification n WHERE n.recipient_id = %(user)s AND n.read_at IS NULL)"
                  if unread else "NULL::bigint")
    return f"""
        WITH facts AS MATERIALIZED (
          SELECT ARRAY({granted_case_ids_sql("%(grant_view)s")}) AS seen,
                 ARRAY({granted_case_ids_sql("%(grant_sensitive)s")}) AS sensitive,
                 COALESCE((SELECT high_from FROM risk_riskpolicy WHERE id = 1), %(high_from)s) AS high_from,
                 COALESCE((SELECT medium_from FROM risk_riskpolicy WHERE id = 1), %(medium_from)s) AS medium_from,
                 ARRAY(SELECT factor FROM risk_riskfactorweight WHERE enabled AND weight > 0 AND sets_high
                       AND factor <> ALL(%(sensitive_factors)s)) AS forcing
        ),
        visible AS NOT MATERIALIZED (
          {visible}
        ),{filtered}
        page AS MATERIALIZED (
          {page}
        )
        SELECT t.total, t.unread, page.id, ch.last_name, ch.first_name, ch.birth_date, page.stage,
               page.next_visit_on, page.risk_band, page.risk_score,
               w.id, w.first_name, w.last_name, w.username, w.is_active
        FROM (SELECT {total} AS total, {unread_sql} AS unread) t
        LEFT JOIN page ON TRUE
        LEFT JOIN LATERAL (SELECT ch.last_name, ch.first_name, ch.birth_date FROM children_child ch
                           WHERE ch.id = page.child_id) ch ON TRUE
        LEFT JOIN LATERAL (SELECT w.id, w.first_name, w.last_name, w.username, w.is_active FROM accounts_user w
                           WHERE w.id = page.assigned_worker_id) w ON TRUE
        ORDER BY {_SQL_ORDERS[order].format(t="page.")}
    """


# The largest OFFSET asked of PostgreSQL (a bigint; no list comes near it).
MAX_OFFSET = 2**62


def case_list_page(*, user: User, page: object = 1, per_page: int, stage: str = "", risk: str = "",
                   overdue: bool = False, order: str = "recent", worker: User | None = None, open_only: bool = False,
                   unread: bool = False, today: dt.date | None = None) -> CaseListPage | None:
    """A page of my_cases (the same rows, in the same order, for these filters) in one statement
    (_case_list_sql), with the total and, with ``unread``, the user's unread notifications: what the
    "My cases" page shows, without building the ORM query (most of the page's time at national
    scale: bench/README.md). ``page`` as the request gives it: not a number is the first page, one
    past the last or below 1 the last (Paginator.get_page), which then costs a second statement.
    None for a user this does not cover (the caller uses my_cases): one who sees no case."""
    scope = case_scope_sql(user)
    if scope is None:
        return None
    today = today or timezone.localdate()
    order = order if order in _SQL_ORDERS else "recent"
    where = []
    params = {
        **scope.params, "user": user.pk, "today": today, "own_sensitive": scope.own_sensitive,
        "grant_view": "view_case", "grant_sensitive": VIEW_SENSITIVE, "sensitive_factors": sorted(SENSITIVE_FACTORS),
        "high_from": RiskPolicy._meta.get_field("high_from").default,
        "medium_from": RiskPolicy._meta.get_field("medium_from").default,
    }
    if stage:
        where.append(" AND c.stage = %(stage)s")
        params["stage"] = stage
    if worker is not None:
        where.append(" AND c.assigned_worker_id = %(worker)s")
        params["worker"] = worker.pk
    if open_only:
        where.append(" AND c.stage <> %(closed)s")
        params["closed"] = Stage.CLOSED
    if risk:
        params["risk"] = risk
    sql = _case_list_sql(own=scope.own, grants=scope.grants, order=order, where="".join(where), risk=bool(risk),
                         overdue=overdue, unread=unread)
    try:
        number = int(str(page))
    except ValueError:
        number = 1
    # Prepared once per connection and shape (core.db): parsing and planning this statement cost
    # about as much as running it.
    with prepared_cursor(router.db_for_read(Case)) as cursor:
        # A number past PostgreSQL's bigint (?page=99999999999999999999) is past the last page too, not an error.
        offset = min(max(number - 1, 0) * per_page, MAX_OFFSET)
        cursor.execute(sql, {**params, "limit": per_page, "offset": offset})
        result = cursor.fetchall()
        total = result[0][0]
        last = max(1, -(-total // per_page))
        if number < 1 or number > last:
            number = last
            cursor.execute(sql, {**params, "limit": per_page, "offset": (number - 1) * per_page})
            result = cursor.fetchall()
    rows = [
        CaseRow(pk, last_name, first_name, birth_date, stage_, next_visit_on,
                None if next_visit_on is None else next_visit_on < today, band, score,
                None if worker_id is None else WorkerName(worker_id, w_first, w_last, w_username, w_active))
        for (_total, _unread, pk, last_name, first_name, birth_date, stage_, next_visit_on, band, score,
             worker_id, w_first, w_last, w_username, w_active) in result if pk is not None
    ]
    return CaseListPage(rows=rows, total=total, number=number, unread=result[0][1])


def case_rows(cases: Iterable[Case]) -> list[CaseRow]:
    """my_cases' cases as case_list_page's rows."""
    return [
        CaseRow(case.pk, case.child.last_name, case.child.first_name, case.child.birth_date, case.stage,
                case.next_visit_on, case.has_overdue, case.risk_band, case.risk_score,
                None if case.assigned_worker is None else WorkerName(
                    case.assigned_worker.pk, case.assigned_worker.first_name, case.assigned_worker.last_name,
                    case.assigned_worker.username, case.assigned_worker.is_active))
        for case in cases
    ]


def _seen_risk(user: User, case_path: str, *, score: Any, band: Any, factors: Any) -> tuple[Any, Any]:
    """risk.selectors.seen_risk for this user's rows (their case reached through ``case_path``);
    the policy and the forcing factors are read only when some visible case lacks view_sensitive."""
    sensitive = sensitive_case_condition(user, case_path)
    if sensitive is None:
        return score, band
    return seen_risk(score=score, band=band, factors=factors, sensitive=sensitive,
                     policy=RiskPolicy.objects.filter(pk=1).first(), forcing=forcing_factors())


def visible_case_or_none(*, user: User, pk: int) -> Case | None:
    """The case ``pk`` for a record page, None when there is none or the user does not see it: with
    its child, unit (and the unit's parent: the page writes "region → district"), worker and the
    decision's family, what the user may do with it (``may_change``, ``may_view_sensitive``, read by
    web.sensitive.can_change and can_view_sensitive) and, once it is known to be visible, its stage
    changes and decision reviews with their actors (the timeline). The rights are decided on the row
    (access.selectors.case_row_rights: the user's own case costs no query), not by filtering through
    the visibility and rights querysets, whose building was a third of the case page's time."""
    case = _case_with_rights(
        user, Case.objects.select_related("child", "responsible_unit__parent", "assigned_worker", "decision_family"), pk)
    if case is None:
        return None
    prefetch_related_objects(
        [case],
        Prefetch("stage_changes", queryset=StageChange.objects.select_related("actor").order_by("changed_at", "id")),
        Prefetch("decision_reviews", queryset=DecisionReview.objects.select_related("actor").order_by("reviewed_at", "id")),
    )
    return case


def visible_case_with_child_or_none(*, user: User, pk: int) -> Case | None:
    """The case ``pk`` with its child and what the user may do with it, as visible_case_or_none
    decides them (access.selectors.case_row_rights), None when the user does not see it; without
    the stage changes and decision reviews: for a page about the case that shows none of its
    history (the matching page)."""
    return _case_with_rights(user, Case.objects.select_related("child"), pk)


def _case_with_rights(user: User, cases: QuerySet[Case], pk: int) -> Case | None:
    """The case ``pk`` read from ``cases``, None when there is none or ``user`` does not see it;
    otherwise with ``may_change``, ``may_view_sensitive`` and ``rights_of`` set from
    access.selectors.case_row_rights (the user's own case costs no query, any other one)."""
    from access.selectors import case_row_rights

    case = cases.filter(pk=pk).first()
    if case is None:
        return None
    rights = case_row_rights(user, case_id=case.pk, assigned_worker_id=case.assigned_worker_id,
                             responsible_unit_id=case.responsible_unit_id)
    if not rights.visible:
        return None
    case.may_change, case.may_view_sensitive = rights.change, rights.sensitive
    case.rights_of = user.pk  # whose rights these are (web.sensitive)
    return case


def case_placements(case: Case) -> list[Placement]:
    return list(
        case.placements.select_related("family", "home_before", "risk")
        .prefetch_related("family__applicants")
        .order_by("-started_on", "-id")
    )


def placement_visits(placements: list[Placement]) -> dict[int, list[Visit]]:
    visits: dict[int, list[Visit]] = {p.pk: [] for p in placements}
    loaded = list(Visit.objects.filter(placement__in=[p.pk for p in placements]).select_related("worker").order_by("planned_on", "id"))
    # Each with ``superseded``: a visit not done followed by a later one done is missed, not overdue.
    mark_superseded(loaded)
    for visit in loaded:
        visits[visit.placement_id].append(visit)
    return visits


# ---- supervisor's unit ------------------------------------------------------------------------


# The oldest overdue visits of the active placements in sight, found placement by placement (an
# index probe each, OFFSET 0 keeps the planner from flattening the LATERAL). Walking the country's
# pending visits in date order instead, until enough belonged to a region's active placements, took
# 0.45 s for a regional supervisor at national scale (most old pending visits are of ended ones).
OLDEST_OVERDUE_SQL = """
    WITH mine AS MATERIALIZED ({placements})
    SELECT v.id FROM mine
    CROSS JOIN LATERAL (SELECT x.id, x.planned_on FROM visits_visit x
                        WHERE x.placement_id = mine.id AND x.done_on IS NULL AND x.planned_on < %s
                              AND NOT {superseded} OFFSET 0) v
    ORDER BY v.planned_on, v.id LIMIT %s
"""


OVERDUE_RELATED = ("placement__child", "placement__case__assigned_worker")
# The fields of those the dashboard's overdue list shows (web.figures_html); others are deferred.
OVERDUE_SHOWN = ("id", "planned_on", "placement__case__responsible_unit_id", "placement__child__last_name",
                 "placement__child__first_name", "placement__case__assigned_worker__first_name",
                 "placement__case__assigned_worker__last_name", "placement__case__assigned_worker__username",
                 "placement__case__assigned_worker__is_active")
# The same for the dashboard's high-risk list: the placement's case and child, the worker, since when.
HIGH_SHOWN = ("placement_id", "high_since", "placement__case__responsible_unit_id", "placement__child__last_name",
              "placement__child__first_name", "placement__case__assigned_worker__first_name",
              "placement__case__assigned_worker__last_name", "placement__case__assigned_worker__username",
              "placement__case__assigned_worker__is_active")


def overdue_visits(*, user: User, limit: int, today: dt.date | None = None,
                   case_ids: list[int] | None = None) -> list[Visit]:
    """The ``limit`` oldest visits not done and planned before today, on active placements the user
    sees (of the cases ``case_ids`` only, when given), less those superseded by a later visit done
    (missed, not overdue: visits.selectors.superseded)."""
    today = today or timezone.localdate()
    related = OVERDUE_RELATED
    pending = Visit.objects.filter(still_to_do(), planned_on__lt=today).select_related(*related).order_by("planned_on", "id")
    visible = placements_visible_to(user).filter(ended_on__isnull=True)
    if case_ids is not None:
        visible = visible.filter(case_id__in=case_ids)
    # The whole country: overdue visits are dense in date order, the plain query finds them at once.
    if user.is_administrator:
        return list(pending.filter(placement__in=visible.values("pk"))[:limit])
    placements, params = visible.values("id").order_by().query.sql_with_params()
    # On the replica inside replica_reads() (the supervisor's dashboard), as the ORM reads would be.
    with connections[router.db_for_read(Visit)].cursor() as cursor:
        cursor.execute(OLDEST_OVERDUE_SQL.format(placements=placements, superseded=SUPERSEDED_SQL.format(v="x")), [*params, today, limit])
        ids = [row[0] for row in cursor.fetchall()]
    return list(Visit.objects.filter(pk__in=ids).select_related(*related).order_by("planned_on", "id")) if ids else []


def _risks_as_seen(user: User, risks: QuerySet[PlacementRisk]) -> QuerySet[PlacementRisk]:
    """The risks with ``seen_score`` and ``seen_band``: as the user may see them (risk.selectors.seen_risk)."""
    score, band = _seen_risk(user, "placement__case__", score=F("score"), band=F("band"), factors=F("factors"))
    return risks.annotate(seen_score=score, seen_band=band)


def visits_by_ids(*, user: User, ids: list[int]) -> list[Visit]:
    """These visits (the dashboard's precomputed oldest overdue: web.figures) as overdue_visits
    gives them, in date order, less any whose case the user no longer sees."""
    visible = placements_visible_to(user).values("pk")
    # Only what the dashboard's list shows (the date, the case, the child's and the worker's names):
    # decoding every column of the four joined models was most of a cold page's ~20 ms here.
    return list(Visit.objects.filter(pk__in=ids, placement__in=visible).select_related(*OVERDUE_RELATED)
                .only(*OVERDUE_SHOWN).order_by("planned_on", "id"))


def high_risk_placements(*, user: User, case_ids: list[int] | None = None,
                         placement_ids: list[int] | None = None) -> QuerySet[PlacementRisk]:
    """Active placements the user sees whose risk, as the user may see it, is high; highest first.
    ``case_ids`` or ``placement_ids`` narrow them to those cases or placements."""
    active = placements_visible_to(user).filter(ended_on__isnull=True)
    if case_ids is not None:
        active = active.filter(case_id__in=case_ids)
    risks = PlacementRisk.objects.filter(band="high", placement__in=active.values("pk"))
    if placement_ids is not None:
        risks = risks.filter(placement_id__in=placement_ids)
    return (
        _risks_as_seen(user, risks).filter(seen_band="high")
        .select_related("placement__child", "placement__case__assigned_worker", "placement__family")
        .order_by("-seen_score", "placement_id")
    )


def decisions_waiting(*, user: User) -> QuerySet[Case]:
    return case_list(user=user).filter(stage=Stage.DECISION, decision_status=DecisionStatus.PENDING).order_by("stage_entered_at", "id")


def first_decisions_waiting(*, user: User, limit: int) -> list[Case]:
    """The ``limit`` oldest of decisions_waiting, in one query, with the case's number, dates, form of
    care, family id and version, the child's and the worker's names loaded (other fields are
    deferred: read one more query each). The page's ids are chosen on the case
    table alone, then joined (a region has thousands of pending decisions: joining every one to its
    child, worker, unit and family before sorting took tens of milliseconds at national scale)."""
    first = decisions_waiting(user=user).select_related(None).values("pk")[:limit]
    # Only what the dashboard's table and its forms show: case_list's five joined models with every
    # column took two thirds of this call's time to build (~10 of 15 ms for 50 cases at national scale).
    return list(
        case_list(user=user).filter(pk__in=first).select_related(None).select_related("child", "assigned_worker")
        .only("id", "stage_entered_at", "form_of_care", "decision_family_id", "version", "responsible_unit_id",
              "child__last_name", "child__first_name", "assigned_worker__first_name", "assigned_worker__last_name",
              "assigned_worker__username")
        .order_by("stage_entered_at", "id")
    )


def caseload(*, user: User, today: dt.date | None = None, case_ids: list[int] | None = None) -> list[dict]:
    """Per assigned worker of the open cases the user sees, busiest first: open cases, placed, at
    decision, overdue visits (not done, planned before today, of an active placement: a visit of an
    ended placement is cancelled, not overdue; nor superseded by a later visit done: that one is
    missed) and active placements at high risk. Rows are dicts with
    ``worker`` (a User or None for unassigned cases) and the counts; ``case_ids`` narrows them to
    those cases. Three grouped queries and one for the workers, whatever the number of cases."""
    today = today or timezone.localdate()
    visible = cases_visible_to(user).exclude(stage=Stage.CLOSED)
    if case_ids is not None:
        visible = visible.filter(pk__in=case_ids)
    rows = list(
        visible.values("assigned_worker_id")
        .annotate(
            open_cases=Count("id"),
            placed=Count("id", filter=Q(stage=Stage.PLACED)),
            waiting=Count("id", filter=Q(stage=Stage.DECISION)),
        )
        .order_by()
    )
    active = Placement.objects.filter(ended_on__isnull=True, case__in=visible.values("pk").order_by())
    overdue = dict(
        Visit.objects.filter(still_to_do(), planned_on__lt=today, placement__in=active.values("pk"))
        .values("placement__case__assigned_worker_id").annotate(n=Count("id")).order_by()
        .values_list("placement__case__assigned_worker_id", "n")
    )
    high = dict(
        _risks_as_seen(user, PlacementRisk.objects.filter(band="high", placement__in=active.values("pk")))
        .filter(seen_band="high").values("placement__case__assigned_worker_id").annotate(n=Count("placement_id")).order_by()
        .values_list("placement__case__assigned_worker_id", "n")
    )
    workers = User.objects.in_bulk([r["assigned_worker_id"] for r in rows if r["assigned_worker_id"]])
    for row in rows:
        row["worker"] = workers.get(row["assigned_worker_id"])
        row["overdue"] = overdue.get(row["assigned_worker_id"], 0)
        row["high"] = high.get(row["assigned_worker_id"], 0)
    rows.sort(key=lambda r: (-r["open_cases"], r["worker"].last_name if r["worker"] else "", r["assigned_worker_id"] or 0))
    return rows


def unit_workers(*, user: User) -> QuerySet[User]:
    """The social workers of the supervisor's unit and the units below it (active or not), by name."""
    return (
        User.objects.filter(role=User.Role.SOCIAL_WORKER, unit_id__in=unit_ids_for(user))
        .select_related("unit__parent").order_by("last_name", "first_name", "id")
    )


def cases_needing_a_worker(*, user: User) -> QuerySet[Case]:
    """Open cases of the supervisor's unit whose worker's account is deactivated, or with no worker:
    "needs a new worker". The inactive accounts are looked up first (few), so the case query is an
    index lookup on the assigned worker."""
    inactive = list(User.objects.filter(unit_id__in=unit_ids_for(user), is_active=False).values_list("pk", flat=True))
    return (
        cases_supervised_by(user).exclude(stage=Stage.CLOSED)
        .filter(Q(assigned_worker_id__in=inactive) | Q(assigned_worker__isnull=True))
        .select_related("child", "assigned_worker").order_by("stage_entered_at", "id")
    )


def families_waiting_for_approval(*, user: User) -> QuerySet[Family]:
    """Families of the supervisor's unit (and below) whose approval was asked for, oldest request first."""
    return (
        Family.objects.filter(responsible_unit_id__in=unit_ids_for(user), approval_requested_at__isnull=False)
        .select_related("region", "responsible_unit__parent").prefetch_related("applicants")
        .order_by("approval_requested_at", "id")
    )


def recent_family_decisions(*, user: User, limit: int = 20) -> list[ApprovalDecision]:
    return list(
        ApprovalDecision.objects.filter(family__responsible_unit_id__in=unit_ids_for(user))
        .select_related("family", "decided_by").prefetch_related("family__applicants")
        .order_by("-decided_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class FamilyName:
    """A family as the dashboard's papers lists show it: its number and its current applicants' names as
    Family.__str__ gives them (``str()``), without a Family instance and its applicants (building
    ~100 of those was most of the lists' time on a warm dashboard at national scale)."""

    pk: int
    names: tuple[str, ...]

    def __str__(self) -> str:
        return " & ".join(self.names) if self.names else str(_("Family № %(n)s") % {"n": self.pk})

    @property
    def named_by_applicants(self) -> bool:
        """As Family.named_by_applicants: False when the name is the number itself (no applicant left)."""
        return bool(self.names)


def families_with_certificates_between(*, user: User, start: dt.date, end: dt.date, today: dt.date,
                                       limit: int = 50) -> tuple[list[dict], bool]:
    """Approved families of the supervisor's unit with an approval, home study or training
    certificate expiring from ``start`` to ``end`` (inclusive), soonest first, for the ``limit``
    families with the earliest such date; and whether more families have one. Rows:
    ``{"family": FamilyName, "document", "expires_on", "expired"}``, one per paper in the window.
    Two queries whatever the number of families (the units, then the families with their
    applicants' names)."""
    labels = {"approval_expires_on": _("approval"), "home_study_expires_on": _("home study"),
              "training_expires_on": _("training certificate")}
    # The families whose papers expire soonest, per kind of paper: each branch walks that date's
    # index from ``start`` (one OR of the three dates walked the whole primary key of the
    # country's families for a region: 40-60 ms at national scale).
    approved = Family.objects.filter(responsible_unit_id__in=unit_ids_for(user), approval_status=ApprovalStatus.APPROVED)
    soonest = [approved.filter(**{f"{name}__gte": start, f"{name}__lte": end}).order_by(name, "id").values("id")[:limit + 1]
               for name in labels]
    # The current applicants' names in Family.__str__'s order (Applicant.Meta.ordering), in the same query:
    # one who died or left is no longer in the family's name (Family.current_applicants).
    names = ArraySubquery(Applicant.objects.filter(family=OuterRef("pk"), left_family_reason="").order_by("position", "id")
                          .values(name=Concat("last_name", Value(" "), "first_name")))

    def in_window(family: dict) -> list[tuple[str, dt.date]]:
        return [(name, d) for name in labels if (d := family[name]) is not None and start <= d <= end]

    families = sorted(
        Family.objects.filter(pk__in=soonest[0].union(*soonest[1:], all=True)).order_by()
        .values("id", *labels).annotate(names=names),
        key=lambda f: (min(d for _name, d in in_window(f)), f["id"]),
    )
    more = len(families) > limit
    rows = [{"family": FamilyName(family["id"], tuple(family["names"])), "document": labels[name], "expires_on": expires,
             "expired": expires < today}
            for family in families[:limit] for name, expires in in_window(family)]
    rows.sort(key=lambda r: (r["expires_on"], r["family"].pk))
    return rows, more


def months_back(today: dt.date, n: int) -> list[dt.date]:
    """First days of the last ``n`` months, oldest first, ending with today's month."""
    months = []
    year, month = today.year, today.month
    for _i in range(n):
        months.append(dt.date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return months[::-1]


def placements_and_returns_by_month(*, user: User, months: int = 12, today: dt.date | None = None,
                                    case_ids: list[int] | None = None) -> list[dict]:
    """Per month of the last ``months``: placements started and placements ended by a return
    (of the cases ``case_ids`` only, when given)."""
    today = today or timezone.localdate()
    first_days = months_back(today, months)
    visible = placements_visible_to(user)
    if case_ids is not None:
        visible = visible.filter(case_id__in=case_ids)
    started = dict(
        visible.filter(started_on__gte=first_days[0]).annotate(m=TruncMonth("started_on")).values("m")
        .annotate(n=Count("id")).values_list("m", "n")
    )
    returned = dict(
        visible.filter(end_reason=EndReason.RETURNED, ended_on__gte=first_days[0]).annotate(m=TruncMonth("ended_on"))
        .values("m").annotate(n=Count("id")).values_list("m", "n")
    )
    return [{"month": m, "placements": started.get(m, 0), "returns": returned.get(m, 0)} for m in first_days]
