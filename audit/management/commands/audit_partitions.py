"""Create the audit tables' monthly partitions ahead, and export and detach those past retention."""

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit import partitions


class Command(BaseCommand):
    help = (
        "Create the monthly partitions of the access log and the change history for the coming months; with "
        "--detach, export each partition older than the retention period to a gzipped CSV file, then detach and drop it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--detach", action="store_true", help="Export and detach partitions past retention.")
        parser.add_argument("--retention-months", type=int, default=settings.AUDIT_RETENTION_MONTHS,
                            help="Keep this many whole months before the current one (AUDIT_RETENTION_MONTHS).")
        parser.add_argument("--export-dir", default=settings.AUDIT_EXPORT_DIR,
                            help="Where the exported partitions are written (AUDIT_EXPORT_DIR).")

    def handle(self, *args: Any, detach: bool, retention_months: int, export_dir: str, **options: Any) -> None:
        today = partitions.utc_today()  # the partitions' months are UTC months
        created = partitions.ensure_partitions(today=today)
        self.stdout.write(f"Partitions created: {len(created)}")
        if not detach:
            return
        if retention_months < 1:
            raise CommandError("--retention-months must be at least 1.")
        cutoff = partitions.month_start(today)
        for _ in range(retention_months):
            cutoff = (cutoff - dt.timedelta(days=1)).replace(day=1)
        try:
            done = partitions.detach_older_than(cutoff=cutoff, export_dir=Path(export_dir))
        except OSError as exc:
            raise CommandError(f"Cannot write the exports to {export_dir}: {exc}") from exc
        for item in done:
            self.stdout.write(f"Detached {item.partition}: {item.rows} rows exported to {item.exported_to}")
        self.stdout.write(f"Partitions detached: {len(done)} (everything before {cutoff.isoformat()})")
