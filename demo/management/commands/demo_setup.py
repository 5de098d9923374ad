"""``manage.py demo_setup``: the demo data set (once) and one login per role, for ``make run``."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import DomainError
from demo.management.commands.seed_demo import _whole_number
from demo.services import DEMO_CHILDREN, MAX_CHILDREN, demo_setup


class Command(BaseCommand):
    help = (
        f"Seed {DEMO_CHILDREN:,} demo children if the database has none, bring the demo up to today (risk scores, "
        "reminders, statistics), make sure one demo user per role exists with a known password, and print the logins. "
        "Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--children", type=_whole_number(1, MAX_CHILDREN), default=DEMO_CHILDREN,
            help=f"children loaded when the database has none (default {DEMO_CHILDREN:,})",
        )
        parser.add_argument("--port", type=int, default=8000, help="the port printed with the address")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options) -> None:
        try:
            setup = demo_setup(children=options["children"], stderr=self.stderr, progress=not options["no_progress"])
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        if setup.seeded:
            self.stdout.write(self.style.SUCCESS(f"Loaded the demo data set ({options['children']:,} children)."))
        else:
            self.stdout.write("Demo data already present; reusing it.")
        for line in setup.summary:
            self.stdout.write(f"  {line}")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (http://127.0.0.1:{options['port']}/, admin at /admin/, API docs at /api/docs/):")
        self.stdout.write(f"  {'username':12} {'password':20} {'role':15} unit")
        for login in setup.logins:
            self.stdout.write(f"  {login.username:12} {login.password:20} {login.role:15} {login.unit}")
