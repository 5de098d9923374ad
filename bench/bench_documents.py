"""Documents benchmark at national scale (otbasy_bench: 1,000,000 children and cases).

Inside one transaction that is rolled back at the end (the bench leaves the database as it was) it
inserts one document per case (1M court decisions), one per child for a fifth of the children
(medical reports) and one per family for a fifth of the families (training certificates with an
expiry spread over two years), then measures over many runs (median and p95, milliseconds):

  - a social worker's first page of documents with the total count, through the API
    (GET /api/v1/documents/), its database part, and the same page in raw SQL (the reference);
  - the same for a regional supervisor;
  - the document-expiry step of the daily reminder sweep (one INSERT ... SELECT ... ON CONFLICT DO
    NOTHING; each run in a savepoint rolled back, so every run inserts the same rows), beside the
    bare SELECT of the expiring documents;
  - building the PDF case file of one child.

Usage:  .venv/bin/python bench/bench_documents.py [--runs 50]
        (DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/otbasy_bench)
"""

import argparse
import datetime as dt
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

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.timing import measure, measure_pair, ms  # noqa: E402
from cases.models import Case  # noqa: E402
from documents.export import build_case_file_pdf  # noqa: E402
from documents.models import Document  # noqa: E402
from documents.reminders import document_expiring_step  # noqa: E402

PAGE = 50


class Rollback(Exception):
    pass


class Rows(list):
    """Figures printed as soon as measured (a long run interrupted still reports what it has)."""

    def append(self, row: tuple[str, str]) -> None:
        super().append(row)
        print(f"- {row[0]}: {row[1]}", flush=True)





def seed_documents() -> dict[str, int]:
    """Insert the documents in bulk (set-based SQL); returns the counts."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_user WHERE role = 'social_worker' ORDER BY id LIMIT 1")
        uploader = cursor.fetchone()[0]
        common = """
            (child_id, family_id, case_id, doc_type, title, number, document_date, expires_on, file, original_name,
             content_type, size, sha256, uploaded_by_id, uploaded_at)
        """
        cursor.execute(f"""
            INSERT INTO documents_document {common}
            SELECT NULL, NULL, c.id, 'court_decision', '', '', c.opened_on, NULL, 'documents/bench/' || c.id || '.pdf',
                   'decision.pdf', 'application/pdf', 120000, repeat('0', 64), %s, now() - (c.id %% 1000) * interval '1 hour'
            FROM cases_case c
        """, [uploader])
        cases = cursor.rowcount
        cursor.execute(f"""
            INSERT INTO documents_document {common}
            SELECT ch.id, NULL, NULL, 'medical_report', '', '', ch.entered_care_on, NULL, 'documents/bench/m' || ch.id || '.pdf',
                   'medical.pdf', 'application/pdf', 80000, repeat('0', 64), %s, now()
            FROM children_child ch WHERE ch.id %% 5 = 0
        """, [uploader])
        children = cursor.rowcount
        cursor.execute(f"""
            INSERT INTO documents_document {common}
            SELECT NULL, f.id, NULL, 'training_certificate', '', '', current_date - 365,
                   current_date + (f.id %% 730)::int, 'documents/bench/f' || f.id || '.pdf',
                   'certificate.pdf', 'application/pdf', 50000, repeat('0', 64), %s, now()
            FROM families_family f WHERE f.id %% 5 = 0
        """, [uploader])
        families = cursor.rowcount
        cursor.execute("ANALYZE documents_document")
    return {"case documents": cases, "child documents (medical)": children, "family documents (expiring)": families}


def busiest(role: str) -> User:
    if role == "social_worker":
        worker_id = (
            Case.objects.filter(assigned_worker__isnull=False).values("assigned_worker").order_by()
            .annotate(n=Count("id")).order_by("-n").values_list("assigned_worker", flat=True).first()
        )
        return User.objects.get(pk=worker_id)
    return User.objects.filter(role="supervisor", unit__kind="region").order_by("id").first()


def api_call(client: APIClient, url: str = "/api/v1/documents/") -> Callable[[], object]:
    def call() -> object:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return len(response.data["results"])

    return call


def api_detail(client: APIClient, url: str) -> Callable[[], object]:
    def call() -> object:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response.data["id"]

    return call


def api_db_part(client: APIClient, runs: int, url: str = "/api/v1/documents/") -> tuple[float, int]:
    totals, count = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        totals.append(sum(float(q["time"]) for q in ctx.captured_queries))
        count = len(ctx.captured_queries)
    return ms(statistics.median(totals)), count


RAW_WORKER = """
    WITH visible AS (
        SELECT d.id FROM documents_document d JOIN cases_case c ON c.id = d.case_id WHERE c.assigned_worker_id = %(user)s
        UNION ALL
        SELECT d.id FROM documents_document d JOIN cases_case c ON c.child_id = d.child_id WHERE c.assigned_worker_id = %(user)s
        UNION ALL
        SELECT d.id FROM documents_document d JOIN families_family f ON f.id = d.family_id WHERE f.responsible_unit_id = %(unit)s
    )
    SELECT (SELECT count(*) FROM visible), d.* FROM documents_document d
    WHERE d.id IN (SELECT id FROM visible) ORDER BY d.uploaded_at DESC, d.id DESC LIMIT 50
"""

RAW_SUPERVISOR = """
    WITH units AS (SELECT id FROM accounts_organisationalunit WHERE region_id = %(region)s),
    visible AS (
        SELECT d.id FROM documents_document d JOIN cases_case c ON c.id = d.case_id WHERE c.responsible_unit_id IN (SELECT id FROM units)
        UNION ALL
        SELECT d.id FROM documents_document d JOIN cases_case c ON c.child_id = d.child_id
        WHERE c.responsible_unit_id IN (SELECT id FROM units)
        UNION ALL
        SELECT d.id FROM documents_document d JOIN families_family f ON f.id = d.family_id
        WHERE f.responsible_unit_id IN (SELECT id FROM units)
    )
    SELECT (SELECT count(*) FROM visible), d.* FROM documents_document d
    WHERE d.id IN (SELECT id FROM visible) ORDER BY d.uploaded_at DESC, d.id DESC LIMIT 50
"""


def raw(sql: str, params: dict) -> Callable[[], object]:
    def call() -> object:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return call


def sweep_step(today: dt.date) -> Callable[[], int]:
    sql, params = document_expiring_step(today)

    def call() -> int:
        sid = transaction.savepoint()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted = cursor.rowcount
        transaction.savepoint_rollback(sid)
        return inserted

    return call


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    print(f"nproc = {os.cpu_count()}, runs = {args.runs}", flush=True)
    rows = Rows()
    try:
        with transaction.atomic():
            start = time.perf_counter()
            counts = seed_documents()
            rows.append(("seed (rolled back at the end)", f"{counts}, {time.perf_counter() - start:.1f} s"))
            for role in ("social_worker", "supervisor"):
                user = busiest(role)
                client = APIClient()
                client.force_authenticate(user)
                api_call(client)()
                if role == "social_worker":
                    params, sql = {"user": user.pk, "unit": user.unit_id}, RAW_WORKER
                else:
                    params, sql = {"region": user.unit.region_id}, RAW_SUPERVISOR
                total = raw(sql, params)()[0][0]
                # The API pages without a total (core.pagination.PageWithoutCount): its reference is
                # the same first page without the count, called alternately; the counted page beside.
                first_page = sql.replace("SELECT (SELECT count(*) FROM visible), d.*", "SELECT d.*").replace("LIMIT 50", "LIMIT 51")
                median, p95, raw_median, raw_p95, ratio = measure_pair(api_call(client), raw(first_page, params), args.runs)
                db_part, queries = api_db_part(client, max(10, args.runs // 5))
                counted_median, counted_p95 = measure(raw(sql, params), args.runs)
                rows.append((
                    f"{role} {user.username}: first page of {total} documents",
                    f"API median {median} ms, p95 {p95} ms; DB part {db_part} ms in {queries} queries; "
                    f"raw SQL (same page, no count) median {raw_median} ms, p95 {raw_p95} ms; ratio {ratio}; "
                    f"raw SQL with the count median {counted_median} ms, p95 {counted_p95} ms",
                ))
                # The page of one record (a case file's documents) and one document's detail.
                case = (Case.objects.filter(assigned_worker=user) if role == "social_worker"
                        else Case.objects.filter(responsible_unit__region_id=user.unit.region_id)).order_by("id").first()
                url = f"/api/v1/documents/?case={case.pk}"
                one_median, one_p95 = measure(api_call(client, url), args.runs)
                one_db, one_queries = api_db_part(client, max(10, args.runs // 5), url)
                raw_one, _ = measure(raw(
                    "SELECT (SELECT count(*) FROM documents_document WHERE case_id = %(case)s), d.* FROM documents_document d "
                    "WHERE d.case_id = %(case)s AND EXISTS (SELECT 1 FROM cases_case c WHERE c.id = %(case)s) "
                    "ORDER BY d.uploaded_at DESC, d.id DESC LIMIT 50", {"case": case.pk}), args.runs)
                document_id = Document.objects.filter(case=case).values_list("pk", flat=True).first()
                detail_median, detail_p95 = measure(api_detail(client, f"/api/v1/documents/{document_id}/"), args.runs)
                rows.append((
                    f"{role}: documents of one case (?case=) / one document's detail",
                    f"list API median {one_median} ms, p95 {one_p95} ms, DB part {one_db} ms in {one_queries} queries, "
                    f"raw SQL {raw_one} ms; detail API median {detail_median} ms, p95 {detail_p95} ms",
                ))
            today = timezone.localdate()
            inserted = sweep_step(today)()
            step_median, step_p95 = measure(sweep_step(today), max(5, args.runs // 5), warmup=1)
            select_median, _ = measure(
                raw("SELECT count(*) FROM documents_document WHERE expires_on BETWEEN %(a)s AND %(b)s",
                    {"a": today, "b": today + dt.timedelta(days=30)}),
                max(5, args.runs // 5), warmup=1,
            )
            rows.append((
                f"sweep step document_expiring ({inserted} reminders)",
                f"median {step_median} ms, p95 {step_p95} ms; bare SELECT count of the expiring documents {select_median} ms",
            ))
            child_case = Case.objects.filter(placements__isnull=False).order_by("id").first()
            supervisor = busiest("supervisor")
            pdf_median, pdf_p95 = measure(
                lambda: build_case_file_pdf(child=child_case.child, generated_by=supervisor), max(5, args.runs // 5), warmup=1
            )
            rows.append(("case-file PDF of one child (with placements and visits)", f"median {pdf_median} ms, p95 {pdf_p95} ms"))
            raise Rollback
    except Rollback:
        pass
    print(f"done: nproc = {os.cpu_count()}, runs = {args.runs}, {len(rows)} figures; the inserted documents were rolled back")


if __name__ == "__main__":
    main()
