"""Writes of the statistics app: refreshing the snapshot tables, storing a differentially private release."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from stats.dimensions import age_band_sql
from stats.models import FactsRefresh, PrivateRelease


def release_private_table(
    *, key: str, indicator: str, epsilon: float, request: dict, build: Callable[[], dict]
) -> dict:
    """The stored release for this request, or a new one built (with fresh noise) and stored.

    Two first requests at once: the loser of the unique key reads the winner's table."""
    existing = PrivateRelease.objects.filter(key=key).values_list("table", flat=True).first()
    if existing is not None:
        return existing
    table = build()
    release = PrivateRelease(key=key, indicator=indicator, epsilon=epsilon, request=request, table=table)
    release.full_clean()
    try:
        with transaction.atomic():
            release.save()
    except IntegrityError:
        return PrivateRelease.objects.get(key=key).table
    return table


CASE_FACTS_SQL = """
INSERT INTO stats_casefact (case_id, region_id, sex, birth_date, opened_on, closed_on, outcome,
                            first_permanent_on, moves, last_move_on, move_dates)
SELECT k.id, c.region_id, c.sex, c.birth_date, k.opened_on, k.closed_on, k.outcome,
       pl.first_permanent_on, COALESCE(pl.moves, 0), pl.last_move_on, pl.move_dates
FROM cases_case k JOIN children_child c ON c.id = k.child_id
LEFT JOIN (
    SELECT case_id,
           min(started_on) FILTER (WHERE form_of_care = ANY(%(permanent_forms)s)) AS first_permanent_on,
           count(*) FILTER (WHERE end_reason = ANY(%(move_reasons)s)) AS moves,
           max(ended_on) FILTER (WHERE end_reason = ANY(%(move_reasons)s)) AS last_move_on,
           array_agg(ended_on ORDER BY ended_on) FILTER (WHERE end_reason = ANY(%(move_reasons)s)) AS move_dates
    FROM cases_placement GROUP BY case_id
) pl ON pl.case_id = k.id
"""

PLACEMENT_FACTS_SQL = """
INSERT INTO stats_placementfact (placement_id, case_id, region_id, sex, birth_date, form_of_care, carer_relationship,
                                 started_on, ended_on, end_reason, case_opened_on, first_in_case)
SELECT p.id, p.case_id, c.region_id, c.sex, c.birth_date, p.form_of_care, p.carer_relationship, p.started_on, p.ended_on,
       p.end_reason,
       k.opened_on, row_number() OVER (PARTITION BY p.case_id ORDER BY p.started_on, p.id) = 1
FROM cases_placement p JOIN cases_case k ON k.id = p.case_id JOIN children_child c ON c.id = p.child_id
"""

# Copied from the placement facts just written, so that both agree on which placement came first.
FIRST_PLACEMENT_FACTS_SQL = f"""
INSERT INTO stats_firstplacementfact (case_id, region_id, sex, form_of_care, started_on, year, quarter, age_band,
                                      days_from_registration)
SELECT case_id, region_id, sex, form_of_care, started_on, EXTRACT(YEAR FROM started_on)::int,
       EXTRACT(YEAR FROM started_on)::int * 10 + EXTRACT(QUARTER FROM started_on)::int,
       {age_band_sql("started_on", "birth_date")}, started_on - case_opened_on
FROM stats_placementfact WHERE first_in_case
"""


def refresh_statistics() -> FactsRefresh:
    """Copy every case and placement into the snapshot tables, in one transaction: readers see the
    old snapshot or the new one, never half of each (TRUNCATE makes them wait a few seconds)."""
    started_at = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', '128MB', true)")
        cursor.execute("TRUNCATE stats_casefact, stats_placementfact, stats_firstplacementfact")
        cursor.execute(
            CASE_FACTS_SQL,
            {
                "permanent_forms": list(settings.STATS_PERMANENT_FORMS_OF_CARE),
                "move_reasons": list(settings.STATS_PLACEMENT_MOVE_END_REASONS),
            },
        )
        cases = cursor.rowcount
        cursor.execute(PLACEMENT_FACTS_SQL)
        placements = cursor.rowcount
        cursor.execute(FIRST_PLACEMENT_FACTS_SQL)
        for table in ("stats_casefact", "stats_placementfact", "stats_firstplacementfact"):
            cursor.execute(f"ANALYZE {table}")
        refresh = FactsRefresh(started_at=started_at, finished_at=timezone.now(), cases=cases, placements=placements)
        refresh.full_clean()
        refresh.save()
    return refresh
