"""The supervisors' dashboard figures precomputed per unit (web.models.UnitFigures): the refresh
that writes them and the read that sums a supervisor's units.

The figures are those web.selectors computes live (caseload, oldest overdue visits, highest risks,
placements and returns by month, calibration), grouped by the case's responsible unit in a few
set-based statements over the whole country (or over the units named). A supervisor sees every case
of their units, with the sensitive fields (access.selectors), so a unit's row holds exactly what
the live selectors give them for that unit; the cases shared with them outside their units (a few
grants) are added live, as the user sees them. Where a unit has no row for today the dashboard
computes everything live (web.views.units), as before the rows existed.
"""

import datetime as dt
import logging
import time
from collections import defaultdict
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from access.selectors import cases_supervised_by, granted_case_ids, unit_ids_for
from accounts.models import OrganisationalUnit, User
from cases.models import EndReason, Stage
from risk.models import Band, RiskAssessment
from risk.selectors import BandRate
from visits.selectors import SUPERSEDED_SQL
from web import selectors
from web.models import UnitFigures

logger = logging.getLogger(__name__)

# Per unit and assigned worker of the open cases: open, placed, at decision.
CASES_SQL = """
    SELECT c.responsible_unit_id, c.assigned_worker_id, count(*),
           count(*) FILTER (WHERE c.stage = %(placed)s), count(*) FILTER (WHERE c.stage = %(decision)s)
    FROM cases_case c WHERE c.stage <> %(closed)s {scope}
    GROUP BY 1, 2
"""
# Visits still to do, planned before today, of active placements (selectors.overdue_visits and
# selectors.caseload): the closed case's flag says whether the caseload counts it.
OVERDUE_SQL = """
    SELECT c.responsible_unit_id, c.assigned_worker_id, c.stage = %(closed)s, v.planned_on, v.id
    FROM visits_visit v
    JOIN cases_placement p ON p.id = v.placement_id AND p.ended_on IS NULL
    JOIN cases_case c ON c.id = p.case_id
    WHERE v.done_on IS NULL AND v.planned_on < %(today)s AND NOT {superseded} {scope}
"""
# Active placements at high risk (the stored band: a supervisor sees their units' sensitive factors).
HIGH_SQL = """
    SELECT c.responsible_unit_id, c.assigned_worker_id, c.stage = %(closed)s, r.score, r.placement_id
    FROM risk_placementrisk r
    JOIN cases_placement p ON p.id = r.placement_id AND p.ended_on IS NULL
    JOIN cases_case c ON c.id = p.case_id
    WHERE r.band = %(high)s {scope}
"""
MONTHS_SQL = """
    SELECT c.responsible_unit_id, date_trunc('month', p.started_on)::date, count(*), 0
    FROM cases_placement p JOIN cases_case c ON c.id = p.case_id
    WHERE p.started_on >= %(since)s {scope} GROUP BY 1, 2
    UNION ALL
    SELECT c.responsible_unit_id, date_trunc('month', p.ended_on)::date, 0, count(*)
    FROM cases_placement p JOIN cases_case c ON c.id = p.case_id
    WHERE p.end_reason = %(returned)s AND p.ended_on >= %(since)s {scope} GROUP BY 1, 2
"""
# risk.selectors.calibration_report per unit: each placement counts once per band at its start,
# each assessment once at visits; a placement is one unit's, so units' counts add up.
CALIBRATION_SQL = """
    SELECT c.responsible_unit_id, a.reason, a.band,
           CASE WHEN a.reason = %(start)s THEN count(DISTINCT a.placement_id) ELSE count(*) END,
           CASE WHEN a.reason = %(start)s THEN count(DISTINCT a.placement_id) FILTER (WHERE p.end_reason = %(returned)s)
                ELSE count(*) FILTER (WHERE p.end_reason = %(returned)s) END
    FROM risk_riskassessment a
    JOIN cases_placement p ON p.id = a.placement_id AND p.ended_on IS NOT NULL
    JOIN cases_case c ON c.id = p.case_id
    WHERE a.reason IN (%(start)s, %(visit)s) {scope}
    GROUP BY 1, 2, 3
"""

# The same figures but for a few units (the refresh on commit after a supervisor's action, on the
# request path) in one statement: their cases' placements are read once (a district: ~10,000 cases,
# a few tens of ms) and each part joins them by placement, where the statements above, planned for the whole country,
# scan every high risk or active placement (a district took 1.1-1.4 s, now ~0.17-0.2 s at load 2-3;
# an index on pending visits by placement INCLUDE (kind, id) saved ~25 ms more but changed the
# national refresh's plan, so it was not added: bench/README.md). Rows:
# (part, unit, worker, closed, day, id, n1, n2, reason, band) -- overdue: planned_on, visit id;
# high: placement id, n1 = score; month: day = month, n1 = started, n2 = returned; calibration:
# n1, n2 = counts as CALIBRATION_SQL, reason, band.
UNITS_SQL = """
    WITH p AS MATERIALIZED (
        SELECT p.id, p.started_on, p.ended_on, p.end_reason, c.responsible_unit_id AS unit,
               c.assigned_worker_id AS worker, c.stage = %(closed)s AS closed
        FROM cases_case c JOIN cases_placement p ON p.case_id = c.id
        WHERE c.responsible_unit_id = ANY(%(units)s)
    )
    SELECT 'overdue', p.unit, p.worker, p.closed, v.planned_on, v.id, NULL::bigint, NULL::bigint, NULL, NULL
    FROM p JOIN visits_visit v ON v.placement_id = p.id
    WHERE p.ended_on IS NULL AND v.done_on IS NULL AND v.planned_on < %(today)s AND NOT {superseded}
    UNION ALL
    SELECT 'high', p.unit, p.worker, p.closed, NULL, r.placement_id, r.score, NULL, NULL, NULL
    FROM p JOIN risk_placementrisk r ON r.placement_id = p.id
    WHERE p.ended_on IS NULL AND r.band = %(high)s
    UNION ALL
    SELECT 'month', m.unit, NULL, NULL, m.month, NULL, sum(m.started), sum(m.returned), NULL, NULL FROM (
        SELECT p.unit, date_trunc('month', p.started_on)::date AS month, 1 AS started, 0 AS returned
        FROM p WHERE p.started_on >= %(since)s
        UNION ALL
        SELECT p.unit, date_trunc('month', p.ended_on)::date, 0, 1
        FROM p WHERE p.end_reason = %(returned)s AND p.ended_on >= %(since)s
    ) m GROUP BY m.unit, m.month
    UNION ALL
    SELECT 'calibration', p.unit, NULL, NULL, NULL, NULL,
           CASE WHEN a.reason = %(start)s THEN count(DISTINCT a.placement_id) ELSE count(*) END,
           CASE WHEN a.reason = %(start)s THEN count(DISTINCT a.placement_id) FILTER (WHERE p.end_reason = %(returned)s)
                ELSE count(*) FILTER (WHERE p.end_reason = %(returned)s) END,
           a.reason, a.band
    FROM risk_riskassessment a JOIN p ON p.id = a.placement_id AND p.ended_on IS NOT NULL
    WHERE a.reason IN (%(start)s, %(visit)s)
    GROUP BY p.unit, a.reason, a.band
"""


# How many overdue visits and high risks the dashboard shows; one more is kept, to say "there are more".
LIST_LIMIT = 50


def list_length() -> int:
    return LIST_LIMIT + 1


def _empty_row() -> dict[str, Any]:
    return {"caseload": {}, "by_month": defaultdict(lambda: [0, 0]),
            "calibration": {"start": {}, "visits": {}}, "overdue": [], "high": []}


def compute_unit_figures(*, unit_ids: list[int] | None = None, today: dt.date | None = None) -> dict[int, dict]:
    """The figures of each unit (every unit when ``unit_ids`` is None) as UnitFigures' fields,
    ``{unit_id: {"caseload": [...], "by_month": {...}, ...}}``; a unit without cases gets empty
    figures. Five statements for the whole country, two for the units named (UNITS_SQL), whatever
    their number."""
    today = today or timezone.localdate()
    units = unit_ids if unit_ids is not None else list(OrganisationalUnit.objects.values_list("pk", flat=True))
    scope = "" if unit_ids is None else "AND c.responsible_unit_id = ANY(%(units)s)"
    params = {"units": list(units), "today": today, "closed": Stage.CLOSED, "placed": Stage.PLACED,
              "decision": Stage.DECISION, "high": Band.HIGH, "returned": EndReason.RETURNED,
              "since": selectors.months_back(today, 12)[0], "start": RiskAssessment.Reason.PLACEMENT_START,
              "visit": RiskAssessment.Reason.VISIT}
    rows: dict[int, dict] = {unit: _empty_row() for unit in units}

    def counts(unit: int, worker: int | None) -> list[int]:
        return rows[unit]["caseload"].setdefault(worker, [0, 0, 0, 0, 0])

    def add_overdue(unit: int, worker: int | None, closed: bool, planned_on: dt.date, visit_id: int) -> None:
        if not closed:
            counts(unit, worker)[3] += 1
        rows[unit]["overdue"].append((planned_on, visit_id))

    def add_high(unit: int, worker: int | None, closed: bool, score: int, placement_id: int) -> None:
        if not closed:
            counts(unit, worker)[4] += 1
        rows[unit]["high"].append((score, placement_id))

    def add_month(unit: int, month: dt.date, started: int, returned: int) -> None:
        pair = rows[unit]["by_month"][month.isoformat()]
        pair[0] += started
        pair[1] += returned

    def add_calibration(unit: int, reason: str, band: str, n: int, returned: int) -> None:
        rows[unit]["calibration"]["start" if reason == params["start"] else "visits"][band] = [n, returned]

    superseded = SUPERSEDED_SQL.format(v="v")
    with connection.cursor() as cursor:
        cursor.execute(CASES_SQL.format(scope=scope), params)
        for unit, worker, open_cases, placed, waiting in cursor.fetchall():
            counts(unit, worker)[:3] = [open_cases, placed, waiting]
        if unit_ids is None:
            cursor.execute(OVERDUE_SQL.format(scope=scope, superseded=superseded), params)
            for row in cursor.fetchall():
                add_overdue(*row)
            cursor.execute(HIGH_SQL.format(scope=scope), params)
            for row in cursor.fetchall():
                add_high(*row)
            cursor.execute(MONTHS_SQL.format(scope=scope), params)
            for row in cursor.fetchall():
                add_month(*row)
            cursor.execute(CALIBRATION_SQL.format(scope=scope), params)
            for row in cursor.fetchall():
                add_calibration(*row)
        else:
            # The planner misjudges the CTE's joins by orders of magnitude; with JIT on it spent
            # ~150 ms compiling what runs in less. Every connection runs with jit=off
            # (config.settings.base.database), so nothing is switched here.
            cursor.execute(UNITS_SQL.format(superseded=superseded), params)
            found = cursor.fetchall()
            for part, unit, worker, closed, day, pk, n1, n2, reason, band in found:
                if part == "overdue":
                    add_overdue(unit, worker, closed, day, pk)
                elif part == "high":
                    add_high(unit, worker, closed, n1, pk)
                elif part == "month":
                    add_month(unit, day, n1, n2)
                else:
                    add_calibration(unit, reason, band, n1, n2)
    length = list_length()
    return {
        unit: {
            "caseload": sorted(([worker, *c] for worker, c in row["caseload"].items()), key=lambda r: (r[0] is not None, r[0] or 0)),
            "by_month": dict(row["by_month"]),
            "calibration": row["calibration"],
            "oldest_overdue": [[d.isoformat(), pk] for d, pk in sorted(row["overdue"])[:length]],
            "highest_risk": [[score, pk] for score, pk in sorted(row["high"], key=lambda r: (-r[0], r[1]))[:length]],
        }
        for unit, row in rows.items()
    }


def refresh_unit_figures(*, unit_ids: list[int] | None = None, today: dt.date | None = None) -> int:
    """Compute and store the figures of the units named (every unit when None) in one transaction;
    returns the number of rows written. The whole country takes seconds, one district a fraction of
    a second to two seconds under load (bench/README.md)."""
    began = time.perf_counter()
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        figures = compute_unit_figures(unit_ids=unit_ids, today=today)
        UnitFigures.objects.bulk_create(
            [UnitFigures(unit_id=unit, day=today, computed_at=now, **row) for unit, row in figures.items()],
            update_conflicts=True, unique_fields=["unit"],
            update_fields=["day", "computed_at", "caseload", "by_month", "calibration", "oldest_overdue", "highest_risk"],
        )
    if unit_ids is None:
        logger.info("dashboard figures of %s units refreshed in %.2f s", len(figures), time.perf_counter() - began)
    return len(figures)


def refresh_on_commit(unit_ids: list[int]) -> None:
    """Refresh these units' rows once the current transaction commits (at once outside one): the
    figures a supervisor acts on are not stale for them right after their own action."""
    units = sorted({u for u in unit_ids if u is not None})
    if units:
        transaction.on_commit(lambda: refresh_unit_figures(unit_ids=units))


def _calibration(rows: list[UnitFigures]) -> dict[str, list[BandRate]]:
    """risk.selectors.calibration_report's shape, summed over the units' rows."""
    report = {}
    for key, part in (("at_placement_start", "start"), ("at_visits", "visits")):
        totals = {band: [0, 0] for band in Band.values}
        for row in rows:
            for band, (n, returned) in row.calibration.get(part, {}).items():
                totals[band][0] += n
                totals[band][1] += returned
        report[key] = [BandRate(band, n, returned) for band, (n, returned) in totals.items()]
    return report


def figures_version(*, user: User, today: dt.date) -> dt.datetime | None:
    """When the newest row of the supervisor's units was computed, or None when a unit has no
    row for ``today``: what a cached copy of precomputed_figures is checked against. One query."""
    units = unit_ids_for(user)
    if not units:
        return None
    found = UnitFigures.objects.filter(unit_id__in=units, day=today).aggregate(n=Count("pk"), latest=Max("computed_at"))
    return found["latest"] if found["n"] == len(units) else None


def precomputed_figures(*, user: User, today: dt.date) -> dict | None:
    """The dashboard's figures (the keys of web.views.units._figures, with ``calibration`` as
    risk.selectors.calibration_report's dict) from the rows of the supervisor's units, plus the
    cases shared with them outside those units computed live; None when a unit has no row for
    ``today`` (not refreshed yet: the caller computes everything live). A constant number of
    queries: the rows, the grants, the listed visits and risks, the workers."""
    units = unit_ids_for(user)
    if not units:
        return None
    rows = list(UnitFigures.objects.filter(unit_id__in=units, day=today))
    if len(rows) < len(units):
        return None
    length = list_length()
    # Cases shared with the supervisor outside their units: few, counted live as they see them.
    extra = [pk for pk in granted_case_ids(user) if pk]
    extra_figures = None
    if extra:
        own = set(cases_supervised_by(user).filter(pk__in=extra).values_list("pk", flat=True))
        extra = [pk for pk in extra if pk not in own]
    if extra:
        extra_figures = {
            "overdue": selectors.overdue_visits(user=user, today=today, limit=length, case_ids=extra),
            "high": list(selectors.high_risk_placements(user=user, case_ids=extra)[:length]),
            "caseload": selectors.caseload(user=user, today=today, case_ids=extra),
            "by_month": selectors.placements_and_returns_by_month(user=user, today=today, case_ids=extra),
        }

    # The caseload: units' rows summed per worker, the workers read now (deactivated since: flagged).
    caseload: dict[int | None, list[int]] = {}
    for row in rows:
        for worker, *numbers in row.caseload:
            total = caseload.setdefault(worker, [0, 0, 0, 0, 0])
            for i, n in enumerate(numbers):
                total[i] += n
    for r in (extra_figures or {}).get("caseload", []):
        total = caseload.setdefault(r["assigned_worker_id"], [0, 0, 0, 0, 0])
        for i, key in enumerate(("open_cases", "placed", "waiting", "overdue", "high")):
            total[i] += r[key]
    workers = User.objects.in_bulk([w for w in caseload if w])
    caseload_rows = [
        {"assigned_worker_id": w, "worker": workers.get(w), "open_cases": c[0], "placed": c[1], "waiting": c[2],
         "overdue": c[3], "high": c[4]}
        for w, c in caseload.items() if c[0]
    ]
    caseload_rows.sort(key=lambda r: (-r["open_cases"], r["worker"].last_name if r["worker"] else "", r["assigned_worker_id"] or 0))

    # The lists: the units' first entries merged, then read through the user's visible placements
    # (a case transferred away since the refresh drops out).
    overdue_ids = [pk for _d, pk in sorted((d, pk) for row in rows for d, pk in row.oldest_overdue)[:length]]
    overdue = selectors.visits_by_ids(user=user, ids=overdue_ids) if overdue_ids else []
    high_ids = [pk for _s, pk in sorted(((-s, pk) for row in rows for s, pk in row.highest_risk))[:length]]
    # Only what the list shows (selectors.HIGH_SHOWN): every column of five joined models was most of its time.
    high = list(
        selectors.high_risk_placements(user=user, placement_ids=high_ids).select_related(None)
        .select_related("placement__child", "placement__case__assigned_worker").only(*selectors.HIGH_SHOWN)
    ) if high_ids else []
    by_month = {month: [0, 0] for month in selectors.months_back(today, 12)}
    for row in rows:
        for month, (started, returned) in row.by_month.items():
            if (pair := by_month.get(dt.date.fromisoformat(month))) is not None:
                pair[0] += started
                pair[1] += returned
    if extra_figures:
        overdue = sorted([*overdue, *extra_figures["overdue"]], key=lambda v: (v.planned_on, v.pk))[:length]
        high = sorted([*high, *extra_figures["high"]], key=lambda r: (-r.seen_score, r.placement_id))[:length]
        for r in extra_figures["by_month"]:
            by_month[r["month"]][0] += r["placements"]
            by_month[r["month"]][1] += r["returns"]
    return {
        "today": today,
        # The page says "as of" the oldest row; a row refreshed since changes the version.
        "computed_at": min(row.computed_at for row in rows),
        "version": max(row.computed_at for row in rows),
        "overdue": overdue,
        "high": high,
        "caseload": caseload_rows,
        "by_month": [{"month": m, "placements": p, "returns": r} for m, (p, r) in by_month.items()],
        "calibration": _calibration(rows),
    }
