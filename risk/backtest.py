"""The risk score against history (issue 19, item 10): every placement scored as it stood on each
past day of a window, from what had been recorded by that day, and compared with what happened.

Set-based: no loop per placement or per day. A placement's score changes only on the days
something it reads changes, so each placement gets a stream of *change points* (its start, each
visit recorded, each visit becoming missed, each family event counted and expiring, its family's
suspension and training dates, each recorded SDQ change), ordered by day; running window sums and
maxima over the stream give the state on each change day, and the score holds from that day until
the next one. Returns, flags, the ROC and calibration are then sums over these intervals (lengths in
days), never over a row per placement per day.

What "recorded by then" reads (and where the record has no "recorded at"):

- a visit counts from the day its first version with a ``done_on`` was written
  (``audit_historicalvisit.history_date``, local date), never before ``done_on``; visits without
  such a history row (bulk-loaded: the seed, the demo, an import) count from ``done_on``
  (approximation: recorded the day it was done). Until then a visit past its planned day plus the
  grace days is missed, as the nightly score saw it.
- a family event counts from ``max(occurred_on, created_at)`` and for the factor's days after
  ``occurred_on``.
- the SDQ score: the child's version as of that day (``audit_historicalchild``); before the first
  version, and for children without any version (bulk-loaded), the earliest known value, else the
  current one (approximation: assessed before the placement started).
- a family's suspension counts from ``suspended_on`` while the family is still suspended
  (approximation: a suspension since lifted by a new home study is not seen); the training
  certificate from ``training_issued_on``. Age, months in institutions, earlier returns, abuse
  history, siblings apart and kinship are facts of the placement's start.

On a day on which nothing changed, the score is the one ``risk.scoring.score_placements`` would
have stored that night (the tests compare the two day by day on a fixture).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from risk.models import RiskPolicy
from risk.scoring import _weights

HORIZONS = (60, 180)  # days ahead for the ROC and calibration
FORCED = 1000  # the score given to a safeguarding finding in the threshold curve: above any points

# Condition codes packed into the last visit's key: 2 bits each, then "child seen", "signs of harm".
_CONDITION_CODE = "CASE {col} WHEN 'good' THEN 1 WHEN 'some_concerns' THEN 2 WHEN 'serious_concerns' THEN 3 ELSE 0 END"

# Each factor of risk.scoring.FACTOR_EXPRESSIONS over the columns of one day's state ``s``:
# (condition, points). Same conditions, so a day's score is the one the nightly run stored.
_BOTH_SERIOUS = "(s.cc = 3 AND s.fc = 3)"
BACKTEST_FACTORS: dict[str, tuple[str, str]] = {
    "adolescent_at_placement": ("s.age >= %(t_adolescent_at_placement)s", "%(w_adolescent_at_placement)s"),
    "older_at_placement": ("s.age >= %(t_older_at_placement)s AND NOT (%(w_adolescent_at_placement)s > 0 "
                           "AND s.age >= %(t_adolescent_at_placement)s)", "%(w_older_at_placement)s"),
    "sdq_high": ("s.sdq >= %(t_sdq_high)s", "%(w_sdq_high)s"),
    "sdq_raised": ("s.sdq >= %(t_sdq_raised)s AND NOT (%(w_sdq_high)s > 0 AND s.sdq >= %(t_sdq_high)s)", "%(w_sdq_raised)s"),
    "earlier_breakdowns": ("s.breakdowns > 0", "%(w_earlier_breakdowns)s * least(s.breakdowns, %(c_earlier_breakdowns)s)"),
    "long_in_institution": ("s.months >= %(t_long_in_institution)s", "%(w_long_in_institution)s"),
    "abuse_or_neglect": ("s.abuse", "%(w_abuse_or_neglect)s"),
    "siblings_separated": ("s.siblings_separated", "%(w_siblings_separated)s"),
    "non_kin": ("s.carer_relationship = 'none'", "%(w_non_kin)s"),
    "family_suspended": ("s.suspended", "%(w_family_suspended)s"),
    "carer_not_trained": ("s.untrained", "%(w_carer_not_trained)s"),
    "family_events": ("s.events > 0", "%(w_family_events)s * least(s.events, %(c_family_events)s)"),
    "missed_visits": ("s.missed > 0", "%(w_missed_visits)s * least(s.missed, %(c_missed_visits)s)"),
    "last_visit_serious_concerns_both": (_BOTH_SERIOUS, "%(w_last_visit_serious_concerns_both)s"),
    "last_visit_serious_concerns": (f"3 IN (s.cc, s.fc) AND NOT (%(w_last_visit_serious_concerns_both)s > 0 AND {_BOTH_SERIOUS})",
                                    "%(w_last_visit_serious_concerns)s"),
    "last_visit_child_not_seen": ("s.not_seen", "%(w_last_visit_child_not_seen)s"),
    "last_visit_signs_of_harm": ("s.harm", "%(w_last_visit_signs_of_harm)s"),
    "last_visit_some_concerns": ("2 IN (s.cc, s.fc) AND NOT (%(w_last_visit_serious_concerns)s > 0 AND 3 IN (s.cc, s.fc))",
                                 "%(w_last_visit_some_concerns)s"),
}


def _present(code: str) -> str:
    return f"(%(w_{code})s > 0 AND coalesce({BACKTEST_FACTORS[code][0]}, false))"


SCORE_EXPRESSION = "\n + ".join(f"CASE WHEN {_present(code)} THEN {points} ELSE 0 END"
                                 for code, (_, points) in BACKTEST_FACTORS.items())
FORCED_EXPRESSION = "\n OR ".join(f"({_present(code)} AND '{code}' = ANY(%(sets_high)s::text[]))" for code in BACKTEST_FACTORS)

STREAM_SQL = """
CREATE TEMP TABLE backtest_interval ON COMMIT DROP AS
WITH pl AS MATERIALIZED (
    SELECT p.id, p.started_on, p.ended_on, p.end_reason = 'returned' AS returned, p.family_id, p.child_id,
           greatest(p.started_on, %(from)s::date) AS first_day,
           least(coalesce(p.ended_on - 1, %(to)s::date), %(to)s::date) AS last_day,
           f.approval_status = 'suspended' AND f.suspended_on IS NOT NULL AS suspended, f.suspended_on,
           f.training_certificate_number = '' OR f.training_issued_on IS NULL AS never_trained, f.training_issued_on,
           c.sdq_total_difficulties AS sdq_now, a.age, a.months, c.abuse_or_neglect_history AS abuse,
           p.siblings_separated, p.carer_relationship
    FROM cases_placement p
    JOIN children_child c ON c.id = p.child_id
    JOIN families_family f ON f.id = p.family_id
    CROSS JOIN LATERAL (SELECT extract(year FROM age(p.started_on, c.birth_date))::int AS age,
                               (extract(year FROM age(p.started_on, c.entered_care_on)) * 12
                                + extract(month FROM age(p.started_on, c.entered_care_on)))::int AS months) a
    WHERE p.started_on <= %(to)s::date AND (p.ended_on IS NULL OR p.ended_on > %(from)s::date)
      AND p.started_on < coalesce(p.ended_on, 'infinity')
), breakdowns AS (
    SELECT p.id, count(*)::int AS n FROM pl p
    JOIN cases_placement e ON e.child_id = p.child_id AND e.id <> p.id AND e.end_reason = 'returned' AND e.ended_on <= p.started_on
    GROUP BY p.id
), sdq_versions AS MATERIALIZED (
    -- key = (when the version was written, SDQ + 1 or 0 for none): its running maximum is the latest version
    SELECT h.id AS child_id, (timezone(%(tz)s, h.history_date))::date AS d,
           (extract(epoch FROM h.history_date)::bigint << 8) | coalesce(h.sdq_total_difficulties + 1, 0) AS skey
    FROM audit_historicalchild h
    WHERE h.id IN (SELECT child_id FROM pl)
), first_sdq AS (
    SELECT child_id, min(skey) AS skey FROM sdq_versions GROUP BY child_id
), visit_recorded AS (
    SELECT h.id, min((timezone(%(tz)s, h.history_date))::date) AS d FROM audit_historicalvisit h
    WHERE h.done_on IS NOT NULL AND h.placement_id IN (SELECT id FROM pl) GROUP BY h.id
), visits AS (
    SELECT v.placement_id AS pid, v.id, v.planned_on, v.done_on,
           CASE WHEN v.done_on IS NOT NULL THEN greatest(v.done_on, coalesce(r.d, v.done_on)) END AS rec,
           v.planned_on + %(t_missed_visits)s + 1 AS missed_from,
           -- key = (done on, id): its running maximum is the last visit done among those recorded
           ((v.done_on - DATE '1900-01-01')::bigint << 40) | (v.id << 6)
             | ((""" + _CONDITION_CODE.format(col="v.child_condition") + """) << 4)
             | ((""" + _CONDITION_CODE.format(col="v.family_condition") + """) << 2)
             | (CASE WHEN v.child_seen THEN 2 ELSE 0 END)
             | (CASE WHEN coalesce((v.checklist ->> 'signs_of_harm')::boolean, false) THEN 1 ELSE 0 END) AS vkey
    FROM visits_visit v LEFT JOIN visit_recorded r ON r.id = v.id
    WHERE v.placement_id IN (SELECT id FROM pl)
), events AS (
    SELECT e.family_id, greatest(e.occurred_on, (timezone(%(tz)s, e.created_at))::date) AS rec,
           e.occurred_on + %(t_family_events)s AS expires
    FROM risk_familyevent e WHERE e.family_id IN (SELECT family_id FROM pl)
), points (pid, d, dm, de, vkey, skey) AS (
    SELECT p.id, p.first_day, 0, 0, NULL::bigint, NULL::bigint FROM pl p
    UNION ALL  -- a visit recorded: the last visit, and the end of its being missed
    SELECT v.pid, v.rec, CASE WHEN v.rec > v.missed_from THEN -1 ELSE 0 END, 0, v.vkey, NULL
    FROM visits v WHERE v.rec IS NOT NULL
    UNION ALL  -- a visit becoming missed (planned before the day less the grace days, not recorded)
    SELECT v.pid, v.missed_from, 1, 0, NULL, NULL
    FROM visits v WHERE v.rec IS NULL OR v.rec > v.missed_from
    UNION ALL  -- a family event counted, and no longer counted
    SELECT p.id, e.rec, 0, 1, NULL, NULL FROM events e JOIN pl p ON p.family_id = e.family_id WHERE e.rec < e.expires
    UNION ALL
    SELECT p.id, e.expires, 0, -1, NULL, NULL FROM events e JOIN pl p ON p.family_id = e.family_id WHERE e.rec < e.expires
    UNION ALL  -- the family's suspension and training dates
    SELECT p.id, p.suspended_on, 0, 0, NULL, NULL FROM pl p WHERE p.suspended
    UNION ALL
    SELECT p.id, p.training_issued_on, 0, 0, NULL, NULL FROM pl p WHERE NOT p.never_trained
    UNION ALL  -- a new version of the child's SDQ score
    SELECT p.id, s.d, 0, 0, NULL, s.skey FROM sdq_versions s JOIN pl p ON p.child_id = s.child_id
), clamped AS (
    -- what happened before the window (or the placement) is the state on its first day
    SELECT pt.pid, greatest(pt.d, p.first_day) AS d, pt.dm, pt.de, pt.vkey, pt.skey
    FROM points pt JOIN pl p ON p.id = pt.pid
    WHERE pt.d <= p.last_day
), running AS (
    SELECT pid, d, sum(dm) OVER w AS missed, sum(de) OVER w AS events, max(vkey) OVER w AS vkey,
           max(skey) OVER w AS skey, lead(d) OVER w AS next_d
    FROM clamped
    WINDOW w AS (PARTITION BY pid ORDER BY d ROWS UNBOUNDED PRECEDING)
), states AS (
    -- the last row of each day holds that day's state
    SELECT r.pid, r.d, coalesce(r.next_d, p.last_day + 1) AS next_d, p.returned, p.ended_on, p.age, p.months, p.abuse,
           p.siblings_separated, p.carer_relationship,
           r.missed::int, r.events::int, coalesce(b.n, 0) AS breakdowns,
           CASE WHEN coalesce(r.skey, fs.skey) IS NULL THEN p.sdq_now
                ELSE nullif(coalesce(r.skey, fs.skey) & 255, 0) - 1 END AS sdq,
           CASE WHEN r.vkey IS NOT NULL THEN (r.vkey >> 4) & 3 END AS cc,
           CASE WHEN r.vkey IS NOT NULL THEN (r.vkey >> 2) & 3 END AS fc,
           r.vkey IS NOT NULL AND r.vkey & 2 = 0 AS not_seen,
           r.vkey IS NOT NULL AND r.vkey & 1 = 1 AS harm,
           p.suspended AND p.suspended_on <= r.d AS suspended,
           p.never_trained OR p.training_issued_on > r.d AS untrained
    FROM running r JOIN pl p ON p.id = r.pid
    LEFT JOIN breakdowns b ON b.id = r.pid
    LEFT JOIN first_sdq fs ON fs.child_id = p.child_id
    WHERE r.next_d IS DISTINCT FROM r.d
), scored AS (
    SELECT s.pid, s.d, s.next_d, s.returned, s.ended_on, {score} AS score, {forced} AS forced
    FROM states s
)
SELECT pid, d, next_d, returned, ended_on, score, forced,
       CASE WHEN forced OR score >= %(high_from)s THEN 'high' WHEN score >= %(medium_from)s THEN 'medium' ELSE 'low' END AS band
FROM scored
"""

# Per placement: its highest score in the window (FORCED for a safeguarding finding), and for a
# return the highest score on a day at least ``lead`` days before it; counted by those values, so
# that Python gets a histogram (hundreds of rows), not a row per placement.
PER_PLACEMENT_SQL = """
SELECT top, top_early, counted_return, high, high_early, count(*) FROM (
    SELECT max(CASE WHEN forced THEN %(forced)s ELSE score END) AS top,
           max(CASE WHEN forced THEN %(forced)s ELSE score END) FILTER (WHERE d <= ended_on - %(lead)s) AS top_early,
           bool_or(returned AND ended_on <= %(to)s::date AND ended_on >= %(from)s::date + %(lead)s) AS counted_return,
           bool_or(band = 'high') AS high, bool_or(band = 'high' AND d <= ended_on - %(lead)s) AS high_early
    FROM backtest_interval GROUP BY pid
) per_placement
GROUP BY 1, 2, 3, 4, 5
"""

# Placement-days of each score: days x of the interval within [from, to - H] (so the next H days are
# known); positive when the placement ended in a return within (x, x + H]. Split at ``mid`` into an
# earlier part (to fit the score's return probability) and a later part (to check it).
DAYS_SQL = """
WITH spans AS (
    SELECT score, forced, band, h.horizon,
           greatest(d, %(from)s::date) AS a, least(next_d, %(to)s::date - h.horizon + 1) AS b,
           CASE WHEN returned THEN ended_on - h.horizon END AS pos_from
    FROM backtest_interval CROSS JOIN unnest(%(horizons)s::int[]) AS h(horizon)
), parts AS (
    SELECT s.score, s.forced, s.band, s.horizon, part.later,
           greatest(s.a, CASE WHEN part.later THEN s.mid ELSE s.a END) AS a,
           least(s.b, CASE WHEN part.later THEN s.b ELSE s.mid END) AS b, s.pos_from
    FROM (SELECT spans.*, %(from)s::date + (%(to)s::date - horizon - %(from)s::date + 1) / 2 AS mid FROM spans) s
    CROSS JOIN (VALUES (false), (true)) AS part(later)
    WHERE s.b > s.a
)
SELECT horizon, later, score, forced, band,
       sum(b - a)::bigint AS days,
       sum(CASE WHEN pos_from IS NULL THEN 0 ELSE greatest(0, b - greatest(a, pos_from)) END)::bigint AS positive
FROM parts WHERE b > a
GROUP BY horizon, later, score, forced, band
"""


@dataclass
class BacktestResult:
    """What ``run_backtest`` measured. Shares are fractions (0–1); AUCs 0–1; days are placement-days."""

    from_date: dt.date
    to_date: dt.date
    lead_days: int
    placements: int
    placements_flagged: int
    returns: int
    returns_flagged_early: int
    auc: dict[int, float | None]
    calibration: list[dict]
    thresholds: list[dict]
    policy: dict
    seconds: float
    intervals: int
    extra: dict = field(default_factory=dict)

    @property
    def share_of_returns_flagged_early(self) -> float | None:
        return self.returns_flagged_early / self.returns if self.returns else None

    @property
    def share_of_placements_flagged(self) -> float | None:
        return self.placements_flagged / self.placements if self.placements else None


def auc_from_counts(rows: list[tuple[float, int, int]]) -> float | None:
    """Area under the ROC curve from (score, positives, negatives) counts: the probability that a
    positive scores above a negative, ties counting one half (Mann–Whitney). None without both."""
    total_pos = sum(p for _, p, _ in rows)
    total_neg = sum(n for _, _, n in rows)
    if not total_pos or not total_neg:
        return None
    below = 0
    area = 0.0
    for _, pos, neg in sorted(rows):
        area += pos * (below + neg / 2)
        below += neg
    return area / (total_pos * total_neg)


def fit_logistic(rows: list[tuple[float, int, int]]) -> tuple[float, float] | None:
    """Weighted logistic regression P(positive) = 1 / (1 + exp(-(a + b * score))) over
    (score, positives, negatives) counts, by Newton's method. None when it cannot be fitted."""
    total_pos = sum(p for _, p, _ in rows)
    total = sum(p + n for _, p, n in rows)
    if not total_pos or total_pos == total:
        return None
    a, b = math.log(total_pos / (total - total_pos)), 0.0
    scale = max(abs(s) for s, _, _ in rows) or 1.0
    for _ in range(50):
        ga = gb = haa = hab = hbb = 0.0
        for score, pos, neg in rows:
            x = score / scale
            p = 1 / (1 + math.exp(-(a + b * x)))
            w = pos + neg
            ga += pos - w * p
            gb += (pos - w * p) * x
            v = w * p * (1 - p)
            haa += v
            hab += v * x
            hbb += v * x * x
        det = haa * hbb - hab * hab
        if det <= 0:
            return None
        da, db = (hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det
        a, b = a + da, b + db
        if abs(da) + abs(db) < 1e-10:
            break
    return a, b / scale


def _predict(fit: tuple[float, float] | None, score: float) -> float | None:
    if fit is None:
        return None
    return 1 / (1 + math.exp(-(fit[0] + fit[1] * score)))


def _params(from_date: dt.date, to_date: dt.date, lead_days: int) -> dict[str, object]:
    policy = RiskPolicy.current()
    return {**_weights(), "from": from_date, "to": to_date, "tz": settings.TIME_ZONE, "high_from": policy.high_from,
            "medium_from": policy.medium_from, "lead": lead_days, "forced": FORCED, "horizons": list(HORIZONS)}


def _build_intervals(cursor: object, params: dict[str, object]) -> int:
    """Fill the temporary table ``backtest_interval`` (dropped at commit; call inside a transaction):
    one row per placement and change day, (pid, d, next_d, returned, ended_on, score, forced, band),
    the score holding on the days [d, next_d). Returns the number of rows."""
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute("SET LOCAL jit = off")
    # Inside an outer transaction (a test, a caller's atomic block) the last run's table is still there.
    cursor.execute("DROP TABLE IF EXISTS backtest_interval")
    cursor.execute(STREAM_SQL.replace("{score}", SCORE_EXPRESSION).replace("{forced}", FORCED_EXPRESSION), params)
    return cursor.rowcount


def replayed_scores(*, from_date: dt.date, to_date: dt.date) -> list[tuple[int, dt.date, dt.date, int, str]]:
    """The replayed score of every placement in the window as (placement id, first day, day after
    the last day, score, band) intervals, in placement and day order. For small data (tests and
    checks): at national scale use ``run_backtest``, which only returns aggregates."""
    with transaction.atomic(), connection.cursor() as cursor:
        _build_intervals(cursor, _params(from_date, to_date, 0))
        cursor.execute("SELECT pid, d, next_d, score, band FROM backtest_interval ORDER BY pid, d")
        return cursor.fetchall()


def run_backtest(*, from_date: dt.date, to_date: dt.date, lead_days: int = 60) -> BacktestResult:
    """Score every placement active between ``from_date`` and ``to_date`` (inclusive) on each day,
    from what was recorded by that day, with the current weights and bands, and compare with what
    happened. Read-only (a temporary table dropped at commit).

    Returns: the returns in the window at least ``lead_days`` after ``from_date`` and how many were
    flagged high at least ``lead_days`` before the return (on a day in the window); the placements
    active in the window and how many were ever flagged high; the AUC of the score for a return
    within 60 and 180 days (placement-days with that much known future); calibration by band (the
    return probability the score implied on the earlier half of the window, by a logistic fit, against
    the observed rate on the later half, with placement-days and returns); and the trade-off curve
    (share of returns flagged early against share of placements flagged, per threshold in points).
    Raises ValueError when ``from_date`` is after ``to_date`` or ``lead_days`` is negative.
    """
    if from_date > to_date:
        raise ValueError("from_date is after to_date")
    if lead_days < 0:
        raise ValueError("lead_days is negative")
    began = time.perf_counter()
    params = _params(from_date, to_date, lead_days)
    with transaction.atomic(), connection.cursor() as cursor:
        intervals = _build_intervals(cursor, params)
        cursor.execute(PER_PLACEMENT_SQL, params)
        per_placement = cursor.fetchall()
        cursor.execute(DAYS_SQL, params)
        day_rows = cursor.fetchall()
    placements = sum(n for *_, n in per_placement)
    placements_flagged = sum(n for _, _, _, high, _, n in per_placement if high)
    returns = [row for row in per_placement if row[2]]
    return_count = sum(row[5] for row in returns)
    returns_flagged_early = sum(row[5] for row in returns if row[4])

    auc: dict[int, float | None] = {}
    calibration: list[dict] = []
    for horizon in HORIZONS:
        rows = [r for r in day_rows if r[0] == horizon]
        by_score: dict[int, list[int]] = {}
        for _, _, score, forced, _, days, positive in rows:
            entry = by_score.setdefault(FORCED if forced else score, [0, 0])
            entry[0] += positive
            entry[1] += days - positive
        auc[horizon] = auc_from_counts([(s, p, n) for s, (p, n) in by_score.items()])
        earlier: dict[int, list[int]] = {}
        for _, later, score, forced, _, days, positive in rows:
            if not later and not forced:
                entry = earlier.setdefault(score, [0, 0])
                entry[0] += positive
                entry[1] += days - positive
        fit = fit_logistic([(s, p, n) for s, (p, n) in earlier.items()])
        for band in ("low", "medium", "high"):
            later_rows = [r for r in rows if r[1] and r[4] == band]
            days = sum(r[5] for r in later_rows)
            positive = sum(r[6] for r in later_rows)
            predicted_days = sum(r[5] * (_predict(fit, r[2]) or 0) for r in later_rows if not r[3])
            scored_days = sum(r[5] for r in later_rows if not r[3])
            calibration.append({
                "horizon": horizon, "band": band, "placement_days": days, "positive_days": positive,
                "observed": positive / days if days else None,
                "predicted": predicted_days / scored_days if fit and scored_days else None,
                "forced_days": days - scored_days,
            })

    # The trade-off: with "high" from t points, which share of placements would ever be flagged and
    # which share of returns flagged early (safeguarding findings stay high at every t).
    thresholds = []
    for t in range(20, 105, 5):
        flagged = sum(row[5] for row in per_placement if row[0] is not None and row[0] >= t)
        early = sum(row[5] for row in returns if row[1] is not None and row[1] >= t)
        thresholds.append({"high_from": t, "placements_flagged": flagged / placements if placements else None,
                           "returns_flagged_early": early / return_count if return_count else None})
    return BacktestResult(
        from_date=from_date, to_date=to_date, lead_days=lead_days, placements=placements,
        placements_flagged=placements_flagged, returns=return_count, returns_flagged_early=returns_flagged_early,
        auc=auc, calibration=calibration, thresholds=thresholds,
        policy={"medium_from": params["medium_from"], "high_from": params["high_from"],
                "weights": {k: v for k, v in params.items() if k.startswith("w_")}},
        seconds=time.perf_counter() - began, intervals=intervals,
    )
