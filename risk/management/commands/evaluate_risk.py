"""Print how well the "high" band predicts returns on the data present."""

from typing import Any

from django.core.management.base import BaseCommand

from risk.selectors import evaluate


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


class Command(BaseCommand):
    help = (
        "Share of returns to an institution flagged high-risk at least N days before the return, and the share of all "
        "placements ever flagged high (the cost in extra visits)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--lead-days", type=int, default=60, help="How long before the return the flag must be up (60).")

    def handle(self, *args: Any, lead_days: int, **options: Any) -> None:
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
