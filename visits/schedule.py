"""Turning a visit policy into dates. One pure function for a single placement (used when a child
is placed) and the same rule as SQL for every open placement at once (policy changes, the nightly
horizon extension). tests/test_schedule*.py checks that both give the same dates."""

import datetime as dt
from collections.abc import Iterator

from dateutil.relativedelta import relativedelta

from visits.models import Visit, VisitPolicy


def _visit_months(policy: VisitPolicy, max_month: int) -> Iterator[int]:
    yield from (m for m in policy.first_visits_months if m <= max_month)
    if policy.repeat_every_months is None:
        return
    step = policy.repeat_every_months
    last_fixed = policy.first_visits_months[-1] if policy.first_visits_months else 0
    until = max_month if policy.repeat_until_months is None else min(max_month, policy.repeat_until_months)
    yield from range(last_fixed + step, until + 1, step)


def planned_dates(policy: VisitPolicy, *, started_on: dt.date, not_after: dt.date) -> list[tuple[str, dt.date]]:
    """(kind, date) of every visit and carer's report the policy plans, up to ``not_after``."""
    # Months never exceed the number of whole months from the start to ``not_after`` (plus one).
    max_month = (not_after.year - started_on.year) * 12 + (not_after.month - started_on.month) + 1
    dates = [(Visit.Kind.SCHEDULED.value, started_on + relativedelta(months=m)) for m in _visit_months(policy, max_month)]
    if policy.annual_report_every_months:
        step = policy.annual_report_every_months
        until = max_month if policy.repeat_until_months is None else min(max_month, policy.repeat_until_months)
        dates += [(Visit.Kind.ANNUAL_REPORT.value, started_on + relativedelta(months=m)) for m in range(step, until + 1, step)]
    return sorted((kind, day) for kind, day in dates if day <= not_after)


def plan_until(policy: VisitPolicy, *, started_on: dt.date, today: dt.date) -> dt.date:
    """The last date planned now: ``horizon_months`` ahead of today (or of a future start)."""
    return max(today, started_on) + relativedelta(months=policy.horizon_months)


# The same rule in SQL for a set of open placements of one form of care: a CTE ``wanted``
# (placement_id, kind, planned_on) of the visits the policy plans within the window. Month offsets
# come from generate_series bounded per placement; the date filter keeps only the wanted window.
# Parameters: first (int[]), every, until (NULL: open-ended), report_every, horizon_months, form,
# from_date, to_date.
WANTED_VISITS_CTE = """
    params AS (
        SELECT %(first)s::int[] AS first, %(every)s::int AS every, %(until)s::int AS until,
               %(report_every)s::int AS report_every,
               coalesce((SELECT max(f) FROM unnest(%(first)s::int[]) f), 0) + %(every)s::int AS repeat_from
    ), placements AS (
        SELECT p.id, p.started_on,
               -- whole months from the start to each end of the window, widened by one
               greatest(0, (extract(year FROM age(%(from_date)s::date, p.started_on)) * 12
                 + extract(month FROM age(%(from_date)s::date, p.started_on)))::int - 1) AS min_month,
               ((extract(year FROM age(%(to_date)s::date, p.started_on)) * 12
                 + extract(month FROM age(%(to_date)s::date, p.started_on)))::int + 1) AS max_month
        FROM cases_placement p
        WHERE p.ended_on IS NULL AND p.form_of_care = %(form)s AND p.started_on <= %(to_date)s {placement_filter}
    ), offsets AS (
        SELECT pl.id, pl.started_on, 'scheduled' AS kind, m
        FROM placements pl, params, unnest(params.first) AS m
        WHERE m BETWEEN pl.min_month AND pl.max_month  -- most placements are past their first visits
        UNION ALL
        -- the repeats from the first one inside the window (not from month one), so that a nightly
        -- run over a million placements computes a few rows each
        SELECT pl.id, pl.started_on, 'scheduled', m
        FROM placements pl, params,
             generate_series(params.repeat_from + params.every
                                 * greatest(0, ceil((pl.min_month - params.repeat_from)::numeric / params.every))::int,
                             least(pl.max_month, coalesce(params.until, pl.max_month)), params.every) AS m
        WHERE params.every IS NOT NULL
        UNION ALL
        SELECT pl.id, pl.started_on, 'annual_report', m
        FROM placements pl, params,
             generate_series(params.report_every
                                 * greatest(1, ceil(pl.min_month::numeric / params.report_every))::int,
                             least(pl.max_month, coalesce(params.until, pl.max_month)), params.report_every) AS m
        WHERE params.report_every IS NOT NULL
    ), wanted AS (
        SELECT o.id AS placement_id, o.kind, d.planned_on
        FROM offsets o
        CROSS JOIN LATERAL (SELECT (o.started_on + make_interval(months => o.m))::date AS planned_on) d
        WHERE d.planned_on >= %(from_date)s AND d.planned_on <= %(to_date)s
    )
"""

# Plans the wanted visits that do not exist yet (an existing one keeps its id: the unique key makes
# this an INSERT ... ON CONFLICT DO NOTHING) and writes a history row for each visit planned.
# ``{history}`` is core.history.history_rows_sql(Visit, source="planned", history_type="+").
PLANNED_VISITS_SQL = """
    WITH """ + WANTED_VISITS_CTE + """, planned AS (
        INSERT INTO visits_visit (created_at, updated_at, placement_id, kind, planned_on, child_seen, seen_by,
                                  child_condition, family_condition, checklist, concerns)
        SELECT now(), now(), w.placement_id, w.kind, w.planned_on, false, '', '', '', '{{}}'::jsonb, ''
        FROM wanted w
        ON CONFLICT DO NOTHING
        RETURNING *
    )
    {history}
"""

# After a policy change: the pending visits (scheduled or reports, not done, from the window's first
# day on) of the form's open placements that the policy no longer plans, deleted with a history row
# each. Those it still plans are left alone, ids and all, so their reminders stay theirs.
# ``{history}`` is core.history.history_rows_sql(Visit, source="moved", history_type="-").
UNWANTED_VISITS_SQL = """
    WITH """ + WANTED_VISITS_CTE + """, moved AS (
        DELETE FROM visits_visit v USING cases_placement p
        WHERE v.placement_id = p.id AND p.ended_on IS NULL AND p.form_of_care = %(form)s
          AND v.done_on IS NULL AND v.kind IN ('scheduled', 'annual_report') AND v.planned_on >= %(from_date)s
          AND NOT EXISTS (SELECT 1 FROM wanted w
                          WHERE w.placement_id = v.placement_id AND w.kind = v.kind AND w.planned_on = v.planned_on)
        RETURNING v.*
    )
    {history}
"""


def policy_params(policy: VisitPolicy) -> dict[str, object]:
    return {
        "first": list(policy.first_visits_months),
        "every": policy.repeat_every_months,
        "until": policy.repeat_until_months,
        "report_every": policy.annual_report_every_months,
        "form": policy.form_of_care,
    }
