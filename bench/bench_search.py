"""Search benchmark (issue 17 item 8): what a worker types, at national scale (a database loaded by
bench/seed_national.py: 1,000,000 children and cases).

For the social worker with the most cases and for a regional supervisor, and for three kinds of
search — part of a surname in Cyrillic typed in another case, the same name in a Latin spelling,
six digits of an IIN — it measures (median and p95 over the runs, milliseconds):
  - the case list page, GET /cases/?q=... (session, middleware, template), and its queries;
  - the children's API, GET /api/v1/children/?search=... (count and first page);
  - the raw-SQL reference: the same count and first page of cases, hand-written, on the same
    indexed ``search_text`` column (``LIKE '%word%'``, the trigram index);
  - for comparison, the Cyrillic search as it was before the column (``UPPER(name) LIKE UPPER(...)``
    on the three name columns, no index can serve it), raw SQL.

Read-only. Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/otbasy_bench_pages .venv/bin/python bench/bench_search.py [--runs 20]
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

from accounts.models import User  # noqa: E402
from bench.timing import measure  # noqa: E402
from cases.models import Case  # noqa: E402
from core.names import normalize_name  # noqa: E402

RAW = """
SELECT count(*) FROM cases_case c JOIN children_child ch ON ch.id = c.child_id WHERE {scope} AND {match};
"""
RAW_PAGE = """
SELECT c.id, ch.last_name, ch.first_name, c.stage, c.stage_entered_at
FROM cases_case c JOIN children_child ch ON ch.id = c.child_id
WHERE {scope} AND {match}
ORDER BY c.stage_entered_at DESC, c.id DESC LIMIT 50
"""
INDEXED = "ch.search_text LIKE %(like)s"
BEFORE = "(UPPER(ch.last_name) LIKE UPPER(%(raw)s) OR UPPER(ch.first_name) LIKE UPPER(%(raw)s) OR UPPER(ch.patronymic) LIKE UPPER(%(raw)s))"


def get(client: Client, url: str) -> Callable[[], object]:
    def call() -> object:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    return call


def raw(scope: str, match: str, params: dict) -> Callable[[], object]:
    def call() -> object:
        with connection.cursor() as cursor:
            cursor.execute(RAW.format(scope=scope, match=match), params)
            total = cursor.fetchone()[0]
            cursor.execute(RAW_PAGE.format(scope=scope, match=match), params)
            return total, cursor.fetchall()

    return call


def queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return len(ctx)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    busiest = (Case.objects.filter(assigned_worker__isnull=False).values("assigned_worker").annotate(n=Count("id"))
               .order_by("-n").first())
    worker = User.objects.get(pk=busiest["assigned_worker"])
    supervisor = User.objects.filter(role="supervisor", unit__kind="region").select_related("unit").order_by("id").first()
    units = supervisor.unit.descendant_ids()
    sample = Case.objects.filter(assigned_worker=worker, child__iin__isnull=False).select_related("child").order_by("id").first().child
    cyrillic = sample.last_name[:5].swapcase()  # typed in another case: "НҰРЛА" for "Нұрланов"
    latin = normalize_name(sample.last_name)[:6]
    digits = sample.iin[2:8]
    print(f"worker {worker.username}: {busiest['n']} cases; supervisor {supervisor.username}: {len(units)} units; "
          f"searches {cyrillic!r}, {latin!r}, {digits!r}")

    rows = []
    for who, user, scope, params in (
        ("worker", worker, "c.assigned_worker_id = %(user)s", {"user": worker.pk}),
        ("region supervisor", supervisor, "c.responsible_unit_id = ANY(%(units)s)", {"units": units}),
    ):
        client = Client()
        client.force_login(user)
        for kind, q in (("Cyrillic, other case", cyrillic), ("Latin spelling", latin), ("6 digits of an IIN", digits)):
            url = f"/cases/?q={q}"
            rows.append((f"{who}: GET /cases/?q= ({kind})", *measure(get(client, url), args.runs), queries_of(client, url)))
            api = f"/api/v1/children/?search={q}"
            rows.append((f"{who}: GET /api/v1/children/?search= ({kind})", *measure(get(client, api), args.runs),
                         queries_of(client, api)))
            like = {**params, "like": f"%{q if q.isdigit() else normalize_name(q)}%"}
            rows.append((f"{who}: raw SQL reference, indexed column ({kind})", *measure(raw(scope, INDEXED, like), args.runs), 2))
        before = {**params, "raw": f"%{cyrillic}%"}
        rows.append((f"{who}: raw SQL, names without the column (Cyrillic)", *measure(raw(scope, BEFORE, before), args.runs), 2))

    print(f"{'measurement':70} {'median ms':>10} {'p95 ms':>10} {'queries':>8}")
    for name, median, p95, queries in rows:
        print(f"{name:70} {median:10} {p95:10} {queries:8}")


if __name__ == "__main__":
    main()
