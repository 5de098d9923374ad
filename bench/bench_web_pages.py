"""Web pages benchmark (h7): "My cases" and the supervisor's dashboard at national scale
(otbasy_bench: 1,000,000 children and cases, ~10M visits, loaded by `manage.py seed_demo`).

For the social worker with the most cases and for a regional supervisor it measures (median and
p95 over the runs, milliseconds):
  - the whole page through Django's test client (session, middleware, template): GET /cases/;
  - the selector alone (web.selectors.my_cases: the count and the first page of 50);
  - the same count and page in hand-written raw SQL (the reference);
  - the regional supervisor's dashboard, GET /unit/, warm and cold, against the region's aggregates
    in raw SQL, and its number of queries.

Read-only: the bench changes nothing in the database (without precomputed dashboard figures for
today, it computes them in a transaction it rolls back).

Usage:  .venv/bin/python bench/bench_web_pages.py [--runs 30] [--dashboard-only | --no-dashboard]
        (DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/otbasy_bench)
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/otbasy_bench")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.core.cache import caches  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import OrganisationalUnit, User  # noqa: E402
from bench.timing import measure, measure_pair, ms  # noqa: E402
from cases.models import Case  # noqa: E402
from web.figures import compute_unit_figures, refresh_unit_figures  # noqa: E402
from web.models import UnitFigures  # noqa: E402
from web.selectors import my_cases  # noqa: E402

PAGE = 50

# The reference: the first page ordered as the page orders it, with the same per-row subqueries.
RAW_PAGE = """
SELECT * FROM (
  SELECT c.id, ch.last_name, ch.first_name, ch.birth_date, c.stage, c.stage_entered_at,
    (SELECT min(v.planned_on) FROM visits_visit v JOIN cases_placement p ON p.id = v.placement_id
      WHERE p.case_id = c.id AND p.ended_on IS NULL AND v.done_on IS NULL) AS next_visit_on,
    (SELECT pr.band FROM risk_placementrisk pr JOIN cases_placement p ON p.id = pr.placement_id
      WHERE p.case_id = c.id AND p.ended_on IS NULL LIMIT 1) AS band,
    (SELECT pr.score FROM risk_placementrisk pr JOIN cases_placement p ON p.id = pr.placement_id
      WHERE p.case_id = c.id AND p.ended_on IS NULL LIMIT 1) AS score
  FROM cases_case c JOIN children_child ch ON ch.id = c.child_id
  WHERE {where}
  {inner_order}
) page
ORDER BY {order}
LIMIT 50
"""
RAW_COUNT = "SELECT count(*) FROM cases_case c WHERE {where}"
RAW_ORDER = {
    # Sorted and cut inside, so the scalar subqueries run for the 50 rows only.
    "recent": ("ORDER BY c.stage_entered_at DESC, c.id DESC LIMIT 50", "stage_entered_at DESC, id DESC"),
    "visit": ("", "(next_visit_on < %(today)s) DESC NULLS LAST, next_visit_on ASC NULLS LAST, stage_entered_at DESC, id DESC"),
}





def page(client: Client, url: str) -> Callable[[], object]:
    def call() -> object:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response

    return call


def selector(user: User, order: str = "recent") -> Callable[[], object]:
    def call() -> object:
        qs = my_cases(user=user, order=order)
        return qs.count(), list(qs[:PAGE])

    return call


def raw(where: str, params: dict, order: str = "recent") -> Callable[[], object]:
    def call() -> object:
        with connection.cursor() as cursor:
            cursor.execute(RAW_COUNT.format(where=where), params)
            total = cursor.fetchone()[0]
            inner_order, outer_order = RAW_ORDER[order]
            cursor.execute(RAW_PAGE.format(where=where, inner_order=inner_order, order=outer_order), params)
            return total, cursor.fetchall()

    return call


def queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return len(ctx)


def dashboard_rows(rows: list, client: Client, unit_ids: list[int], today: object, runs: int) -> None:
    """The dashboard warm (its figures' HTML cached, as a supervisor opens it again within
    DASHBOARD_CACHE_SECONDS) and cold (the cache emptied before each request: a first opening, or one
    after the cache expired), each against the reference: the region's aggregates in raw SQL alone
    (web.figures' five grouped statements over the region's units, what the page would have to run
    without the precomputed rows), called alternately."""
    def aggregates() -> object:
        return compute_unit_figures(unit_ids=unit_ids, today=today)

    dashboard_runs = max(5, runs // 3)
    for mode in ("warm", "cold"):
        db_times: list[float] = []

        def page(mode: str = mode, db_times: list[float] = db_times) -> object:
            if mode == "cold":
                caches["dashboard"].clear()
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/unit/").status_code == 200
            db_times.append(sum(float(q["time"]) for q in ctx.captured_queries))
            page.queries = len(ctx)

        median, p95, raw_median, _raw_p95, ratio = measure_pair(page, aggregates, dashboard_runs, warmup=1)
        rows.append((f"region supervisor: GET /unit/ (dashboard, {mode})", median, p95, page.queries,
                     f"{ratio}x the aggregates' raw SQL ({raw_median} ms); database part "
                     f"{ms(statistics.median(db_times))} ms"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--dashboard-only", action="store_true", help="only the supervisor's dashboard")
    parser.add_argument("--no-dashboard", action="store_true", help="the case lists only")
    args = parser.parse_args()
    today = timezone.localdate()

    busiest = (
        Case.objects.filter(assigned_worker__isnull=False).values("assigned_worker").annotate(n=Count("id")).order_by("-n").first()
    )
    worker = User.objects.get(pk=busiest["assigned_worker"])
    # The regional supervisor of the region with the most cases (issue 18: "the largest region").
    with connection.cursor() as cursor:
        cursor.execute("SELECT u.region_id FROM cases_case c JOIN accounts_organisationalunit u ON u.id = c.responsible_unit_id "
                       "GROUP BY u.region_id ORDER BY count(*) DESC LIMIT 1")
        region_id = cursor.fetchone()[0]
    supervisor = (User.objects.filter(role="supervisor", unit__kind="region", unit__region_id=region_id, is_active=True)
                  .select_related("unit").order_by("id").first())
    unit_ids = supervisor.unit.descendant_ids()
    region_cases = Case.objects.filter(responsible_unit_id__in=unit_ids).count()
    print(f"worker {worker.username}: {busiest['n']} cases; supervisor {supervisor.username}: {len(unit_ids)} units, "
          f"{region_cases} cases; nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")

    rows = []
    worker_client, supervisor_client = Client(), Client()
    worker_client.force_login(worker)
    supervisor_client.force_login(supervisor)
    worker_where, worker_params = "c.assigned_worker_id = %(user)s", {"user": worker.pk, "today": today}
    region_where, region_params = "c.responsible_unit_id = ANY(%(units)s)", {"units": unit_ids, "today": today}
    if not args.dashboard_only:
        # Each page and its raw-SQL reference are called alternately (bench.timing.measure_pair).
        for name, client, url, where, params, order in (
            ("worker: GET /cases/ (page)", worker_client, "/cases/", worker_where, worker_params, "recent"),
            ("worker: GET /cases/?order=visit (overdue first)", worker_client, "/cases/?order=visit", worker_where, worker_params, "visit"),
            ("region supervisor: GET /cases/ (page)", supervisor_client, "/cases/", region_where, region_params, "recent"),
        ):
            median, p95, raw_median, _raw_p95, ratio = measure_pair(page(client, url), raw(where, params, order), args.runs)
            rows.append((name, median, p95, queries_of(client, url), f"{ratio}x raw SQL ({raw_median} ms)"))
        rows.append(("worker: my_cases selector (count + 50 rows)", *measure(selector(worker), args.runs), 2, ""))
        rows.append(("region supervisor: my_cases selector", *measure(selector(supervisor), args.runs), 2, ""))

    # The dashboard reads its region-wide figures from the rows precomputed per unit (web.figures).
    # Without rows for today (this database is read-only) they are computed for the whole country
    # inside a transaction rolled back at the end, and that refresh is timed once.
    with transaction.atomic():
        if args.no_dashboard:
            transaction.set_rollback(True)
            return print_rows(rows)
        if UnitFigures.objects.filter(day=today).count() < OrganisationalUnit.objects.count():
            start = time.perf_counter()
            refresh_unit_figures(today=today)
            print(f"national refresh of the dashboard figures (rolled back): {time.perf_counter() - start:.2f} s, "
                  f"load average {os.getloadavg()[0]:.1f}")
        district = next(u for u in unit_ids if u != supervisor.unit_id)
        rows.append(("refresh of one district's figures (after an action)",
                     *measure(lambda: compute_unit_figures(unit_ids=[district], today=today), 5), 2, ""))
        dashboard_rows(rows, supervisor_client, unit_ids, today, args.runs)
        transaction.set_rollback(True)
    print_rows(rows)


def print_rows(rows: list) -> None:
    print(f"{'measurement':55} {'median ms':>10} {'p95 ms':>10} {'queries':>8}  reference")
    for name, median, p95, queries, note in rows:
        print(f"{name:55} {median:10} {p95:10} {queries:8}  {note}")


if __name__ == "__main__":
    main()
