"""``manage.py demo_setup``: the demo data set (once) and one login per role, for ``make run``."""

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import DomainError
from demo.services import DEMO_CHILDREN, demo_setup


class Command(BaseCommand):
    help = (
        f"Seed {DEMO_CHILDREN:,} demo children if the database has none, make sure one demo user per role exists "
        "with a known password, and print the logins. Safe to run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options) -> None:
        try:
            seeded, logins = demo_setup(stderr=self.stderr, progress=not options["no_progress"])
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        if seeded:
            self.stdout.write(self.style.SUCCESS(f"Loaded the demo data set ({DEMO_CHILDREN:,} children)."))
        else:
            self.stdout.write("Demo data already present; reusing it.")
        self.stdout.write("")
        self.stdout.write("Demo logins (http://127.0.0.1:8000/, admin at /admin/):")
        self.stdout.write(f"  {'username':12} {'password':20} {'role':15} unit")
        for login in logins:
            self.stdout.write(f"  {login.username:12} {login.password:20} {login.role:15} {login.unit}")
