"""``manage.py seed_demo --children N [--seed S] [--append | --flush]``: synthetic data across all regions."""

import argparse

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import DomainError
from demo.services import MAX_CHILDREN, MAX_SEED, SeedMode, seed_demo


def _whole_number(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range: give a number from {low:,} to {high:,}")
        return value

    return parse


class Command(BaseCommand):
    help = (
        "Load synthetic children, children's homes, families, cases at every stage, placements (with returns) "
        "and visits across all regions. Deterministic for a given --seed; all or nothing (one transaction, or "
        "for 50,000 children or more into an empty database staging tables swapped in by one short transaction)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--children", type=_whole_number(1, MAX_CHILDREN), required=True, help=f"number of children (1 to {MAX_CHILDREN:,})"
        )
        parser.add_argument("--seed", type=_whole_number(0, MAX_SEED), default=1, help="random seed (default 1)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--append", action="store_true", help="add to the children already in the database")
        mode.add_argument("--flush", action="store_true", help="delete the seeded data already in the database first")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options) -> None:
        mode = SeedMode.APPEND if options["append"] else SeedMode.FLUSH if options["flush"] else SeedMode.REFUSE
        try:
            result = seed_demo(
                children=options["children"], seed=options["seed"], mode=mode, stderr=self.stderr,
                progress=not options["no_progress"],
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        for table, count in result.counts.items():
            self.stdout.write(f"{table:28} {count:>12,}")
        if options["verbosity"] >= 2:
            for phase, seconds in result.timings.items():
                self.stdout.write(f"{phase:40} {seconds:8.1f} s")
        self.stdout.write(self.style.SUCCESS(f"Seeded {options['children']:,} children in {result.seconds:.1f} s."))
