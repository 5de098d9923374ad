"""Benchmark: the nightly risk scoring (issue 20 item 7) on the national data set.

Measures ``risk.services.recompute_all_risks`` (batches of RISK_SCORING_BATCH active placements,
grouped inputs, only changed rows written; full or incremental) beside two references in the same
run:
  - the old path, one statement over every active placement with a look-up per placement and input
    (``risk.scoring.score_placements(ids=None)``, what the nightly task ran before), in a transaction
    rolled back;
  - raw SQL: the inputs alone (active placements joined to child and family, missed visits and
    earlier returns counted, the last visit looked up), counted: nothing scored, nothing written.

Runs, in order: a first full run (rows written for every placement whose stored score differs:
all of them when the table was filled otherwise), a second full run (nothing changed: the steady
state), an incremental run for the next day after a day's emulated writes (what changed since, plus
the day-driven inputs), the old path (rolled back) and the raw reference. The first run is committed: it stores the scores and,
as the nightly task does, plans the extra visits and alerts of the moves into high; in the benchmark
database that is intended.

With --active-placements N the data set is first topped up to N active placements with
bench/bench_sweep.py's top-up (committed, removed at the end).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/otbasy_bench_risk \\
        .venv/bin/python bench/bench_risk_nightly.py [--active-placements 1000000] [--no-old]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from risk.models import RiskScoringRun  # noqa: E402
from risk.scoring import INPUTS_SQL, _weights, score_placements  # noqa: E402
from risk.services import recompute_all_risks  # noqa: E402

RAW_INPUTS = "SELECT count(*) FROM (" + INPUTS_SQL.format(
    extra="", as_of="%(today)s::date", source="cases_placement p") + " WHERE p.ended_on IS NULL) i"


class Rollback(Exception):
    pass


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def scalar(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def timed_run(label: str, *, today: dt.date, full: bool | None) -> dict:
    began = time.perf_counter()
    moved = recompute_all_risks(today=today, full=full)
    elapsed = time.perf_counter() - began
    run = RiskScoringRun.objects.order_by("-started_at", "-id").first()
    print(f"{label}: {elapsed:.1f} s; {run.placements_scored:,} placements scored ({run.why}), {moved:,} moved into high; "
          f"{load()}", flush=True)
    return {"label": label, "seconds": elapsed, "scored": run.placements_scored, "moved": moved}


def old_path(today: dt.date) -> float:
    began = time.perf_counter()
    try:
        with transaction.atomic():
            score_placements(today=today, reason="sweep")
            raise Rollback
    except Rollback:
        pass
    return time.perf_counter() - began


def raw_reference(today: dt.date) -> float:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        began = time.perf_counter()
        cursor.execute(RAW_INPUTS, {**_weights(), "today": today})
        cursor.fetchone()
        return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--active-placements", type=int, default=0)
    parser.add_argument("--no-old", action="store_true", help="skip the old one-statement path")
    parser.add_argument("--keep-top-up", action="store_true", help="leave the top-up for the next run")
    args = parser.parse_args()
    today = timezone.localdate()
    if args.active_placements and scalar("SELECT count(*) FROM cases_placement WHERE ended_on IS NULL") < args.active_placements:
        from bench.bench_sweep import remove_top_up, top_up_active_placements

        remove_top_up()
        top_up_active_placements(args.active_placements, today)
    try:
        active = scalar("SELECT count(*) FROM cases_placement WHERE ended_on IS NULL")
        print(f"database {connection.settings_dict['NAME']}: {active:,} active placements; nproc = {os.cpu_count()}; "
              f"batch {settings.RISK_SCORING_BATCH:,}; {load()}", flush=True)
        results = [timed_run("first full run (rows differing from the stored ones written)", today=today, full=True),
                   timed_run("second full run (nothing changed)", today=today, full=True)]
        # A day's writes at this scale: about one visit recorded per 90 active placements (a visit
        # every three months) and one child record in 1,000 edited; only writes since the last run
        # began count (margin 0 here: the seed's rows are all stamped with today's load time).
        settings.RISK_CHANGE_MARGIN_MINUTES = 0
        with connection.cursor() as cursor:
            cursor.execute("UPDATE visits_visit SET updated_at = now() WHERE id IN (SELECT v.id FROM visits_visit v "
                           "JOIN cases_placement p ON p.id = v.placement_id AND p.ended_on IS NULL "
                           "WHERE v.done_on IS NOT NULL ORDER BY v.id DESC LIMIT %s)", [active // 90])
            cursor.execute("UPDATE children_child SET updated_at = now() WHERE id IN (SELECT child_id FROM cases_placement "
                           "WHERE ended_on IS NULL ORDER BY id LIMIT %s)", [active // 1000])
        results.append(timed_run("incremental run, next day (a day's writes)", today=today + dt.timedelta(days=1), full=None))
        old = None if args.no_old else old_path(today)
        if old is not None:
            print(f"old path, one statement, steady state (rolled back): {old:.1f} s; {load()}", flush=True)
        raw = raw_reference(today)
        print(f"raw SQL reference, inputs only (counted): {raw:.1f} s; {load()}", flush=True)
        steady = results[1]["seconds"]
        print("BENCH_RESULT " + json.dumps({
            "name": f"nightly risk scoring, full, {active:,} active placements", "median_ms": steady * 1000,
            "reference_ms": raw * 1000, "reference": "raw SQL inputs only",
        }))
    finally:
        # The next day's run is recorded with a later day than today's real run would be.
        RiskScoringRun.objects.filter(run_on__gt=today).delete()
        if args.active_placements and not args.keep_top_up:
            from bench.bench_sweep import remove_top_up

            remove_top_up()


if __name__ == "__main__":
    main()
