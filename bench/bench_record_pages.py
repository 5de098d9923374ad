"""Record pages benchmark (issue 17, "Speed"): the social worker's pages of one child, family and
case at national scale (a database loaded by `bench/seed_national.py`: 1,000,000 children and
cases, ~10M visits).

For the social worker with the most cases and the case of their caseload with the most visits (the
heavy case; inside the bench's transaction it also gets 40 notes, a few of them sensitive, 2
decision reviews, 3 consents and 12 documents on the case, 6 on the child and 6 on the family, as
a case worked on for years has; the seed writes none), it measures each page through Django's test
client (force_login; session, middleware, template), median and p95 over the runs in
milliseconds, against a raw-SQL reference that fetches the same rows the page shows (called
alternately, bench.timing.measure_pair), and counts the page's queries:
  - the child page and the edit-child form (GET), the register-child form (GET);
  - the family page (the family the child is placed with) and the edit-family form, the
    register-family form (GET);
  - the case page with its timeline (stage changes, decision reviews, visits, notes: the newest 20),
    its documents and consents, the fragment of its heaviest form opened on demand (htmx), and the
    timeline's earlier entries asked on demand (htmx: the second page of 20);
  - the upload-a-document form (GET) of the case;
  - the record-a-visit form (the next planned visit) and the unscheduled-visit form (GET);
  - the matching page of the worker's case at the matching stage (families ranked; its reference
    ranks the child's region in one hand-written statement: MATCHING_RANKING).

Everything runs inside one transaction rolled back at the end (the access-log rows the pages write,
the sessions, the added notes and documents): the database is left as it was.

Each page's line also gives the median CPU time of its requests in this process (Django's work, not
the database's nor the wait for a core): on a loaded machine the fairer figure to compare code by.

Usage:  .venv/bin/python bench/bench_record_pages.py [--runs 30] [--pages "case page,edit child"]
        (DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/otbasy_bench)
"""

import argparse
import datetime as dt
import html
import os
import re
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

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from access.selectors import families_editable_by  # noqa: E402
from accounts.models import User  # noqa: E402
from bench.timing import measure_pair  # noqa: E402
from cases.models import Case, CaseNote, DecisionReview  # noqa: E402
from consents.models import Consent  # noqa: E402
from documents.models import Document  # noqa: E402

Query = tuple[str, list]


class Rollback(Exception):
    pass


def heavy_case(worker_id: int) -> tuple[int, int, int, int, int]:
    """(case, child, family, active placement, next planned visit) of the worker's open placed case
    with the most visits."""
    with connection.cursor() as cursor:
        # Visits counted placement by placement (an index probe each; OFFSET 0 keeps the LATERAL).
        cursor.execute("""
            WITH mine AS MATERIALIZED (
                SELECT c.id AS case_id, c.child_id, q.id AS placement_id FROM cases_case c
                JOIN cases_placement q ON q.case_id = c.id WHERE c.assigned_worker_id = %s),
            busiest AS (
                SELECT m.case_id, sum(n.visits) AS visits FROM mine m
                CROSS JOIN LATERAL (SELECT count(*) AS visits FROM visits_visit v
                                    WHERE v.placement_id = m.placement_id OFFSET 0) n
                GROUP BY m.case_id)
            SELECT c.id, c.child_id, p.family_id, p.id,
                   (SELECT v.id FROM visits_visit v WHERE v.placement_id = p.id AND v.done_on IS NULL
                     ORDER BY v.planned_on, v.id LIMIT 1) AS next_visit
            FROM busiest b JOIN cases_case c ON c.id = b.case_id
            JOIN cases_placement p ON p.case_id = c.id AND p.ended_on IS NULL AND p.family_id IS NOT NULL
            ORDER BY b.visits DESC, c.id LIMIT 1
        """, [worker_id])
        row = cursor.fetchone()
    assert row is not None and row[4] is not None, "the worker has no placed case with a planned visit"
    return row[:5]


def enrich(case: Case, family_id: int, worker: User) -> None:
    """What years of work leave on a case, which the national seed does not write."""
    today = timezone.localdate()
    CaseNote.objects.bulk_create(
        CaseNote(case=case, kind=CaseNote.Kind.values[i % 4], written_on=today - dt.timedelta(days=20 * i),
                 text=f"Note {i}: the child and the family were seen; the school reports no concern.",
                 sensitive=i % 5 == 0, author=worker)
        for i in range(40)
    )
    DecisionReview.objects.bulk_create([
        DecisionReview(case=case, family_id=family_id, approved=False, reason="The family's certificates are out of date.",
                       actor=worker),
        DecisionReview(case=case, family_id=family_id, approved=True, actor=worker),
    ])
    Consent.objects.bulk_create(
        Consent(case=case, kind=kind, given_by="Guardian", given_on=today - dt.timedelta(days=100 + i), recorded_by=worker)
        for i, kind in enumerate(Consent._meta.get_field("kind").choices[:3])
        for kind in [kind[0]]
    )
    documents = [("case", case.pk, "court_decision", 12), ("child", case.child_id, "medical_report", 6),
                 ("family", family_id, "training_certificate", 6)]
    Document.objects.bulk_create(
        Document(**{f"{kind}_id": pk}, doc_type=doc_type, title=f"{doc_type} {i}", document_date=today - dt.timedelta(days=30 * i),
                 file=f"documents/bench/{kind}{pk}-{i}.pdf", original_name=f"{doc_type}-{i}.pdf",
                 content_type="application/pdf", size=100_000, sha256="0" * 64, uploaded_by=worker)
        for kind, pk, doc_type, n in documents for i in range(n)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_casenote; ANALYZE documents_document; ANALYZE consents_consent; "
                       "ANALYZE cases_decisionreview")


def page(client: Client, url: str, cpu: list[float] | None = None) -> Callable[[], object]:
    """One GET of the page; with ``cpu``, each request's CPU time (this process: Django's, not the
    database's) appended to it in ms."""
    # "#htmx" at the end of a URL: asked as htmx asks it (the fragment of a form opened on demand).
    headers = {"HX-Request": "true"} if url.endswith("#htmx") else {}
    url = url.removesuffix("#htmx")

    def call() -> object:
        start = time.process_time()
        response = client.get(url, headers=headers)
        if cpu is not None:
            cpu.append((time.process_time() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        return response.content

    return call


def raw(queries: list[Query]) -> Callable[[], object]:
    def call() -> object:
        with connection.cursor() as cursor:
            rows = []
            for sql, params in queries:
                cursor.execute(sql, params)
                rows.append(cursor.fetchall() if cursor.description else cursor.rowcount)
            return rows

    return call


def profile(client: Client, name: str, url: str, runs: int) -> None:
    from pyinstrument import Profiler

    call = page(client, url)
    call()
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(runs):
            call()
    print(f"==== {name} ({runs} requests)")
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        page(client, url)()
    return len(ctx)


# The references: the rows each page shows, as one hand-written query each, with the visibility test
# of the worker's own case (assigned_worker_id) and the page's access-log row where the page writes one.
ACCESS_LOG = ("INSERT INTO audit_accesslog (user_id, kind, case_id, child_id, viewed_at, path, ip_address, saw_sensitive, "
              "emergency) VALUES (%s, %s, %s, %s, now(), '/', '127.0.0.1', true, false)")


def child_queries(worker: int, case: int, child: int) -> list[Query]:
    return [
        ("SELECT ch.* FROM children_child ch WHERE ch.id = %s AND EXISTS (SELECT 1 FROM cases_case c "
         "WHERE c.child_id = ch.id AND c.assigned_worker_id = %s)", [child, worker]),
        ("SELECT c.*, u.username, u.first_name, u.last_name FROM cases_case c LEFT JOIN accounts_user u "
         "ON u.id = c.assigned_worker_id WHERE c.child_id = %s ORDER BY c.opened_on DESC, c.id DESC", [child]),
        ("SELECT s.* FROM children_child s JOIN children_child ch ON ch.sibling_group_id = s.sibling_group_id "
         "WHERE ch.id = %s AND s.id <> ch.id ORDER BY s.birth_date, s.id", [child]),
        ("SELECT d.*, u.username FROM documents_document d JOIN accounts_user u ON u.id = d.uploaded_by_id "
         "WHERE d.child_id = %s ORDER BY d.document_date DESC, d.id DESC", [child]),
    ]


def case_queries(worker: int, case: int, child: int) -> list[Query]:
    return [
        ("SELECT c.*, ch.* FROM cases_case c JOIN children_child ch ON ch.id = c.child_id "
         "WHERE c.id = %s AND c.assigned_worker_id = %s", [case, worker]),
        ("SELECT p.*, f.* FROM cases_placement p LEFT JOIN families_family f ON f.id = p.family_id "
         "WHERE p.case_id = %s ORDER BY p.started_on DESC, p.id DESC", [case]),
        ("SELECT a.* FROM families_applicant a JOIN cases_placement p ON p.family_id = a.family_id "
         "WHERE p.case_id = %s", [case]),
        ("SELECT v.*, u.username FROM visits_visit v JOIN cases_placement p ON p.id = v.placement_id "
         "LEFT JOIN accounts_user u ON u.id = v.worker_id WHERE p.case_id = %s ORDER BY v.planned_on, v.id", [case]),
        ("SELECT s.*, u.username FROM cases_stagechange s LEFT JOIN accounts_user u ON u.id = s.actor_id "
         "WHERE s.case_id = %s ORDER BY s.changed_at", [case]),
        ("SELECT r.*, u.username FROM cases_decisionreview r JOIN accounts_user u ON u.id = r.actor_id "
         "WHERE r.case_id = %s", [case]),
        ("SELECT n.*, u.username FROM cases_casenote n JOIN accounts_user u ON u.id = n.author_id "
         "WHERE n.case_id = %s ORDER BY n.written_on DESC, n.id DESC", [case]),
        ("SELECT d.*, u.username FROM documents_document d JOIN accounts_user u ON u.id = d.uploaded_by_id "
         "WHERE d.case_id = %s ORDER BY d.document_date DESC, d.id DESC", [case]),
        ("SELECT k.*, u.username FROM consents_consent k JOIN accounts_user u ON u.id = k.recorded_by_id "
         "WHERE k.case_id = %s ORDER BY k.given_on DESC, k.id DESC", [case]),
    ]


def family_queries(worker: int, family: int) -> list[Query]:
    return [
        ("SELECT f.* FROM families_family f WHERE f.id = %s AND EXISTS (SELECT 1 FROM cases_placement p "
         "JOIN cases_case c ON c.id = p.case_id WHERE p.family_id = f.id AND c.assigned_worker_id = %s)", [family, worker]),
        ("SELECT a.* FROM families_applicant a WHERE a.family_id = %s ORDER BY a.id", [family]),
        ("SELECT d.*, u.username FROM documents_document d JOIN accounts_user u ON u.id = d.uploaded_by_id "
         "WHERE d.family_id = %s ORDER BY d.document_date DESC, d.id DESC", [family]),
    ]


# The matching page's reference: the case with its child, the 20 best families of the child's region
# seeking the case's form of care with every certificate in date, ranked by the same score in one
# hand-written statement (default weights, the health factor in; the proof that no family of
# another region or compatible form outranks them, which the page makes, is left out), the rows of
# those 20 with their regions, and their applicants.
MATCHING_RANKING = """
    SELECT f.id, f.applied_on,
           CASE WHEN f.preferred_age_min <= %(age)s AND f.preferred_age_max >= %(age)s THEN 20
                ELSE GREATEST(0, 20 - 5 * (GREATEST(0, f.preferred_age_min - %(age)s) + GREATEST(0, %(age)s - f.preferred_age_max)))
           END + CASE WHEN f.preferred_sex = %(sex)s THEN 10 WHEN f.preferred_sex = '' THEN 8 ELSE 0 END
           + CASE WHEN f.max_siblings >= %(siblings)s THEN 15 ELSE 0 END + CASE WHEN f.max_health_needs >= %(health)s THEN 15 ELSE 0 END
           + 40 + LEAST(GREATEST(%(today)s::date - f.applied_on, 0), 730) * 10.0 / 730 AS score
    FROM families_family f
    WHERE f.approval_status = 'approved' AND f.form_of_care = %(form)s AND f.region_id = %(region)s
      AND LEAST(f.approval_expires_on, f.home_study_expires_on, f.training_expires_on) >= %(today)s
      AND f.approval_expires_on >= %(today)s AND f.home_study_expires_on >= %(today)s AND f.training_expires_on >= %(today)s
    ORDER BY score DESC, f.applied_on, f.id LIMIT 20
"""


def matching_queries(worker: int, case_id: int) -> list[Query]:
    from matching.selectors import age_on, sibling_group_size

    case = Case.objects.select_related("child").get(pk=case_id)
    today = timezone.localdate()
    params = {"age": age_on(case.child.birth_date, today), "sex": case.child.sex, "health": case.child.health_needs,
              "siblings": sibling_group_size(case.child), "today": today, "form": case.form_of_care,
              "region": case.child.region_id}
    return [
        ("SELECT c.*, ch.* FROM cases_case c JOIN children_child ch ON ch.id = c.child_id "
         "WHERE c.id = %s AND c.assigned_worker_id = %s", [case_id, worker]),
        (f"WITH ranked AS ({MATCHING_RANKING}) SELECT ranked.score, r.name_en, f.*, a.last_name, a.first_name "
         "FROM ranked JOIN families_family f ON f.id = ranked.id JOIN regions_region r ON r.id = f.region_id "
         "LEFT JOIN families_applicant a ON a.family_id = f.id ORDER BY ranked.score DESC, ranked.applied_on, ranked.id",
         params),
    ]


def timeline_page(client: Client, worker: int, case: int, child: int) -> list[tuple[str, str, list[Query]]]:
    """The timeline's earlier entries as the case page's "show earlier entries" link asks them (htmx),
    if the page offers it: the reference reads the case, its stage changes and decision reviews, and
    the visits and notes of one page."""
    found = re.search(r'<li class="tl-more"><a href="([^"]+)"', client.get(f"/cases/{case}/").content.decode())
    if found is None:
        return []
    return [("case page: earlier timeline entries (htmx)", html.unescape(found[1]) + "#htmx", [
        *case_queries(worker, case, child)[:1], *case_queries(worker, case, child)[4:6],
        ("SELECT v.*, u.username FROM visits_visit v JOIN cases_placement p ON p.id = v.placement_id LEFT JOIN accounts_user u "
         "ON u.id = v.worker_id WHERE p.case_id = %s AND v.done_on IS NOT NULL ORDER BY v.done_on DESC, v.id DESC LIMIT 21 "
         "OFFSET 20", [case]),
        ("SELECT n.*, u.username FROM cases_casenote n JOIN accounts_user u ON u.id = n.author_id WHERE n.case_id = %s "
         "ORDER BY n.written_on DESC, n.id DESC LIMIT 21 OFFSET 20", [case]),
        (ACCESS_LOG, [worker, "case", case, child])])]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", default="", help="profile (pyinstrument) instead of timing the pages whose "
                        "name contains one of these comma-separated words")
    parser.add_argument("--pages", default="", help="time only the pages whose name contains one of these "
                        "comma-separated words")
    args = parser.parse_args()

    with connection.cursor() as cursor:
        cursor.execute("SELECT assigned_worker_id, count(*) FROM cases_case WHERE assigned_worker_id IS NOT NULL "
                       "GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
        worker_id, caseload = cursor.fetchone()
        cursor.execute("SELECT id FROM cases_case WHERE assigned_worker_id = %s AND stage = 'matching' ORDER BY id LIMIT 1",
                       [worker_id])
        matching_row = cursor.fetchone()
    worker = User.objects.get(pk=worker_id)
    case_id, child_id, family_id, placement_id, visit_id = heavy_case(worker_id)

    rows = []
    try:
        with transaction.atomic():
            case = Case.objects.get(pk=case_id)
            enrich(case, family_id, worker)
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM visits_visit v JOIN cases_placement p ON p.id = v.placement_id "
                               "WHERE p.case_id = %s", [case_id])
                visits = cursor.fetchone()[0]
            print(f"worker {worker.username}: {caseload} cases; heavy case {case_id}: {visits} visits, 40 notes, "
                  f"12+6+6 documents; nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
            client = Client()
            client.force_login(worker)
            own_family = families_editable_by(worker).order_by("id").values_list("pk", flat=True).first()
            w = worker_id
            pages: list[tuple[str, str, list[Query]]] = [
                ("child page", f"/children/{child_id}/", [*child_queries(w, case_id, child_id),
                                                         (ACCESS_LOG, [w, "child", None, child_id])]),
                ("edit child form (GET)", f"/children/{child_id}/edit/", child_queries(w, case_id, child_id)[:1]),
                ("register child form (GET)", "/children/new/",
                 [("SELECT id, name_en FROM regions_region ORDER BY name_en", [])]),
                ("family page", f"/families/{family_id}/", family_queries(w, family_id)),
                # The placed family is often of another unit (not the worker's to edit): one of the worker's unit.
                ("edit family form (GET)", f"/families/{own_family}/edit/", [
                    ("SELECT f.* FROM families_family f WHERE f.id = %s AND f.responsible_unit_id = %s",
                     [own_family, worker.unit_id]),
                    *family_queries(w, own_family)[1:2]]),
                ("register family form (GET)", "/families/new/",
                 [("SELECT id, name_en FROM regions_region ORDER BY name_en", [])]),
                ("case page (timeline, documents, consents)", f"/cases/{case_id}/", [*case_queries(w, case_id, child_id),
                                                                                     (ACCESS_LOG, [w, "case", case_id, child_id])]),
                # The case page's forms open on demand (htmx): the heaviest, ending the placement (the
                # region's children's homes), as its fragment.
                ("case page: end-placement form opened (htmx)", f"/cases/{case_id}/forms/end-placement/#htmx",
                 [*case_queries(w, case_id, child_id)[:1],
                  ("SELECT h.id, COALESCE(NULLIF(h.name_en, ''), h.name_ru) FROM children_childrenshome h "
                   "JOIN children_child ch ON ch.region_id = h.region_id "
                   "WHERE ch.id = %s ORDER BY COALESCE(NULLIF(h.name_en, ''), h.name_ru), h.id", [child_id])]),
                *timeline_page(client, w, case_id, child_id),
                ("upload document form (GET)", f"/cases/{case_id}/documents/new/", case_queries(w, case_id, child_id)[:1]),
                ("record visit form (GET)", f"/cases/{case_id}/visits/{visit_id}/record/",
                 [*case_queries(w, case_id, child_id)[:1],
                  ("SELECT v.*, p.* FROM visits_visit v JOIN cases_placement p ON p.id = v.placement_id "
                   "WHERE v.id = %s AND p.case_id = %s", [visit_id, case_id])]),
                ("unscheduled visit form (GET)", f"/cases/{case_id}/placements/{placement_id}/visits/new/",
                 [*case_queries(w, case_id, child_id)[:1],
                  ("SELECT p.* FROM cases_placement p WHERE p.id = %s AND p.case_id = %s AND p.ended_on IS NULL",
                   [placement_id, case_id])]),
            ]
            if matching_row:
                pages.append(("matching page (families ranked)", f"/cases/{matching_row[0]}/matching/",
                              matching_queries(w, matching_row[0])))
            for name, url, reference in pages:
                if args.profile:
                    if any(part in name for part in args.profile.split(",")):
                        profile(client, name, url, args.runs)
                    continue
                if args.pages and not any(part in name for part in args.pages.split(",")):
                    continue
                cpu: list[float] = []
                median, p95, raw_median, _raw_p95, ratio = measure_pair(page(client, url, cpu), raw(reference), args.runs)
                cpu_median = round(statistics.median(cpu[-args.runs:]), 2)  # the timed requests, not the warm-up's
                row = (name, median, p95, queries_of(client, url), f"{ratio}x raw SQL ({raw_median} ms); CPU {cpu_median} ms", url)
                print(f"  {name:45} {median:8} {p95:8} {row[3]:4}  {row[4]}", flush=True)
                rows.append(row)
            raise Rollback
    except Rollback:
        pass

    print(f"{'page':45} {'median ms':>10} {'p95 ms':>10} {'queries':>8}  reference")
    for name, median, p95, queries, note, _url in rows:
        print(f"{name:45} {median:10} {p95:10} {queries:8}  {note}")


if __name__ == "__main__":
    main()
