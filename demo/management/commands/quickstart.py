"""``manage.py quickstart [--port 8000] [--children N]``: what ``make run`` runs.

With the local settings the database is the embedded PostgreSQL (``config/quickstart_db.py``),
already started when this command runs. Then: migrations, the demo (loaded once), a Celery
worker with beat on the database broker (its log in the quick-start folder), and the web server
in this process. Ctrl-C stops the web server, then the worker, then PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from config.quickstart_db import quickstart_dir
from demo.management.commands.seed_demo import _whole_number
from demo.services import DEMO_CHILDREN, MAX_CHILDREN


class Command(BaseCommand):
    help = "The quick start: migrate, load the demo once, start a Celery worker with beat, and serve the site."
    requires_system_checks = []  # runserver checks once

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=_whole_number(1, 65535), default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--children", type=_whole_number(1, MAX_CHILDREN), default=DEMO_CHILDREN,
            help=f"demo children loaded on the first start (default {DEMO_CHILDREN:,})",
        )
        parser.add_argument("--no-worker", action="store_true", help="do not start the Celery worker with beat")

    def handle(self, *args, **options) -> None:
        # A plain kill stops the worker and PostgreSQL too (cleanup runs on SystemExit, as on Ctrl-C).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        database = settings.DATABASES["default"]
        where = database.get("HOST") or "local socket"
        self.stdout.write(f"PostgreSQL: database {database['NAME']} at {where}")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Migrations applied.")
        call_command("demo_setup", children=options["children"], port=options["port"], stdout=self.stdout, stderr=self.stderr)
        worker = None if options["no_worker"] else self._start_worker()
        # The development server is what the quick start is; the README says so once, the terminal need not.
        os.environ["DJANGO_RUNSERVER_HIDE_WARNING"] = "true"
        try:
            call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False, skip_checks=False)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _start_worker(self) -> subprocess.Popen:
        """One Celery process: the worker (solo pool: one task at a time is plenty for the demo) with
        beat embedded, so the reminder sweep, the nightly risk scoring and the statistics refresh run
        on their schedule. Its output goes to a log file, keeping this terminal to the web server."""
        folder = quickstart_dir()
        folder.mkdir(parents=True, exist_ok=True)  # absent when DATABASE_URL names a server of one's own
        log = folder / "celery.log"
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--beat", "--pool", "solo", "--loglevel", "INFO",
            "--schedule", str(folder / "celerybeat-schedule"), "--without-heartbeat", "--without-gossip", "--without-mingle",
        ]
        with open(log, "ab") as out:
            worker = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=os.environ.copy())
        self.stdout.write(f"Background tasks: a Celery worker with beat, broker on PostgreSQL (log: {log}).")
        return worker
