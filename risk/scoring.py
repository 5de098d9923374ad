"""The risk score as one set-based SQL statement, used both for one placement (after a visit,
assessment or family event) and for every active placement at once (the nightly sweep), so the two
can never disagree.

Each factor present adds its weight (counted factors: weight x count, up to ``cap``). The band
comes from RiskPolicy's thresholds. The statement upserts PlacementRisk and returns, per placement,
the new score and band and the band it had before, so the caller can act on moves into "high".
"""

import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection

from risk.models import Factor, RiskFactorWeight, RiskPolicy


@dataclass(frozen=True)
class ScoreChange:
    placement_id: int
    score: int
    band: str
    previous_band: str | None
    factors: list[dict]


def _weights() -> dict[str, object]:
    """Weight, threshold and cap of every factor as SQL parameters; a disabled factor weighs 0."""
    rows = {w.factor: w for w in RiskFactorWeight.objects.all()}
    params: dict[str, object] = {}
    for factor in Factor.values:
        row = rows.get(factor)
        params[f"w_{factor}"] = row.weight if row and row.enabled else 0
        params[f"t_{factor}"] = row.threshold if row and row.threshold is not None else 0
        params[f"c_{factor}"] = row.cap if row else 1
    params["sets_high"] = [f for f, row in rows.items() if row.enabled and row.weight > 0 and row.sets_high]
    return params


# (code, condition, points) of every factor, as _factor saw them: the score and "sets high" are
# computed from these directly (numbers), the factor list from FACTOR_EXPRESSIONS (JSON).
_FACTOR_PARTS: list[tuple[str, str, str]] = []


def _factor(code: str, condition: str, contribution: str, detail: str) -> str:
    _FACTOR_PARTS.append((code, condition, contribution))
    return (
        f"CASE WHEN %(w_{code})s > 0 AND ({condition}) THEN jsonb_build_object("
        f"'factor', '{code}', 'contribution', ({contribution}), 'detail', ({detail})::text) END"
    )


FACTOR_EXPRESSIONS = [
    _factor("adolescent_at_placement", "i.age_at_start >= %(t_adolescent_at_placement)s",
            "%(w_adolescent_at_placement)s", "i.age_at_start"),
    _factor("older_at_placement",
            "i.age_at_start >= %(t_older_at_placement)s AND NOT (%(w_adolescent_at_placement)s > 0 "
            "AND i.age_at_start >= %(t_adolescent_at_placement)s)",
            "%(w_older_at_placement)s", "i.age_at_start"),
    _factor("sdq_high", "i.sdq >= %(t_sdq_high)s", "%(w_sdq_high)s", "i.sdq"),
    _factor("sdq_raised", "i.sdq >= %(t_sdq_raised)s AND NOT (%(w_sdq_high)s > 0 AND i.sdq >= %(t_sdq_high)s)",
            "%(w_sdq_raised)s", "i.sdq"),
    _factor("earlier_breakdowns", "i.breakdowns > 0",
            "%(w_earlier_breakdowns)s * least(i.breakdowns, %(c_earlier_breakdowns)s)", "i.breakdowns"),
    _factor("long_in_institution", "i.months_in_care >= %(t_long_in_institution)s",
            "%(w_long_in_institution)s", "i.months_in_care"),
    _factor("abuse_or_neglect", "i.abuse", "%(w_abuse_or_neglect)s", "''"),
    _factor("siblings_separated", "i.siblings_separated", "%(w_siblings_separated)s", "''"),
    _factor("non_kin", "i.carer_relationship = 'none'", "%(w_non_kin)s", "i.form_of_care"),
    _factor("family_suspended", "i.family_suspended", "%(w_family_suspended)s", "i.suspended_on"),
    _factor("carer_not_trained", "i.untrained", "%(w_carer_not_trained)s", "''"),
    _factor("family_events", "i.events > 0", "%(w_family_events)s * least(i.events, %(c_family_events)s)", "i.events"),
    _factor("missed_visits", "i.missed > 0", "%(w_missed_visits)s * least(i.missed, %(c_missed_visits)s)", "i.missed"),
    _factor("last_visit_serious_concerns_both",
            "i.child_condition = 'serious_concerns' AND i.family_condition = 'serious_concerns'",
            "%(w_last_visit_serious_concerns_both)s", "i.last_visit_on"),
    _factor("last_visit_serious_concerns",
            "'serious_concerns' IN (i.child_condition, i.family_condition) AND NOT (%(w_last_visit_serious_concerns_both)s > 0 "
            "AND i.child_condition = 'serious_concerns' AND i.family_condition = 'serious_concerns')",
            "%(w_last_visit_serious_concerns)s", "i.last_visit_on"),
    _factor("last_visit_child_not_seen", "i.last_visit_on IS NOT NULL AND NOT i.child_seen",
            "%(w_last_visit_child_not_seen)s", "i.last_visit_on"),
    _factor("last_visit_signs_of_harm", "coalesce((i.checklist ->> 'signs_of_harm')::boolean, false)",
            "%(w_last_visit_signs_of_harm)s", "i.last_visit_on"),
    _factor("last_visit_some_concerns",
            "'some_concerns' IN (i.child_condition, i.family_condition) AND NOT "
            "(%(w_last_visit_serious_concerns)s > 0 AND 'serious_concerns' IN (i.child_condition, i.family_condition))",
            "%(w_last_visit_some_concerns)s", "i.last_visit_on"),
]

# The inputs of every factor for placements at a date: ``{as_of}`` is that date (a parameter, or a
# column of the history's points), ``{source}`` the rows scored, ``{extra}`` columns carried along. Used by the current score and by the
# history (score_history), so the two read the same facts the same way.
INPUTS_SQL = """
    SELECT {extra} p.id, p.form_of_care, p.siblings_separated, p.carer_relationship,
           extract(year FROM age(p.started_on, c.birth_date))::int AS age_at_start,
           c.sdq_total_difficulties AS sdq,
           c.abuse_or_neglect_history AS abuse,
           (extract(year FROM age(p.started_on, c.entered_care_on)) * 12
             + extract(month FROM age(p.started_on, c.entered_care_on)))::int AS months_in_care,
           -- a change in the family (a carer died, divorced, left or failed a check) until a new home study
           (f.approval_status = 'suspended' AND f.suspended_on IS NOT NULL) AS family_suspended, f.suspended_on,
           (f.training_certificate_number = '' OR f.training_issued_on IS NULL) AS untrained,
           (SELECT count(*) FROM cases_placement e
             WHERE e.child_id = p.child_id AND e.id <> p.id AND e.end_reason = 'returned'
               AND e.ended_on <= p.started_on)::int AS breakdowns,
           (SELECT count(*) FROM risk_familyevent fe
             WHERE fe.family_id = p.family_id AND fe.occurred_on <= {as_of}
               AND fe.occurred_on > {as_of} - %(t_family_events)s)::int AS events,
           (SELECT count(*) FROM visits_visit mv
             WHERE mv.placement_id = p.id AND (mv.done_on IS NULL OR mv.done_on > {as_of})
               AND mv.planned_on < {as_of} - %(t_missed_visits)s)::int AS missed,
           lv.child_condition, lv.family_condition, lv.child_seen, lv.checklist, lv.done_on AS last_visit_on
    FROM {source}
    JOIN children_child c ON c.id = p.child_id
    JOIN families_family f ON f.id = p.family_id
    LEFT JOIN LATERAL (
        SELECT v.child_condition, v.family_condition, v.child_seen, v.checklist, v.done_on FROM visits_visit v
        WHERE v.placement_id = p.id AND v.done_on IS NOT NULL AND v.done_on <= {as_of}
        ORDER BY v.done_on DESC, v.id DESC LIMIT 1
    ) lv ON true
"""

# Sum of the contributions, and whether a factor that sets the band to high is present.
# The score is the sum of the factors' points and "forced" whether a factor that sets high is present:
# the same conditions as the factor list, as numbers (reading them back from the JSON cost two
# passes over it per placement).
SCORE_POINTS_SQL = "(" + "\n + ".join(
    f"CASE WHEN %(w_{code})s > 0 AND ({condition}) THEN ({points}) ELSE 0 END" for code, condition, points in _FACTOR_PARTS
) + ")::int"
SCORE_FORCED_SQL = "(" + "\n OR ".join(
    f"(%(w_{code})s > 0 AND coalesce(({condition}), false) AND '{code}' = ANY(%(sets_high)s::text[]))"
    for code, condition, _ in _FACTOR_PARTS
) + ")"

SCORED_SQL = """
    SELECT i.*, f.factors, """ + SCORE_POINTS_SQL + """ AS score, """ + SCORE_FORCED_SQL + """ AS forced
    FROM inputs i
    CROSS JOIN LATERAL (
        SELECT coalesce(jsonb_agg(x ORDER BY (x ->> 'contribution')::int DESC, x ->> 'factor'), '[]'::jsonb) AS factors
        FROM unnest(ARRAY[{factor_expressions}]::jsonb[]) AS x WHERE x IS NOT NULL
    ) f
"""

BAND_SQL = "CASE WHEN s.forced OR s.score >= %(high_from)s THEN 'high' WHEN s.score >= %(medium_from)s THEN 'medium' ELSE 'low' END"

# From the inputs to the stored score: the factors and their sum, the band, the upsert of
# PlacementRisk (only what changed, in a nightly run), the history and the moves into "high".
SCORE_TAIL_SQL = """
), scored AS MATERIALIZED (
""" + SCORED_SQL + """), banded AS (
    SELECT s.id, s.score, s.factors, s.last_visit_on, """ + BAND_SQL + """ AS band
    FROM scored s
), changed AS MATERIALIZED (
    -- the nightly run writes only what changed: compared here, so that the unchanged rows (nearly
    -- all of them) cost a join, not an INSERT ... ON CONFLICT each
    SELECT b.*, r.band AS previous_band FROM banded b LEFT JOIN risk_placementrisk r ON r.placement_id = b.id
    WHERE %(always)s OR r.placement_id IS NULL OR r.score <> b.score OR r.band <> b.band OR r.factors <> b.factors
       OR r.last_visit_on IS DISTINCT FROM b.last_visit_on
), previous AS (
    SELECT c.id AS placement_id, c.previous_band AS band FROM changed c
), upserted AS (
    INSERT INTO risk_placementrisk (placement_id, score, band, factors, computed_on, high_since, last_visit_on)
    SELECT b.id, b.score, b.band, b.factors, %(today)s, CASE WHEN b.band = 'high' THEN %(today)s::date END, b.last_visit_on
    FROM changed b
    ON CONFLICT (placement_id) DO UPDATE SET
        score = EXCLUDED.score, band = EXCLUDED.band, factors = EXCLUDED.factors, computed_on = EXCLUDED.computed_on,
        last_visit_on = EXCLUDED.last_visit_on,
        high_since = CASE WHEN EXCLUDED.band <> 'high' THEN NULL
                          WHEN risk_placementrisk.band = 'high' THEN risk_placementrisk.high_since
                          ELSE EXCLUDED.computed_on END
    -- the nightly run rewrites only what changed
    WHERE %(always)s OR risk_placementrisk.score <> EXCLUDED.score OR risk_placementrisk.band <> EXCLUDED.band
       OR risk_placementrisk.factors <> EXCLUDED.factors
       OR risk_placementrisk.last_visit_on IS DISTINCT FROM EXCLUDED.last_visit_on
    RETURNING placement_id, score, band, factors
), assessed AS (
    -- history for calibration: every event-driven computation, and nightly only a change of band
    INSERT INTO risk_riskassessment (placement_id, assessed_on, reason, visit_id, score, band, factors, created_at)
    SELECT u.placement_id, %(today)s, %(reason)s, %(visit_id)s, u.score, u.band, u.factors, now()
    FROM upserted u LEFT JOIN previous p ON p.placement_id = u.placement_id
    WHERE %(always)s OR p.band IS DISTINCT FROM u.band
)
SELECT u.placement_id, u.score, u.band, p.band AS previous_band, u.factors
FROM upserted u LEFT JOIN previous p ON p.placement_id = u.placement_id
-- the nightly run returns only the moves into "high", which need an extra visit and an alert
WHERE %(always)s OR (u.band = 'high' AND p.band IS DISTINCT FROM 'high')
"""

# One placement or a few (after a visit, an assessment, a family event): an index look-up per
# input. MATERIALIZED: each input is computed once per placement, not once per reference in the CASEs.
SCORE_SQL = """
WITH inputs AS MATERIALIZED (
""" + INPUTS_SQL.format(extra="", as_of="%(today)s::date", source="cases_placement p") + """
    WHERE p.ended_on IS NULL {placement_filter}""" + SCORE_TAIL_SQL

# A batch of the nightly run: the active placements with ids in [lo, hi] (only the given ones when
# incremental), the same inputs (an index look-up per placement and input: with the tables in
# memory that measured 7.8 s for 1,000,000 placements, less than grouped passes over the batch,
# which hash the whole child and family tables for each batch).
BATCH_SCORE_SQL = SCORE_SQL.replace("{placement_filter}", "AND p.id BETWEEN %(lo)s AND %(hi)s {placement_filter}")


def score_placements(
    *, today: dt.date, reason: str, placement_ids: list[int] | None = None, visit_id: int | None = None,
) -> list[ScoreChange]:
    """Recompute and store the risk of the given active placements, or of all of them (None).

    For given placements every computation is kept as a RiskAssessment and returned. For all of
    them (the nightly sweep) only changed rows are written, only changes of band are kept as
    history, and only the moves into "high" are returned. Placements not active are skipped.
    """
    always = placement_ids is not None
    policy = RiskPolicy.current()
    params = {**_weights(), "today": today, "high_from": policy.high_from, "medium_from": policy.medium_from, "always": always,
              "reason": reason, "visit_id": visit_id}
    placement_filter = ""
    if placement_ids is not None:
        placement_filter = "AND p.id = ANY(%(ids)s)"
        params["ids"] = list(placement_ids)
    sql = SCORE_SQL.format(placement_filter=placement_filter, factor_expressions=",\n".join(FACTOR_EXPRESSIONS))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # Django's connection hands jsonb back as text (JSONField parses it itself).
        return [ScoreChange(pid, score, band, previous, json.loads(factors) if isinstance(factors, str) else factors)
                for pid, score, band, previous, factors in cursor.fetchall()]


def score_batch(*, today: dt.date, lo: int, hi: int, placement_ids: list[int] | None = None,
                weights: dict[str, object] | None = None, policy: RiskPolicy | None = None) -> list[ScoreChange]:
    """Nightly: recompute and store the risk of the active placements with ids in [lo, hi] (only
    ``placement_ids`` among them when given), with the nightly rules of ``score_placements(ids=None)``:
    only changed rows written, only changes of band kept as history, only the moves into "high"
    returned. One statement (BATCH_SCORE_SQL); the caller commits per batch.
    ``weights``/``policy``: pass them once for many batches (None reads them)."""
    policy = policy or RiskPolicy.current()
    params = {**(weights or _weights()), "today": today, "high_from": policy.high_from, "medium_from": policy.medium_from,
              "always": False, "reason": "sweep", "visit_id": None, "lo": lo, "hi": hi}
    placement_filter = ""
    if placement_ids is not None:
        placement_filter = "AND p.id = ANY(%(ids)s)"
        params["ids"] = list(placement_ids)
    sql = BATCH_SCORE_SQL.format(placement_filter=placement_filter, factor_expressions=",\n".join(FACTOR_EXPRESSIONS))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [ScoreChange(pid, score, band, previous, json.loads(factors) if isinstance(factors, str) else factors)
                for pid, score, band, previous, factors in cursor.fetchall()]


HISTORY_SQL = """
-- The points of a placement's history not assessed yet: its start, and each visit done.
WITH points AS MATERIALIZED (
    SELECT p.id AS placement_id, p.started_on AS as_of, 'placement_start' AS reason, NULL::bigint AS visit_id
    FROM cases_placement p
    WHERE NOT EXISTS (SELECT 1 FROM risk_riskassessment r WHERE r.placement_id = p.id AND r.reason = 'placement_start')
    UNION ALL
    SELECT v.placement_id, v.done_on, 'visit', v.id
    FROM visits_visit v
    WHERE v.done_on IS NOT NULL AND NOT EXISTS (SELECT 1 FROM risk_riskassessment r WHERE r.visit_id = v.id)
), inputs AS MATERIALIZED (
""" + INPUTS_SQL.format(extra="pt.as_of, pt.reason, pt.visit_id,", as_of="pt.as_of",
                        source="points pt JOIN cases_placement p ON p.id = pt.placement_id") + """
), scored AS MATERIALIZED (
""" + SCORED_SQL + """
)
INSERT INTO risk_riskassessment (placement_id, assessed_on, reason, visit_id, score, band, factors, created_at)
SELECT s.id, s.as_of, s.reason, s.visit_id, s.score, """ + BAND_SQL + """, s.factors, now()
FROM scored s
"""


def score_history() -> int:
    """Assess every placement, ended ones too, at the points of its history not assessed yet: its
    start and each visit done, with the facts as they stood that day (visits done by then, visits
    missed by then, family events by then; the child's and family's recorded attributes as they are
    now). Writes RiskAssessment rows only (the current score is ``score_placements``'). Returns the
    number of rows written.

    For data loaded without its history (the demo, a registry import), so that the calibration
    report and ``evaluate_risk`` have something to compare with what happened.
    """
    policy = RiskPolicy.current()
    params = {**_weights(), "high_from": policy.high_from, "medium_from": policy.medium_from}
    sql = HISTORY_SQL.format(factor_expressions=",\n".join(FACTOR_EXPRESSIONS))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount

