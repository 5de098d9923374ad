"""Web pages benchmark (h7): "My cases" and the supervisor's dashboard at national scale
(otbasy_bench: 1,000,000 children and cases, ~10M visits, loaded by `manage.py seed_demo`).

For the social worker with the most cases and for a regional supervisor it measures (median and
p95 over the runs, milliseconds):
  - the whole page through Django's test client (session, middleware, template): GET /cases/;
  - the selector alone (web.selectors.my_cases: the count and the first page of 50);
  - the same count and page in hand-written raw SQL (the reference);
  - the regional supervisor's dashboard, GET /unit/, and its number of queries.

Read-only: the bench changes nothing in the database.

Usage:  .venv/bin/python bench/bench_web_pages.py [--runs 30]
        (DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/otbasy_bench)
"""

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/otbasy_bench")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.timing import measure  # noqa: E402
from cases.models import Case  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    today = timezone.localdate()

    busiest = (
        Case.objects.filter(assigned_worker__isnull=False).values("assigned_worker").annotate(n=Count("id")).order_by("-n").first()
    )
    worker = User.objects.get(pk=busiest["assigned_worker"])
    supervisor = User.objects.filter(role="supervisor", unit__kind="region").select_related("unit").order_by("id").first()
    unit_ids = supervisor.unit.descendant_ids()
    print(f"worker {worker.username}: {busiest['n']} cases; supervisor {supervisor.username}: {len(unit_ids)} units")

    rows = []
    worker_client, supervisor_client = Client(), Client()
    worker_client.force_login(worker)
    supervisor_client.force_login(supervisor)
    rows.append(("worker: GET /cases/ (page)", *measure(page(worker_client, "/cases/"), args.runs), queries_of(worker_client, "/cases/")))
    rows.append(("worker: my_cases selector (count + 50 rows)", *measure(selector(worker), args.runs), 2))
    worker_where, worker_params = "c.assigned_worker_id = %(user)s", {"user": worker.pk, "today": today}
    rows.append(("worker: raw SQL reference (count + 50 rows)", *measure(raw(worker_where, worker_params), args.runs), 2))
    rows.append(("worker: GET /cases/?order=visit (overdue first)", *measure(page(worker_client, "/cases/?order=visit"), args.runs),
                 queries_of(worker_client, "/cases/?order=visit")))
    rows.append(("worker: raw SQL reference, overdue first",
                 *measure(raw(worker_where, worker_params, "visit"), args.runs), 2))
    rows.append(("region supervisor: GET /cases/ (page)", *measure(page(supervisor_client, "/cases/"), args.runs),
                 queries_of(supervisor_client, "/cases/")))
    rows.append(("region supervisor: my_cases selector", *measure(selector(supervisor), args.runs), 2))
    rows.append(("region supervisor: raw SQL reference",
                 *measure(raw("c.responsible_unit_id = ANY(%(units)s)", {"units": unit_ids, "today": today}), args.runs), 2))
    dashboard_runs = max(3, args.runs // 5)
    rows.append(("region supervisor: GET /unit/ (dashboard)", *measure(page(supervisor_client, "/unit/"), dashboard_runs, warmup=1),
                 queries_of(supervisor_client, "/unit/")))

    print(f"{'measurement':55} {'median ms':>10} {'p95 ms':>10} {'queries':>8}")
    for name, median, p95, queries in rows:
        print(f"{name:55} {median:10} {p95:10} {queries:8}")


if __name__ == "__main__":
    main()
