"""Reminder sweep benchmark at national scale (otbasy_bench, loaded by `manage.py seed_demo`).

Measures, over several runs (median, seconds):
  - the daily reminder sweep (notifications.services.run_reminder_sweep: one INSERT ... SELECT ...
    ON CONFLICT DO NOTHING per kind), as it runs every day (yesterday's sweep done), and at a cold
    start (nothing ever sent: two weeks of overdue items and 30 days of expiring certificates at once);
  - the same sweep run again the same day, finding nothing new: as it runs (kinds done that day are
    skipped) and forced (every kind re-checked against the unique key);
  - the time of each step (kind) of the daily and of the cold-start sweep;
  - the raw-SQL reference, through psycopg without Django: the due and overdue visit reminders as one
    INSERT ... SELECT ... ON CONFLICT DO NOTHING, and the high-risk-without-a-visit anti-join;
  - the nightly horizon extension of open-ended visit schedules (visits.services.extend_visit_horizons).
Each run happens inside a transaction that is rolled back, so every run is a real first run and
the database is left as it was. The nightly risk recomputation (risk_placementrisk) is run and
committed once if that table is empty, because the high-risk reminder reads it, and the days its
placements moved into high are spread over the past year, as a register scored night after night
would have them (not all on the benchmark's first day); its time is
reported too (--risk-runs N re-measures it, rolled back).

With --active-placements N (e.g. 1000000) the national data set is first topped up with placements
for children who have none active (their open case, a random family, a guardianship-type form of
care), each with one visit done in the past and two planned, and a risk row in the seed's band
proportions. Its rows are stamped as written when the placement started (and a visit when done), as
the seed's are. The top-up is committed and vacuumed, as a live database's rows would be, and removed
again at the end (its placements carry the decision number "bench-top-up"; a run that was killed
leaves them, and the next run removes them first).

Rolled-back inserts leave dead index entries behind, which later conflict checks on the same keys
would have to step over: the notification tables are vacuumed after every run, so that each run
starts from the same state.

Usage:  .venv/bin/python bench/bench_sweep.py [--runs 5] [--risk-runs 0] [--active-placements N]
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

import django

django.setup()

import psycopg  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from notifications import services as notification_services  # noqa: E402
from notifications.services import run_reminder_sweep  # noqa: E402
from risk.scoring import score_placements  # noqa: E402
from risk.services import recompute_all_risks  # noqa: E402
from visits.services import extend_visit_horizons  # noqa: E402

REFERENCE_DUE_OVERDUE = """
    INSERT INTO notifications_notification
        (recipient_id, kind, subject_key, due_on, title, body, case_id, placement_id, created_at)
    SELECT c.assigned_worker_id, CASE WHEN v.planned_on >= %(today)s THEN 'visit_due' ELSE 'visit_overdue' END,
           'visit:' || p.id || ':' || v.kind, v.planned_on, 'Visit ' || v.planned_on, '', c.id, p.id, now()
    FROM visits_visit v
    JOIN cases_placement p ON p.id = v.placement_id AND p.ended_on IS NULL
    JOIN cases_case c ON c.id = p.case_id
    WHERE v.done_on IS NULL AND v.planned_on BETWEEN %(today)s::date - 14 AND %(today)s::date + 7
      AND c.assigned_worker_id IS NOT NULL
    ON CONFLICT (recipient_id, kind, subject_key, due_on) DO NOTHING
"""
REFERENCE_HIGH_RISK = """
    SELECT count(*) FROM risk_placementrisk r
    JOIN cases_placement p ON p.id = r.placement_id AND p.ended_on IS NULL
    WHERE r.band = 'high' AND p.started_on <= %(today)s::date - 30
      AND NOT EXISTS (SELECT 1 FROM visits_visit v WHERE v.placement_id = p.id AND v.done_on > %(today)s::date - 30)
"""


def immediate_constraints() -> None:
    """Foreign keys are DEFERRABLE INITIALLY DEFERRED: checked at COMMIT, which a rolled-back run never
    reaches. Checking them at once keeps their cost inside the measured time."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def rolled_back(fn: Callable[[], object]) -> tuple[float, object]:
    with transaction.atomic():
        immediate_constraints()
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        transaction.set_rollback(True)
    return elapsed, result


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def scalar(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


TOP_UP_PLACEMENTS = """
    INSERT INTO cases_placement (created_at, updated_at, form_of_care, started_on, end_reason, return_reason, end_notes,
                                 decision_document_number, siblings_separated, case_id, child_id, family_id)
    SELECT s.started_on, s.started_on, (ARRAY['guardianship','foster_family','kinship','adoption'])[1 + c.id %% 4],
           s.started_on, '', '', '', %(tag)s, false, c.id, c.child_id,
           (SELECT min(id) FROM families_family) + (c.id * 7919) %% (SELECT count(*) FROM families_family)
    FROM (SELECT DISTINCT ON (child_id) id, child_id FROM cases_case ORDER BY child_id, id DESC) c
    CROSS JOIN LATERAL (SELECT %(today)s::date - 30 - (c.id %% 1000)::int AS started_on) s
    WHERE NOT EXISTS (SELECT 1 FROM cases_placement p WHERE p.child_id = c.child_id AND p.ended_on IS NULL)
    ORDER BY c.child_id
    LIMIT %(missing)s
    RETURNING id
"""
TOP_UP_VISITS = """
    INSERT INTO visits_visit (created_at, updated_at, kind, planned_on, done_on, child_seen, seen_by, child_condition,
                              family_condition, checklist, concerns, placement_id, worker_id)
    SELECT p.started_on, CASE WHEN v.done THEN v.planned_on ELSE p.started_on END, 'scheduled', v.planned_on,
           CASE WHEN v.done THEN v.planned_on END, v.done, '',
           CASE WHEN v.done THEN 'good' ELSE '' END, CASE WHEN v.done THEN 'good' ELSE '' END, '{}'::jsonb, '',
           p.id, CASE WHEN v.done THEN c.assigned_worker_id END
    FROM cases_placement p JOIN cases_case c ON c.id = p.case_id
    CROSS JOIN LATERAL (VALUES
        (%(today)s::date - 20 - (p.id %% 60)::int, true),
        (%(today)s::date - 14 + (p.id %% 75)::int, false),
        (%(today)s::date + 70 + (p.id %% 90)::int, false)) AS v(planned_on, done)
    WHERE p.id = ANY(%(ids)s) AND (NOT v.done OR c.assigned_worker_id IS NOT NULL)
"""
TOP_UP_RISKS = """
    INSERT INTO risk_placementrisk (placement_id, score, band, factors, computed_on, high_since, last_visit_on)
    SELECT p.id, b.score, b.band, '[]'::jsonb, %(today)s::date,
           CASE WHEN b.band = 'high' THEN %(today)s::date - 1 - (p.id %% 365)::int END, NULL
    FROM cases_placement p
    CROSS JOIN LATERAL (SELECT CASE WHEN p.id %% 100 < 13 THEN 'high' WHEN p.id %% 100 < 53 THEN 'medium' ELSE 'low' END AS band,
                               CASE WHEN p.id %% 100 < 13 THEN 70 WHEN p.id %% 100 < 53 THEN 40 ELSE 10 END AS score) b
    WHERE p.id = ANY(%(ids)s)
"""


TOP_UP_TAG = "bench-top-up"


def top_up_active_placements(target: int, today: dt.date) -> None:
    """Bring the active placements up to ``target`` and commit (see the docstring)."""
    start = time.perf_counter()
    active = scalar("SELECT count(*) FROM cases_placement WHERE ended_on IS NULL")
    missing = max(0, target - active)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(TOP_UP_PLACEMENTS, {"today": today, "missing": missing, "tag": TOP_UP_TAG})
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(TOP_UP_VISITS, {"today": today, "ids": ids})
        visits = cursor.rowcount
        cursor.execute(TOP_UP_RISKS, {"today": today, "ids": ids})
    vacuum("cases_placement", "visits_visit", "risk_placementrisk")
    print(f"topped up (committed, removed at the end): {len(ids)} placements, {visits} visits, {len(ids)} risk rows "
          f"in {time.perf_counter() - start:.1f} s")


def remove_top_up() -> None:
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT id FROM cases_placement WHERE decision_document_number = %s", [TOP_UP_TAG])
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return
        for table in ("notifications_notification", "risk_riskassessment", "risk_placementrisk", "visits_visit"):
            cursor.execute(f"DELETE FROM {table} WHERE placement_id = ANY(%s)", [ids])
        cursor.execute("DELETE FROM cases_placement WHERE id = ANY(%s)", [ids])
    vacuum("cases_placement", "visits_visit", "risk_placementrisk")
    print(f"top-up removed: {len(ids)} placements in {time.perf_counter() - start:.1f} s")


def vacuum(*tables: str) -> None:
    """VACUUM (ANALYZE) outside any transaction (it cannot run inside one)."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def clean_notifications() -> None:
    vacuum("notifications_notification", "notifications_sweepstep")


# A live register computed its risks night after night: each placement in high moved there on some
# day of the past year, not all on the day the benchmark first scored them (which would make every
# one of them new to the next day's sweep).
STEADY_STATE_HIGH_SINCE = """
    UPDATE risk_placementrisk SET high_since = %(today)s::date - 1 - (placement_id %% 365)::int
    WHERE band = 'high' AND high_since >= %(today)s::date - 1
"""


def score_seeded_placements(today: dt.date) -> None:
    """Risk scores for the seeded placements, once (the high-risk reminder reads them)."""
    if scalar("SELECT count(*) FROM risk_placementrisk"):
        return
    # Scores only (no extra visits, no alerts), so that the seeded visits stay as they were.
    start = time.perf_counter()
    with transaction.atomic():
        changes = score_placements(today=today, reason="sweep")
        connection.cursor().execute(STEADY_STATE_HIGH_SINCE, {"today": today})
    print(f"risk scores stored for the first time (committed): {time.perf_counter() - start:.2f} s, "
          f"{len(changes)} placements high (dated over the past year)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--risk-runs", type=int, default=0)
    parser.add_argument("--active-placements", type=int, default=0,
                        help="top the data set up to this many active placements first (removed at the end)")
    args = parser.parse_args()
    remove_top_up()  # left by a run that was killed
    score_seeded_placements(timezone.localdate())
    if args.active_placements:
        top_up_active_placements(args.active_placements, timezone.localdate())
    try:
        measure(args)
    finally:
        remove_top_up()


def measure(args: argparse.Namespace) -> None:
    today = timezone.localdate()
    # E-mails are not what is measured: nothing is published (the transaction is rolled back anyway).
    notification_services.publish_email_sending = lambda: None

    print(f"database: {connection.settings_dict['NAME']}, cores: {os.cpu_count()}, today: {today}")
    print("active placements:", scalar("SELECT count(*) FROM cases_placement WHERE ended_on IS NULL"))
    print("placements:", scalar("SELECT count(*) FROM cases_placement"))
    print("visits:", scalar("SELECT count(*) FROM visits_visit"))
    print("visits not done:", scalar("SELECT count(*) FROM visits_visit WHERE done_on IS NULL"))

    for _ in range(args.risk_runs):
        elapsed, moved = rolled_back(lambda: recompute_all_risks(today=today))
        print(f"nightly risk recomputation (re-run, rolled back): {elapsed:.2f} s, {moved} moves into high")
    print("placement risks by band:", dict(connection.cursor().execute(
        "SELECT band, count(*) FROM risk_placementrisk GROUP BY band ORDER BY band").fetchall()))

    def sweeps(days_before: list[int], label: str) -> tuple[float, float, dict[str, float]]:
        """The sweep of ``today`` after the sweeps of earlier days (none: a cold start)."""
        first, rerun, forced, created, steps = [], [], [], {}, {}
        for _ in range(args.runs):
            with transaction.atomic():
                immediate_constraints()
                for back in days_before:
                    run_reminder_sweep(today=today - dt.timedelta(days=back))
                start = time.perf_counter()
                result = run_reminder_sweep(today=today)
                first.append(time.perf_counter() - start)
                start = time.perf_counter()
                again = run_reminder_sweep(today=today)
                rerun.append(time.perf_counter() - start)
                start = time.perf_counter()
                checked = run_reminder_sweep(today=today, force=True)
                forced.append(time.perf_counter() - start)
                assert again.total == 0 and checked.total == 0, (again.created, checked.created)
                created = result.created
                for name, seconds in result.seconds.items():
                    steps.setdefault(name, []).append(seconds)
                transaction.set_rollback(True)
            clean_notifications()
        print(f"{label}: reminders created {created} (total {sum(created.values())})")
        print(f"  first run of the day: median {median(first)} s over {args.runs} runs {[round(t, 3) for t in first]}")
        print("  its steps: " + ", ".join(f"{name} {median(times)} s" for name, times in steps.items()))
        print(f"  re-run the same day (kinds done are skipped): median {median(rerun)} s")
        print(f"  forced re-run (every kind re-checked, nothing new): median {median(forced)} s")
        return median(first), median(forced), {name: median(times) for name, times in steps.items()}

    daily_first, daily_forced, _daily_steps = sweeps([1], "daily sweep, yesterday's sweep done")
    _cold_first, _cold_forced, cold_steps = sweeps([], "cold start, no reminder ever sent (14 days of overdue items caught up)")
    # The two summary lines bench/run_all.py reads: the daily sweep and its re-run that re-checks every kind.
    print(f"sweep, first run: median {daily_first} s")
    print(f"sweep, re-run finding nothing new: median {daily_forced} s")
    # Each kind at a cold start (the whole window inserted), beside the raw-SQL reference below.
    for name, seconds in cold_steps.items():
        print(f"  step {name}: median {seconds} s")

    db = connection.settings_dict
    due, risk = [], []
    with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]) as raw:
        for _ in range(args.runs):
            raw.execute("SET CONSTRAINTS ALL IMMEDIATE")
            start = time.perf_counter()
            raw.execute(REFERENCE_DUE_OVERDUE, {"today": today})
            due.append(time.perf_counter() - start)
            raw.rollback()
            start = time.perf_counter()
            raw.execute(REFERENCE_HIGH_RISK, {"today": today}).fetchone()
            risk.append(time.perf_counter() - start)
            raw.rollback()
            clean_notifications()
    # (cold start: both windows full, as in the steps above)
    print(f"raw SQL reference, due + overdue visits INSERT ... ON CONFLICT: median {median(due)} s")
    print(f"raw SQL reference, high-risk-without-visit anti-join: median {median(risk)} s")

    horizon = [rolled_back(lambda: extend_visit_horizons(today=today)) for _ in range(args.runs)]
    print(f"nightly horizon extension: median {median([t for t, _ in horizon])} s, {horizon[0][1]} visits planned")


if __name__ == "__main__":
    main()
