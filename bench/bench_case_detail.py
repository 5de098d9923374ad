"""Case detail benchmark at national scale (otbasy_bench: 1,000,000 children and cases).

For one social worker's case it measures, over --runs runs (median and p95, milliseconds):
  - the API: GET /api/v1/cases/{id}/ through DRF as the case's worker (visibility check, the case
    with its child and stage history, and the access log row the detail writes);
  - the same work in hand-written raw SQL (the reference): the visible case with its child, its
    stage changes with their actors, and the access-log INSERT;
called alternately (bench.timing.measure_pair), so both see the same load on a shared machine.
Everything runs inside one transaction rolled back at the end: the database is left as it was.

Usage:  .venv/bin/python bench/bench_case_detail.py [--runs 200]
        (DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/otbasy_bench)
Prints a final line ``BENCH_RESULT {json}`` for bench/run_all.py.
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/otbasy_bench")
os.environ.setdefault("THROTTLE_USER", "1000000000/minute")  # throttling is not what is measured
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from bench.timing import measure_pair  # noqa: E402
from cases.models import Case  # noqa: E402

RAW_CASE = """
SELECT c.id, c.stage, c.stage_entered_at, c.form_of_care, c.assigned_worker_id, c.responsible_unit_id, c.opened_on,
       c.closed_on, c.outcome, c.decision_status, c.decision_family_id, c.decision_reviewed_by_id,
       c.decision_reviewed_at, c.decision_review_reason, c.version,
       ch.id, ch.last_name, ch.first_name, ch.birth_date, ch.sex
FROM cases_case c JOIN children_child ch ON ch.id = c.child_id
WHERE c.id = %(case)s AND c.assigned_worker_id = %(user)s
"""
RAW_HISTORY = """
SELECT s.from_stage, s.to_stage, s.reason, u.username, s.changed_at
FROM cases_stagechange s LEFT JOIN accounts_user u ON u.id = s.actor_id
WHERE s.case_id = %(case)s ORDER BY s.changed_at, s.id
"""
RAW_LOG = """
INSERT INTO audit_accesslog (user_id, kind, case_id, child_id, viewed_at, path, ip_address, saw_sensitive)
VALUES (%(user)s, 'case', %(case)s, %(child)s, now(), %(path)s, '127.0.0.1', false)
"""





def typical_case() -> Case:
    """A placed case (it has a stage history) of a worker with a typical caseload."""
    return (Case.objects.filter(stage="placed", assigned_worker__isnull=False).select_related("assigned_worker")
            .order_by("id")[1000:1001].get())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with transaction.atomic():
        case = typical_case()
        worker = case.assigned_worker
        url = f"/api/v1/cases/{case.pk}/"
        client = APIClient()
        client.force_authenticate(worker)
        first = client.get(url)
        assert first.status_code == 200, first.status_code
        history = len(first.data["history"])

        def api() -> None:
            response = client.get(url)
            assert response.status_code == 200

        params = {"case": case.pk, "user": worker.pk, "child": case.child_id, "path": url}

        def raw() -> None:
            with connection.cursor() as cursor:
                cursor.execute(RAW_CASE, params)
                assert cursor.fetchone() is not None
                cursor.execute(RAW_HISTORY, params)
                cursor.fetchall()
                cursor.execute(RAW_LOG, params)

        api_median, api_p95, raw_median, raw_p95, ratio = measure_pair(api, raw, args.runs, warmup=10)
        transaction.set_rollback(True)  # leave otbasy_bench as it was (no access-log rows)
    print(f"database: {connection.settings_dict['NAME']}, nproc: {os.cpu_count()}, runs: {args.runs}, "
          f"case {case.pk} (stage history of {history})")
    print(f"API GET /api/v1/cases/{{id}}/   median {api_median:8.2f} ms   p95 {api_p95:8.2f} ms")
    print(f"raw SQL reference             median {raw_median:8.2f} ms   p95 {raw_p95:8.2f} ms")
    print(f"ratio API / raw SQL (median of the {args.runs} interleaved pairs): {ratio}")
    print("BENCH_RESULT " + json.dumps({"name": "case detail (API, worker)", "median_ms": api_median,
                                        "reference_ms": raw_median, "reference": "raw SQL"}))


if __name__ == "__main__":
    main()
