"""Caseload benchmark: a social worker's first page of cases and a regional supervisor's list, at
national scale (otbasy_bench: 1,000,000 children and cases, loaded by `manage.py seed_demo`).

For each user it measures, over many runs (median and p95, milliseconds):
  - the API: GET /api/v1/cases/ through DRF (first page of 50 rows with the total count);
  - the database part of that request (the sum of its queries' times);
  - the same page and count in hand-written raw SQL (the reference);
  - django-guardian's own `get_objects_for_user` on the same data (the grants it needs are inserted
    for the run, inside a transaction that is rolled back: the bench leaves the database as it was);
  - the designs that were weighed for the selectors (see docs/permissions.md).

Usage:  .venv/bin/python bench/bench_caseload.py [--runs 200]
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
os.environ.setdefault("THROTTLE_USER", "1000000/minute")  # throttling is not what is measured
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.contrib.auth.models import Group, Permission  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Exists, OuterRef, Q  # noqa: E402
from guardian.shortcuts import get_objects_for_user  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from access.models import CaseGroupObjectPermission, CaseUserObjectPermission  # noqa: E402
from access.selectors import cases_visible_to, unit_ids_for  # noqa: E402
from accounts.models import OrganisationalUnit, User  # noqa: E402
from bench.timing import measure, measure_pair, ms  # noqa: E402
from cases.models import Case  # noqa: E402

PAGE = 50
SHARED_WITH_WORKER = 20





def api_page(client: APIClient) -> Callable[[], object]:
    def call() -> object:
        response = client.get("/api/v1/cases/")
        assert response.status_code == 200, response.status_code
        assert len(response.data["results"]) <= PAGE
        return response.data["count"]

    return call


def api_db_part(client: APIClient, runs: int) -> tuple[float, int]:
    """Median of the summed query times of one API request (each query timed around the driver's
    execute, which brings the rows to the client), and the number of queries."""
    totals, count = [], 0
    for _ in range(runs):
        spent: list[float] = []

        def timer(execute, sql, params, many, context, spent=spent):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent.append(time.perf_counter() - start)

        with connection.execute_wrapper(timer):
            client.get("/api/v1/cases/")
        totals.append(sum(spent))
        count = len(spent)
    return ms(statistics.median(totals)), count


# The columns the API's query selects (the case and its select_related rows), written by hand.
RAW_PAGE = """
SELECT c.*, ch.*, u.*, w.*, f.*
FROM cases_case c
JOIN children_child ch ON ch.id = c.child_id
JOIN accounts_organisationalunit u ON u.id = c.responsible_unit_id
LEFT JOIN accounts_user w ON w.id = c.assigned_worker_id
LEFT JOIN families_family f ON f.id = c.decision_family_id
WHERE {where}
ORDER BY c.stage_entered_at DESC, c.id ASC
LIMIT 50
"""


def raw(where: str, params: list) -> Callable[[], object]:
    def call() -> object:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM cases_case c WHERE {where}", params)
            total = cursor.fetchone()[0]
            cursor.execute(RAW_PAGE.format(where=where), params)
            cursor.fetchall()
        return total

    return call


def orm_page(make_queryset: Callable[[], object]) -> Callable[[], object]:
    def call() -> object:
        queryset = make_queryset().select_related("child", "responsible_unit", "assigned_worker", "decision_family")
        list(queryset.order_by("-stage_entered_at", "id")[:PAGE])
        return queryset.count()

    return call


def pick_worker() -> tuple[User, int]:
    """The social worker whose caseload is closest to the average (a typical worker)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH loads AS (
                SELECT assigned_worker_id AS id, count(*) AS n FROM cases_case
                WHERE assigned_worker_id IS NOT NULL GROUP BY assigned_worker_id
            )
            SELECT id, n, (SELECT count(*) FROM loads) FROM loads
            ORDER BY abs(n - (SELECT avg(n) FROM loads)), id LIMIT 1
            """
        )
        worker_id, load, workers = cursor.fetchone()
    print(f"social workers with cases: {workers}; typical caseload: {load} (worker {worker_id})")
    return User.objects.get(pk=worker_id), load


def pick_supervisor() -> User:
    """A supervisor of the regional department with the most cases (created for the run if the
    seed has none; rolled back with everything else)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT u.region_id, count(*) FROM cases_case c JOIN accounts_organisationalunit u ON u.id = c.responsible_unit_id
            GROUP BY u.region_id ORDER BY count(*) DESC LIMIT 1
            """
        )
        region_id, cases = cursor.fetchone()
    department = OrganisationalUnit.objects.get(kind="region", region_id=region_id)
    supervisor = User.objects.filter(role="supervisor", unit=department, is_active=True).order_by("pk").first()
    if supervisor is None:
        supervisor = User.objects.create(username="bench-h3-supervisor", role="supervisor", unit=department)
        print("(no regional supervisor in the seed: one created for the run)")
    print(f"largest region: {department.name_en}, {cases} cases (supervisor {supervisor.pk})")
    return supervisor


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--paired-only", action="store_true",
                        help="only the API against raw SQL, called alternately (no designs, no guardian)")
    args = parser.parse_args()
    runs = args.runs
    total = Case.objects.count()
    print(f"database: {connection.settings_dict['NAME']}, cases: {total}, nproc: {os.cpu_count()}, runs: {runs}")
    rows: list[tuple[str, float, float]] = []
    view_case = Permission.objects.get(content_type__app_label="cases", codename="view_case")

    few = max(10, runs // 10)  # the slow designs run fewer times

    def add(name: str, fn: Callable[[], object], n: int) -> None:
        rows.append((name, *measure(fn, n, warmup=5)))

    def guardian(user: User) -> Callable[[], object]:
        return orm_page(lambda: get_objects_for_user(user, "cases.view_case", klass=Case, accept_global_perms=False))

    with transaction.atomic():
        worker, _load = pick_worker()
        supervisor = pick_supervisor()
        client = APIClient()
        # The API against its raw-SQL reference called alternately (bench.timing.measure_pair): on a
        # shared machine both see the same load, so the ratio holds when the milliseconds do not.
        pairs = []
        for user, where, params in ((worker, "c.assigned_worker_id = %s", [worker.pk]),
                                    (supervisor, "c.responsible_unit_id = ANY(%s)", [unit_ids_for(supervisor)])):
            client.force_authenticate(user)
            pairs.append((user.role, *measure_pair(api_page(client), raw(where, params), runs)))
        print(f"\n{'API /api/v1/cases/ vs raw SQL, alternately':45} {'API ms':>8} {'p95':>8} {'raw ms':>8} {'p95':>8} {'ratio':>6}")
        for role, *figures in pairs:
            print(f"paired {role:38} " + " ".join(f"{x:8}" for x in figures))
        if args.paired_only:
            transaction.set_rollback(True)
            return
        client.force_authenticate(worker)
        # A typical worker: assigned cases only.
        add("worker: API /api/v1/cases/ (page + count)", api_page(client), runs)
        db_median, queries = api_db_part(client, runs)
        rows.append((f"worker: database part of the API request ({queries} queries)", db_median, float("nan")))
        add("worker: raw SQL, same page + count", raw("c.assigned_worker_id = %s", [worker.pk]), runs)
        add("worker: selector cases_visible_to (ORM page + count)", orm_page(lambda: cases_visible_to(worker)), runs)

        # The same worker with a few colleagues' cases shared with them: the grant path.
        colleagues_cases = Case.objects.filter(responsible_unit_id=worker.unit_id).exclude(assigned_worker=worker)
        others = list(colleagues_cases.values_list("pk", flat=True)[:SHARED_WITH_WORKER])
        CaseUserObjectPermission.objects.bulk_create(
            [CaseUserObjectPermission(user=worker, permission=view_case, content_object_id=pk) for pk in others]
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE access_caseuserobjectpermission")
        label = f"worker with {len(others)} shared cases"
        add(f"{label}: API /api/v1/cases/ (page + count)", api_page(client), runs)
        db_median, queries = api_db_part(client, runs)
        rows.append((f"{label}: database part of the API request ({queries} queries)", db_median, float("nan")))
        shared_where = "c.id IN (SELECT id FROM cases_case WHERE assigned_worker_id = %s UNION ALL SELECT unnest(%s::bigint[]))"
        add(f"{label}: raw SQL, same page + count", raw(shared_where, [worker.pk, others]), runs)
        or_list = raw("c.assigned_worker_id = %s OR c.id = ANY(%s)", [worker.pk, others])
        add(f"{label}, rejected design: assigned OR id IN (shared ids)", or_list, few)

        # Designs weighed for the worker (docs/permissions.md).
        grants = CaseUserObjectPermission.objects.active().filter(user=worker, permission=view_case)
        exists_grant = Exists(grants.filter(content_object=OuterRef("pk")))
        assigned_ids = Case.objects.filter(assigned_worker=worker).values_list("pk", flat=True).order_by()
        granted_ids = grants.values_list("content_object_id", flat=True).order_by()
        union = orm_page(lambda: Case.objects.filter(pk__in=assigned_ids.union(granted_ids, all=True)))
        add("worker, design: id IN (assigned UNION ALL grants)", union, runs)
        or_exists = orm_page(lambda: Case.objects.filter(Q(assigned_worker=worker) | exists_grant))
        add("worker, rejected design: assigned OR EXISTS(grant)", or_exists, few)

        # Guardian's own shortcut needs the assignment as grants: one view_case row per assigned case.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO access_caseuserobjectpermission (user_id, permission_id, content_object_id, granted_at)
                SELECT assigned_worker_id, %s, id, now() FROM cases_case WHERE assigned_worker_id = %s
                ON CONFLICT DO NOTHING
                """,
                [view_case.pk, worker.pk],
            )
            cursor.execute("ANALYZE access_caseuserobjectpermission")
        all_grants = orm_page(lambda: Case.objects.filter(pk__in=grants.values("content_object_id")))
        add("worker, design: every access as a grant, pk IN (grants)", all_grants, runs)
        add("worker: guardian get_objects_for_user", guardian(worker), few)

        client.force_authenticate(supervisor)
        unit_ids = unit_ids_for(supervisor)
        add("supervisor: API /api/v1/cases/ (region, page + count)", api_page(client), runs)
        db_median, queries = api_db_part(client, runs)
        rows.append((f"supervisor: database part of the API request ({queries} queries)", db_median, float("nan")))
        add("supervisor: raw SQL, same page + count", raw("c.responsible_unit_id = ANY(%s)", [unit_ids]), runs)
        add("supervisor: selector cases_visible_to (ORM page + count)", orm_page(lambda: cases_visible_to(supervisor)), runs)
        region_units = OrganisationalUnit.objects.filter(region_id=supervisor.unit.region_id)
        unit_subquery = orm_page(lambda: Case.objects.filter(responsible_unit__in=region_units))
        add("supervisor, rejected design: unit_id IN (subquery of units)", unit_subquery, few)

        # Guardian for the supervisor: a group per region holding view_case on each of its cases.
        region_group = Group.objects.create(name=f"bench-h3-region-{supervisor.unit.region_id}")
        supervisor.groups.add(region_group)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO access_casegroupobjectpermission (group_id, permission_id, content_object_id, granted_at)
                SELECT %s, %s, id, now() FROM cases_case WHERE responsible_unit_id = ANY(%s)
                """,
                [region_group.pk, view_case.pk, unit_ids],
            )
            cursor.execute("ANALYZE access_casegroupobjectpermission")
        group_grants = CaseGroupObjectPermission.objects.filter(group=region_group, permission=view_case).values("content_object_id")
        add("supervisor, design: group grants, pk IN (group grants)", orm_page(lambda: Case.objects.filter(pk__in=group_grants)), few)
        add("supervisor: guardian get_objects_for_user (group grants)", guardian(supervisor), few)
        transaction.set_rollback(True)  # leave otbasy_bench as it was

    width = max(len(name) for name, *_ in rows)
    print(f"\n{'measurement'.ljust(width)}  median ms     p95 ms")
    for name, median, p95 in rows:
        p95_text = "" if p95 != p95 else f"{p95:10.2f}"
        print(f"{name.ljust(width)}  {median:9.2f}  {p95_text}")


if __name__ == "__main__":
    main()
