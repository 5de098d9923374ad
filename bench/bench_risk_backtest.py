"""Benchmark: ``evaluate_risk --backtest`` (issue 19 item 10) on the national data set.

Replays the risk score over every day of a window for every placement active in it
(risk.backtest.run_backtest: one set-based statement building the change-point intervals, two
aggregates) and prints its figures and time. Beside it a raw-SQL reference: one window pass over
every visit and placement start in placement and day order (the sort the replay cannot avoid),
counted, nothing scored. Read-only (the replay's temporary table is dropped at commit); the result
is stored as a RiskBacktest row only with --store.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/otbasy_bench_risk \\
        .venv/bin/python bench/bench_risk_backtest.py [--from 2019-01-01] [--to YYYY-MM-DD] [--runs 1] [--store]

The default window is the whole history (from the first placement's start to yesterday), so that
every placement of the data set is scored.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from risk.backtest import run_backtest  # noqa: E402
from risk.services import record_backtest  # noqa: E402

REFERENCE = """
SELECT count(*), sum(n) FROM (
    SELECT pid, d, count(*) OVER (PARTITION BY pid ORDER BY d ROWS UNBOUNDED PRECEDING) AS n
    FROM (SELECT placement_id AS pid, coalesce(done_on, planned_on) AS d FROM visits_visit
          UNION ALL SELECT id, started_on FROM cases_placement) s
) w
"""


def load() -> str:
    return os.popen("uptime").read().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="from_date", type=dt.date.fromisoformat)
    parser.add_argument("--to", dest="to_date", type=dt.date.fromisoformat)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--store", action="store_true", help="store the last run as a RiskBacktest row")
    parser.add_argument("--no-reference", action="store_true")
    args = parser.parse_args()
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(started_on), count(*) FROM cases_placement")
        first, placements = cursor.fetchone()
    to_date = args.to_date or timezone.localdate() - dt.timedelta(days=1)
    from_date = args.from_date or first
    print(f"database {connection.settings_dict['NAME']}: {placements:,} placements; window {from_date} .. {to_date}")
    print(f"nproc = {os.cpu_count()}; before: {load()}", flush=True)
    times = []
    result = None
    for i in range(args.runs):
        began = time.perf_counter()
        if args.store and i == args.runs - 1:
            stored = record_backtest(from_date=from_date, to_date=to_date)
            result = stored
        else:
            result = run_backtest(from_date=from_date, to_date=to_date)
        elapsed = time.perf_counter() - began
        times.append(elapsed)
        print(f"run {i + 1}: backtest {elapsed:.1f} s; {load()}", flush=True)
    assert result is not None
    if hasattr(result, "intervals"):
        print(f"change-point intervals: {result.intervals:,}")
        figures = {
            "placements": result.placements, "placements_flagged": result.placements_flagged,
            "returns": result.returns, "returns_flagged_early": result.returns_flagged_early,
            "auc": result.auc, "calibration": result.calibration, "thresholds": result.thresholds,
        }
    else:
        figures = {
            "placements": result.placements, "placements_flagged": result.placements_flagged,
            "returns": result.returns, "returns_flagged_early": result.returns_flagged_early,
            "auc": {60: result.auc_60, 180: result.auc_180}, "calibration": result.calibration, "thresholds": result.thresholds,
        }
    print(json.dumps(figures, indent=1, default=str))
    print(f"returns flagged high >= 60 days ahead: {figures['returns_flagged_early']:,} of {figures['returns']:,} "
          f"({figures['returns_flagged_early'] / max(figures['returns'], 1):.1%}); placements ever flagged high: "
          f"{figures['placements_flagged']:,} of {figures['placements']:,} "
          f"({figures['placements_flagged'] / max(figures['placements'], 1):.1%})")
    reference = None
    if not args.no_reference:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
            began = time.perf_counter()
            cursor.execute(REFERENCE)
            cursor.fetchone()
            reference = time.perf_counter() - began
        print(f"raw SQL reference (one window pass over visits + starts, nothing scored): {reference:.1f} s; {load()}")
    median = statistics.median(times)
    print("BENCH_RESULT " + json.dumps({
        "name": f"risk backtest, {placements:,} placements, {from_date}..{to_date}", "median_ms": median * 1000,
        "reference_ms": None if reference is None else reference * 1000,
        "reference": "raw SQL window pass over visits (nothing scored)",
    }))


if __name__ == "__main__":
    main()
