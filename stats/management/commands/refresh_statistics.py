"""Refresh the snapshot tables the statistics are computed from (also run nightly by Celery beat)."""

from django.core.management.base import BaseCommand

from core.dates import local
from stats.services import refresh_statistics


class Command(BaseCommand):
    help = "Copy cases and placements into the statistics snapshot tables."

    def handle(self, *args, **options) -> None:
        refresh = refresh_statistics()
        self.stdout.write(
            f"Statistics as of {local(refresh.finished_at):%Y-%m-%d %H:%M:%S}: {refresh.cases} cases, {refresh.placements} placements "
            f"({(refresh.finished_at - refresh.started_at).total_seconds():.1f} s)."
        )
