"""Visit kit benchmark (issue 22): what "Prepare my visits" and sending one record made offline cost
a worker with a full caseload, against references in the same run.

- prepare: ``visitkit.services.prepare_package`` (three reads and one upsert of what was prepared)
  against the same three reads in raw SQL, and the whole API call (``POST /api/v1/visit-kit/package/``
  through Django's test client: authentication, serialisation, JSON).
- send: ``visitkit.services.receive_visit_record`` (advisory lock, receipt lookup, prepared check,
  case lock, conflict checks, then ``record_visit`` and the receipt) against ``visits.services.record_visit``
  alone on the same visit: the kit's own overhead per record. Every run is rolled back.

The data (one worker, ``--cases`` placed cases with a year of visits each) is created in the
database named by DATABASE_URL and removed at the end. Prints medians and p95 in milliseconds.

Usage:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/otbasy_<name> .venv/bin/python bench/bench_visit_kit.py [--runs 30] [--cases 60]
"""

import argparse
import datetime as dt
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.timing import measure  # noqa: E402
from tests import factories  # noqa: E402
from visitkit.selectors import package_visits  # noqa: E402
from visitkit.services import prepare_package, receive_visit_record  # noqa: E402
from visits.services import record_visit  # noqa: E402

RAW_READS = [
    """SELECT v.id, v.kind, v.planned_on, p.id, p.case_id, p.started_on, p.form_of_care, ch.last_name, ch.first_name,
              ch.birth_date, ch.sex, f.id, f.address
       FROM visits_visit v JOIN cases_placement p ON p.id = v.placement_id JOIN cases_case c ON c.id = p.case_id
       JOIN children_child ch ON ch.id = p.child_id JOIN families_family f ON f.id = p.family_id
       WHERE c.assigned_worker_id = %(worker)s AND p.ended_on IS NULL AND v.done_on IS NULL
         AND v.kind IN ('scheduled', 'extra') AND v.planned_on <= %(until)s
       ORDER BY v.planned_on, v.id LIMIT 200""",
    """SELECT a.family_id, a.last_name, a.first_name FROM families_applicant a
       WHERE a.family_id = ANY(%(families)s) AND a.left_family_on IS NULL ORDER BY a.position, a.id""",
    """SELECT DISTINCT ON (placement_id) placement_id, done_on, child_seen, seen_by, child_condition, family_condition, checklist
       FROM visits_visit WHERE placement_id = ANY(%(placements)s) AND done_on IS NOT NULL
       ORDER BY placement_id, done_on DESC, id DESC""",
]


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


def make_caseload(cases: int) -> tuple[object, list]:
    """One worker with ``cases`` placed cases; each placement has a visit done 40 days ago and visits
    every 30 days from 20 days ago to a year ahead (about one in the 14-day window each)."""
    today = timezone.localdate()
    district = factories.DistrictFactory()
    worker = factories.UserFactory(role="social_worker", unit=district)
    factories.UserFactory(role="supervisor", unit=district.parent)
    pending = []
    for _ in range(cases):
        case = factories.CaseFactory(assigned_worker=worker, responsible_unit=district, stage="placed")
        placement = factories.PlacementFactory(case=case, child=case.child, started_on=today - dt.timedelta(days=200))
        factories.ApplicantFactory(family=placement.family)
        factories.VisitFactory(placement=placement, planned_on=today - dt.timedelta(days=40), done_on=today - dt.timedelta(days=40),
                               worker=worker, child_seen=True, seen_by="W", child_condition="good", family_condition="good")
        for days in range(-20, 365, 30):
            visit = factories.VisitFactory(placement=placement, planned_on=today + dt.timedelta(days=days))
            if -20 <= days <= 14:
                pending.append(visit)
    return worker, pending


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--cases", type=int, default=60)
    args = parser.parse_args()
    with transaction.atomic():
        worker, pending = make_caseload(args.cases)
        try:
            package = prepare_package(actor=worker)
            until = timezone.localdate() + dt.timedelta(days=14)
            params = {"worker": worker.pk, "until": until,
                      "families": list({v.placement.family_id for v in package.visits}),
                      "placements": list({v.placement_id for v in package.visits})}

            def raw() -> None:
                with connection.cursor() as cursor:
                    for sql in RAW_READS:
                        cursor.execute(sql, params)
                        cursor.fetchall()

            client = Client(HTTP_HOST="localhost")
            client.force_login(worker)
            target = pending[0]
            findings = {"child_seen": True, "seen_by": "A. Worker", "child_condition": "good", "family_condition": "good",
                        "checklist": {"child_healthy": True}, "concerns": ""}

            rows = {
                f"prepare_package ({len(package.visits)} visits)": measure(rolled_back(lambda: prepare_package(actor=worker)), args.runs),
                "package_visits (the reads, ORM)": measure(lambda: package_visits(user=worker, until=until), args.runs),
                "same three reads, raw SQL": measure(raw, args.runs),
                "POST /api/v1/visit-kit/package/": measure(rolled_back(
                    lambda: client.post("/api/v1/visit-kit/package/", {}, content_type="application/json")), args.runs),
                "receive_visit_record (recorded)": measure(rolled_back(lambda: receive_visit_record(
                    actor=worker, device_id=uuid.uuid4(), visit_id=target.pk, done_on=timezone.localdate(), **findings)), args.runs),
                "record_visit alone": measure(rolled_back(lambda: record_visit(
                    visit=target, actor=worker, done_on=timezone.localdate(), **findings)), args.runs),
            }
            print(f"worker with {args.cases} placed cases; {os.cpu_count()} CPUs; load {os.getloadavg()}")
            for name, (median, p95) in rows.items():
                print(f"{name:45s} median {median:8.2f} ms   p95 {p95:8.2f} ms")
        finally:
            # Nothing of the bench stays in the database.
            transaction.set_rollback(True)


if __name__ == "__main__":
    main()
