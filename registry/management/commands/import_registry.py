"""python manage.py import_registry FILE.csv --kind children|families [--partial]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from registry.services import ImportFileError, import_registry


class Command(BaseCommand):
    help = ("Import children or prospective families from a CSV file. Every row is validated; a file with any bad "
            "row imports nothing unless --partial is given. Columns: see docs/import.md.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path of the CSV file (UTF-8, header row first)")
        parser.add_argument("--kind", required=True, help="children or families")
        parser.add_argument("--partial", action="store_true", help="import the good rows even if some are rejected")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if options["kind"] not in ("children", "families"):
            raise CommandError(f'Unknown kind "{options["kind"]}": use --kind children or --kind families.')
        if not path.is_file():
            raise CommandError(f"File not found: {path}")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            try:
                report = import_registry(
                    text=handle, kind=options["kind"], partial=options["partial"],
                    progress=lambda rows: tqdm(rows, desc="rows", unit="row", file=self.stderr._out,
                                               disable=options["verbosity"] == 0),
                )
            except ImportFileError as exc:
                raise CommandError(str(exc)) from exc
            except UnicodeDecodeError as exc:
                raise CommandError(f"The file is not UTF-8 text: {exc}") from exc
        for rejected in report.rejected:
            for field, messages in rejected["errors"].items():
                for message in messages:
                    self.stderr.write(f"line {rejected['line']}: {field}: {message}")
        self.stdout.write(f"accepted rows: {len(report.accepted)}, rejected rows: {len(report.rejected)}, "
                          f"imported: {report.imported}")
        if report.rejected and not options["partial"]:
            raise CommandError("Nothing was imported because some rows were rejected (use --partial to import the good rows).")
