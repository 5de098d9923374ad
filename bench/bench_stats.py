"""Statistics benchmark: every indicator for the whole country by region and year, through the API,
beside the same numbers computed by one hand-written raw SQL query (otbasy_bench: 1,000,000
children and cases, ~1.5M placements, loaded by `manage.py seed_demo --children 1000000`).

For each indicator it measures (median of --runs runs after one warm-up, milliseconds):
  - api_admin: GET /api/v1/stats/<indicator>/?breakdown=region,year as an administrator (no
    suppression): SQL, table building, JSON rendering;
  - api_analyst: the same as an analyst (small-cell and complementary suppression applied);
  - api_sql: the one query the API runs (over the snapshot tables stats_casefact/stats_placementfact),
    executed alone: what the API adds on top of it is table building, suppression and JSON;
  - raw_sql: the reference query, written by hand independently of stats/, over the live tables
    (cases_case, cases_placement, children_child) -- the same numbers the ministry would get by SQL;
and checks that the API's unsuppressed cells equal the reference's numbers (the snapshot must be
fresh: run `manage.py refresh_statistics` on otbasy_bench first).
The users it needs are created inside a transaction that is rolled back.

Usage:  .venv/bin/python bench/bench_stats.py [--runs 5] [--only return_rate,...]
        (DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/otbasy_bench)
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/otbasy_bench")
os.environ.setdefault("THROTTLE_USER", "1000000/minute")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import OrganisationalUnit, User  # noqa: E402
from regions.models import Region  # noqa: E402
from stats.indicators import INDICATORS, QuerySpec  # noqa: E402
from stats.selectors import fetch_rows  # noqa: E402

BAND = (
    "CASE WHEN date_part('year', age({e}, c.birth_date)) <= 2 THEN '0-2' "
    "WHEN date_part('year', age({e}, c.birth_date)) <= 6 THEN '3-6' ELSE 'older' END"
)

# The reference: one plain GROUP BY region, year per indicator, written without the stats app.
RAW_SQL = {
    "children_in_care": """
        SELECT c.region_id, EXTRACT(YEAR FROM s.d)::int AS year, count(*) AS children
        FROM cases_case k JOIN children_child c ON c.id = k.child_id
        CROSS JOIN unnest(%(snapshots)s::date[]) AS s(d)
        WHERE k.opened_on <= s.d AND (k.closed_on IS NULL OR k.closed_on > s.d)
        GROUP BY 1, 2""",
    "entries": """
        SELECT region_id, EXTRACT(YEAR FROM d)::int AS year, count(*) AS entries, count(*) FILTER (WHERE r) AS returns
        FROM (SELECT c.region_id, k.opened_on AS d, false AS r FROM cases_case k JOIN children_child c ON c.id = k.child_id
              UNION ALL
              SELECT c.region_id, p.ended_on, true FROM cases_placement p JOIN children_child c ON c.id = p.child_id
              WHERE p.end_reason = 'returned') e
        WHERE d <= %(as_of)s GROUP BY 1, 2""",
    "exits": """
        SELECT c.region_id, EXTRACT(YEAR FROM k.closed_on)::int AS year, count(*) AS exits
        FROM cases_case k JOIN children_child c ON c.id = k.child_id
        WHERE k.closed_on <= %(as_of)s GROUP BY 1, 2""",
    "placements_started": """
        SELECT c.region_id, EXTRACT(YEAR FROM p.started_on)::int AS year, count(*) AS placements
        FROM cases_placement p JOIN children_child c ON c.id = p.child_id
        WHERE p.started_on <= %(as_of)s GROUP BY 1, 2""",
    "placements_ended": """
        SELECT c.region_id, EXTRACT(YEAR FROM p.ended_on)::int AS year, count(*) AS placements
        FROM cases_placement p JOIN children_child c ON c.id = p.child_id
        WHERE p.ended_on <= %(as_of)s GROUP BY 1, 2""",
    "return_rate": """
        SELECT c.region_id, EXTRACT(YEAR FROM p.started_on)::int AS year,
          count(*) FILTER (WHERE (p.started_on + interval '12 months')::date <= %(as_of)s) AS placements_12m,
          count(*) FILTER (WHERE (p.started_on + interval '12 months')::date <= %(as_of)s AND p.end_reason = 'returned'
                           AND p.ended_on <= (p.started_on + interval '12 months')::date) AS returned_12m,
          count(*) FILTER (WHERE (p.started_on + interval '24 months')::date <= %(as_of)s) AS placements_24m,
          count(*) FILTER (WHERE (p.started_on + interval '24 months')::date <= %(as_of)s AND p.end_reason = 'returned'
                           AND p.ended_on <= (p.started_on + interval '24 months')::date) AS returned_24m
        FROM cases_placement p JOIN children_child c ON c.id = p.child_id
        WHERE p.started_on <= %(as_of)s GROUP BY 1, 2""",
    "reentry_12m": """
        SELECT c.region_id, EXTRACT(YEAR FROM k.opened_on)::int AS year,
          count(*) AS exits_12m, count(*) FILTER (WHERE n.opened_on <= (k.closed_on + interval '12 months')::date) AS reentered_12m
        FROM cases_case k JOIN children_child c ON c.id = k.child_id
        LEFT JOIN cases_case n ON n.follows_id = k.id
        WHERE k.opened_on <= %(as_of)s AND k.closed_on <= (k.opened_on + interval '12 months')::date
          AND (k.closed_on + interval '12 months')::date <= %(as_of)s AND k.closed_on - k.opened_on >= 8
          AND c.birth_date + interval '18 years' > k.opened_on
          AND (k.outcome = 'reunified' OR k.outcome = 'permanency' AND (
               SELECT p.form_of_care FROM cases_placement p WHERE p.case_id = k.id ORDER BY p.started_on DESC, p.id DESC LIMIT 1
               ) IN ('guardianship', 'trusteeship', 'kinship'))
        GROUP BY 1, 2""",
    "placement_stability": """
        SELECT region_id, year, count(*) AS children, sum(moves)::bigint AS moves, sum(window_end - opened_on)::bigint AS days_in_care
        FROM (
          SELECT c.region_id, EXTRACT(YEAR FROM k.opened_on)::int AS year, k.opened_on, w.window_end,
            -- a start in a non-permanent form and a return are two moves, even of one placement
            (SELECT count(*) FILTER (WHERE p.form_of_care NOT IN ('adoption', 'guardianship', 'trusteeship', 'kinship')
                                       AND p.started_on <= w.window_end)
                    + count(*) FILTER (WHERE p.end_reason = 'returned' AND p.ended_on <= w.window_end)
             FROM cases_placement p WHERE p.case_id = k.id) AS moves
          FROM cases_case k JOIN children_child c ON c.id = k.child_id
          CROSS JOIN LATERAL (SELECT LEAST((k.opened_on + interval '12 months')::date, COALESCE(k.closed_on, 'infinity'),
              COALESCE((SELECT min(started_on) FROM cases_placement p WHERE p.case_id = k.id
                        AND p.form_of_care IN ('adoption', 'guardianship', 'trusteeship', 'kinship')), 'infinity'),
              %(as_of)s::date) AS window_end) w
          WHERE k.opened_on <= %(as_of)s) t
        GROUP BY 1, 2""",
    "permanency_12m": """
        SELECT c.region_id, EXTRACT(YEAR FROM k.opened_on)::int AS year, count(*) AS children,
          count(*) FILTER (WHERE EXISTS (
              SELECT 1 FROM cases_placement p WHERE p.case_id = k.id
                AND p.form_of_care IN ('adoption', 'guardianship', 'trusteeship', 'kinship')
                AND p.started_on <= (k.opened_on + interval '12 months')::date
                AND (p.ended_on IS NULL OR p.ended_on > (k.opened_on + interval '12 months')::date
                     OR p.end_reason IN ('permanency', 'came_of_age', 'reunified')))
             OR (k.outcome = 'reunified' AND k.closed_on <= (k.opened_on + interval '12 months')::date)) AS permanent_12m
        FROM cases_case k JOIN children_child c ON c.id = k.child_id
        WHERE (k.opened_on + interval '12 months')::date <= %(as_of)s AND c.birth_date + interval '18 years' > k.opened_on
          AND (k.closed_on IS NULL OR k.closed_on - k.opened_on >= 8)
        GROUP BY 1, 2""",
    "time_to_placement": """
        SELECT c.region_id, EXTRACT(YEAR FROM k.opened_on)::int AS year, count(*) AS children,
          count(*) FILTER (WHERE (f.first IS NULL OR f.first > %(as_of)s) AND (k.closed_on IS NULL OR k.closed_on > %(as_of)s)) AS waiting,
          count(*) FILTER (WHERE (k.opened_on + interval '12 months')::date <= %(as_of)s) AS entered_12m,
          count(*) FILTER (WHERE (k.opened_on + interval '12 months')::date <= %(as_of)s
                           AND f.first <= (k.opened_on + interval '12 months')::date) AS placed_12m
        FROM cases_case k JOIN children_child c ON c.id = k.child_id
        LEFT JOIN (SELECT case_id, min(started_on) AS first FROM cases_placement GROUP BY case_id) f ON f.case_id = k.id
        WHERE k.opened_on <= %(as_of)s GROUP BY 1, 2""",
    "median_days_to_placement": """
        SELECT c.region_id, EXTRACT(YEAR FROM p.started_on)::int AS year, count(*) AS placements,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY p.started_on - k.opened_on) AS median_days
        FROM (SELECT DISTINCT ON (case_id) * FROM cases_placement WHERE started_on <= %(as_of)s
              ORDER BY case_id, started_on, id) p
        JOIN cases_case k ON k.id = p.case_id JOIN children_child c ON c.id = p.child_id
        GROUP BY 1, 2""",
}


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up: caches, plans
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 1)


def raw(indicator: str, as_of: dt.date) -> dict[tuple[int, int], dict]:
    snapshots = [min(dt.date(y, 12, 31), as_of) for y in range(as_of.year - 9, as_of.year + 1)]
    with transaction.atomic(), connection.cursor() as cursor:
        # The same session settings the API uses for its query, so that the two compare like for like.
        cursor.execute("SELECT set_config('work_mem', '128MB', true), set_config('jit', 'off', true)")
        cursor.execute(RAW_SQL[indicator], {"as_of": as_of, "snapshots": snapshots})
        names = [c.name for c in cursor.description]
        return {(row[0], row[1]): dict(zip(names[2:], row[2:], strict=True)) for row in cursor.fetchall()}


def same_numbers(data: dict, reference: dict, regions: dict[str, int]) -> bool:
    """Every cell of the API table equals the reference (a cell absent from the reference is 0)."""
    measures = next(iter(reference.values())).keys()
    for row in data["rows"]:
        expected = reference.get((regions[row["region"]], row["year"]), {})
        for measure in measures:
            want, got = expected.get(measure), row[measure]
            if isinstance(got, float) or isinstance(want, float):
                if want is None or got is None or abs(float(want) - got) > 0.06:
                    return False
            elif (want or 0) != (got or 0):
                return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    names = [n for n in INDICATORS if not args.only or n in args.only.split(",")]
    as_of = timezone.localdate()
    ministry = OrganisationalUnit.objects.get(code="ministry")
    regions = dict(Region.objects.values_list("code", "pk"))
    print(f"nproc={os.cpu_count()} as_of={as_of} runs={args.runs} (median ms)")
    print(f"{'indicator':28} {'api_admin':>10} {'api_analyst':>12} {'api_sql':>8} {'raw_sql':>8} {'api/raw':>8}  same numbers")
    results: list[dict] = []
    with transaction.atomic():
        admin = User.objects.create(username="bench-stats-admin", role="administrator", unit=ministry)
        analyst = User.objects.create(username="bench-stats-analyst", role="analyst", unit=ministry)
        admin_client, analyst_client = APIClient(), APIClient()
        admin_client.force_authenticate(admin)
        analyst_client.force_authenticate(analyst)
        for name in names:
            # The API's default window for a table by year (the as_of year and the nine before).
            query = {"breakdown": "region,year", "year_from": str(as_of.year - 9)}

            def call(client: APIClient, query=query, name=name) -> dict:
                response = client.get(f"/api/v1/stats/{name}/", query)
                assert response.status_code == 200, response.content[:500]
                return response.json()

            api_admin = median_ms(lambda: call(admin_client), args.runs)
            api_analyst = median_ms(lambda: call(analyst_client), args.runs)
            raw_ms = median_ms(lambda name=name: raw(name, as_of), args.runs)
            spec = QuerySpec(indicator=name, breakdown=("region", "year"), as_of=as_of, year_from=as_of.year - 9)
            api_sql = median_ms(lambda name=name, spec=spec: fetch_rows(INDICATORS[name], spec), args.runs)
            reference = raw(name, as_of)
            data = call(admin_client)
            same = same_numbers(data, reference, regions)
            print(f"{name:28} {api_admin:>10} {api_analyst:>12} {api_sql:>8} {raw_ms:>8} {api_admin / raw_ms:>8.2f}  {same}")
            results.append({
                "name": f"statistics: {name} by region and year (API, administrator)", "median_ms": api_admin,
                "reference_ms": raw_ms, "reference": "raw SQL on the live tables",
            })
        transaction.set_rollback(True)
    # Machine-readable lines for bench/run_all.py.
    for result in results:
        print("BENCH_RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
