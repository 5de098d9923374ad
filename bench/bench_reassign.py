"""Bulk reassignment benchmark (#18): a supervisor hands 1,000 open cases of one district to its
other social workers at once (access.services.reassign_cases: lock, checks, one UPDATE per
receiving worker, shares and grants of the previous workers closed, one bulk INSERT of history
rows), against a raw-SQL reference doing the same writes in three statements.

Each run happens inside a transaction that is rolled back, so the bench leaves the database as it
was. Prints the median and p95 in milliseconds over ``--runs`` runs.

Usage:  .venv/bin/python bench/bench_reassign.py [--runs 7] [--cases 1000]
        (DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/otbasy_bench)
"""

import argparse
import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/otbasy_bench")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from access.services import reassign_cases  # noqa: E402
from accounts.models import User  # noqa: E402
from bench.timing import measure_pair  # noqa: E402
from cases.models import Case, Stage  # noqa: E402


class Rollback(Exception):
    pass


def rolled_back(fn: Callable[[], object]) -> Callable[[], object]:
    def call() -> object:
        try:
            with transaction.atomic():
                fn()
                raise Rollback
        except Rollback:
            return None

    return call


# The same writes by hand: new workers round-robin over the given ids, previous workers' grants
# and shares closed, one history row per case copied from the updated row.
RAW = """
WITH locked AS (
    SELECT id, assigned_worker_id FROM cases_case WHERE id = ANY(%(ids)s) ORDER BY id FOR UPDATE
), plan AS (
    SELECT id, (%(workers)s::int[])[1 + (row_number() OVER (ORDER BY id) - 1) %% cardinality(%(workers)s::int[])] AS worker,
           assigned_worker_id AS previous
    FROM locked
), moved AS (
    UPDATE cases_case c SET assigned_worker_id = plan.worker, updated_at = now() FROM plan WHERE c.id = plan.id
    RETURNING c.*, plan.previous
), revoked AS (
    UPDATE access_caseshare s SET revoked_at = now(), revoked_by_id = %(actor)s FROM moved
    WHERE s.case_id = moved.id AND s.user_id = moved.previous AND s.revoked_at IS NULL RETURNING s.id
), deleted AS (
    DELETE FROM access_caseuserobjectpermission g USING moved
    WHERE g.content_object_id = moved.id AND g.user_id = moved.previous RETURNING g.id
)
INSERT INTO audit_historicalcase ({columns}, history_date, history_change_reason, history_type, history_user_id)
SELECT {columns}, now(), 'reassigned', '~', %(actor)s FROM moved
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cases", type=int, default=1000)
    args = parser.parse_args()

    # The district with the most open cases, its supervisor (the region's) and its workers.
    open_cases = Case.objects.exclude(stage=Stage.CLOSED)
    busiest = open_cases.values("responsible_unit").annotate(n=Count("id")).order_by("-n").first()
    unit_id = busiest["responsible_unit"]
    workers = list(User.objects.filter(unit_id=unit_id, role=User.Role.SOCIAL_WORKER, is_active=True).order_by("id"))
    supervisor = User.objects.filter(role=User.Role.SUPERVISOR, unit__region__units=unit_id, unit__kind="region").first()
    ids = list(open_cases.filter(responsible_unit_id=unit_id).order_by("id").values_list("id", flat=True)[: args.cases])
    with transaction.atomic():  # the colleagues made for the run are rolled back with everything else
        receivers = [User.objects.create(username=f"bench.reassign.{i}", role=User.Role.SOCIAL_WORKER, unit_id=unit_id)
                     for i in range(3)]
        print(f"district {unit_id}: {busiest['n']} open cases, {len(workers)} workers; reassigning {len(ids)} cases "
              f"round-robin to 3 colleagues as {supervisor.username}")
        run(ids, receivers, supervisor, args.runs)
        raise_rollback()


def raise_rollback() -> None:
    raise Rollback


def run(ids: list[int], receivers: list[User], supervisor: User, runs: int) -> None:

    from audit.models import AccessLog  # noqa: F401 - the history models are registered in audit

    history = Case.history.model
    columns = ", ".join(f.column for f in history._meta.fields
                        if f.column not in ("history_id", "history_date", "history_change_reason", "history_type",
                                            "history_user_id"))

    def service() -> None:
        reassign_cases(case_ids=ids, workers=receivers, actor=supervisor, reason="bench")

    def raw() -> None:
        with connection.cursor() as cursor:
            cursor.execute(RAW.format(columns=columns), {"ids": ids, "workers": [w.pk for w in receivers], "actor": supervisor.pk})

    # Called alternately (bench.timing.measure_pair): both see the same load on a shared machine.
    ours, ours_p95, theirs, theirs_p95, ratio = measure_pair(rolled_back(service), rolled_back(raw), runs, warmup=1)
    rows = [
        (f"reassign_cases: {len(ids)} cases (service)", ours, ours_p95),
        (f"raw SQL reference: {len(ids)} cases", theirs, theirs_p95),
    ]
    print(f"ratio service / raw SQL (median of {runs} alternate pairs): {ratio}")
    print(f"{'measurement':50} {'median ms':>10} {'p95 ms':>10}")
    for name, median, p95 in rows:
        print(f"{name:50} {median:10} {p95:10}")


if __name__ == "__main__":
    with contextlib.suppress(Rollback):  # the run's rows are rolled back on purpose
        main()
