"""Print how well the "high" band predicts returns: on the assessments stored (default), or by
replaying the score over past days (``--backtest``, stored for the supervisors' calibration page)."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from risk.selectors import evaluate

BACKTEST_YEARS = 3  # the default window of --backtest: the last three years


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date: write it as YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Share of returns to an institution flagged high-risk at least N days before the return, and the share of all "
        "placements ever flagged high (the cost in extra visits). With --backtest: every placement scored as it stood on "
        "each day from --from to --to (what was recorded by then), with the AUC at 60 and 180 days ahead and calibration "
        "by band; the result is stored for the supervisors' calibration page."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lead-days", type=int, default=60, help="How long before the return the flag must be up (60).")
        parser.add_argument("--backtest", action="store_true", help="Replay the score over past days and store the result.")
        parser.add_argument("--from", dest="from_date", help="First day of the backtest, YYYY-MM-DD (default: three years before --to).")
        parser.add_argument("--to", dest="to_date", help="Last day of the backtest, YYYY-MM-DD (default: yesterday).")
        parser.add_argument("--no-store", action="store_true", help="With --backtest: print only, do not store.")

    def handle(self, *args: Any, lead_days: int, backtest: bool, from_date: str | None, to_date: str | None,
               no_store: bool, **options: Any) -> None:
        if lead_days < 0:
            raise CommandError("--lead-days cannot be negative.")
        if not backtest:
            if from_date or to_date or no_store:
                raise CommandError("--from, --to and --no-store go with --backtest.")
            self._stored_assessments(lead_days)
            return
        to = _date(to_date) if to_date else timezone.localdate() - dt.timedelta(days=1)
        start = _date(from_date) if from_date else to.replace(year=to.year - BACKTEST_YEARS, day=min(to.day, 28))
        if start > to:
            raise CommandError(f"--from ({start}) is after --to ({to}).")
        if to > timezone.localdate():
            raise CommandError(f"--to ({to}) is in the future: the backtest replays past days.")
        self._backtest(start, to, lead_days, store=not no_store)

    def _stored_assessments(self, lead_days: int) -> None:
        result = evaluate(lead_days=lead_days)
        self.stdout.write(
            f"Returns flagged high at least {lead_days} days before: {result.returns_flagged_early} of {result.returns} "
            f"({percent(result.share_of_returns_flagged_early)})"
        )
        self.stdout.write(
            f"Placements ever flagged high: {result.placements_flagged} of {result.placements} "
            f"({percent(result.share_of_placements_flagged)})"
        )
        self.stdout.write(f"Placements with at least one risk assessment: {result.placements_assessed} of {result.placements}")

    def _backtest(self, start: dt.date, to: dt.date, lead_days: int, *, store: bool) -> None:
        from risk.backtest import run_backtest
        from risk.services import record_backtest

        if store:
            row = record_backtest(from_date=start, to_date=to, lead_days=lead_days)
            r = {"placements": row.placements, "flagged": row.placements_flagged, "returns": row.returns,
                 "early": row.returns_flagged_early, "auc": {60: row.auc_60, 180: row.auc_180},
                 "calibration": row.calibration, "thresholds": row.thresholds, "seconds": row.seconds}
        else:
            result = run_backtest(from_date=start, to_date=to, lead_days=lead_days)
            r = {"placements": result.placements, "flagged": result.placements_flagged, "returns": result.returns,
                 "early": result.returns_flagged_early, "auc": result.auc, "calibration": result.calibration,
                 "thresholds": result.thresholds, "seconds": result.seconds}
        share = (lambda n, d: percent(n / d if d else None))  # noqa: E731
        out = self.stdout.write
        out(f"Backtest {start} .. {to} ({r['seconds']:.1f} s)")
        out(f"Returns flagged high at least {lead_days} days before: {r['early']} of {r['returns']} "
            f"({share(r['early'], r['returns'])})")
        out(f"Placements ever flagged high: {r['flagged']} of {r['placements']} ({share(r['flagged'], r['placements'])})")
        for horizon, auc in r["auc"].items():
            out(f"AUC, return within {horizon} days: {'n/a' if auc is None else f'{auc:.3f}'}")
        out("Calibration (later half of the window; predicted = the earlier half's logistic fit of the score):")
        out(f"  {'days':>5} {'band':7} {'placement-days':>15} {'returns':>9} {'observed':>9} {'predicted':>9}")
        for c in r["calibration"]:
            out(f"  {c['horizon']:>5} {c['band']:7} {c['placement_days']:>15,} {c['positive_days']:>9,} "
                f"{percent(c['observed']):>9} {percent(c['predicted']):>9}")
        out("If high started at N points (safeguarding findings high at any N):")
        for t in r["thresholds"]:
            out(f"  {t['high_from']:>4}: placements flagged {percent(t['placements_flagged']):>6}, "
                f"returns flagged {lead_days}+ days ahead {percent(t['returns_flagged_early']):>6}")
        if store:
            out("Stored for the supervisors' calibration page.")
