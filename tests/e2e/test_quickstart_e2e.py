"""The quick start as a new user meets it: ``manage.py quickstart`` (what ``make run`` runs) on an
empty data directory starts the embedded PostgreSQL, loads the demo, starts the worker with beat
and serves the site; each demo login then has work to see. A second start reuses the data.

This is the one test that uses the embedded PostgreSQL (the others use the server on 5432). It
loads a small demo (``--children``) through the same code path as ``make run``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e import browsing
from tests.processes import BASE_DIR, free_port, wait_for_port

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHILDREN = 600  # enough for each demo login to have work in the demo's district and region
STARTUP_SECONDS = 600  # migrations and the load on a busy 2-core machine


@contextmanager
def quickstart(folder: Path, port: int, log: Path) -> Iterator[subprocess.Popen]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.local", "OTBASY_QUICKSTART_DIR": str(folder), "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "quickstart", "--port", str(port), "--children", str(CHILDREN)],
            cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    try:
        wait_for_port(port, timeout=STARTUP_SECONDS, process=process)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sign_in(page, username: str) -> None:
    browsing.sign_in(page, username, password=f"otbasy-{username}")  # the demo's logins, as `make run` prints them


@pytest.fixture
def folder() -> Iterator[Path]:
    """An empty quick-start folder outside pytest's temporary root: that root is kept 0700 by every
    pytest run, and the server runs as the wheel's own user, which must reach its data directory."""
    path = Path(tempfile.mkdtemp(prefix="otbasy-quickstart-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_the_quick_start_starts_on_an_empty_folder_with_work_for_each_login_and_reuses_its_data(browser, tmp_path, folder):
    port = free_port()
    first_log = tmp_path / "first.log"
    with quickstart(folder, port, first_log):
        output = first_log.read_text()
        assert (folder / "pgdata" / "PG_VERSION").exists()  # a real PostgreSQL, in the folder given
        assert f"Loaded the demo data set ({CHILDREN:,} children)." in output
        assert "Background tasks: a Celery worker with beat" in output
        assert output.count("AXES: BEGIN") == 1
        assert "Warning" not in output and "WARNING" not in output, output

        context = browser.new_context(base_url=f"http://127.0.0.1:{port}", locale="en-GB", accept_downloads=True)
        context.set_default_timeout(30000)
        page = context.new_page()

        # The social worker: reminders in the inbox, and cases whose risk has been assessed.
        sign_in(page, "worker")
        page.wait_for_url("**/cases/")
        badges = page.locator("table .badge").all_inner_texts()
        assert any(text.split(" · ")[0] in ("Low", "Medium", "High") for text in badges), badges
        page.goto("/notifications/")
        assert page.locator("text=No notifications.").count() == 0
        assert page.locator("main table tbody tr").count() > 0
        context.clear_cookies()

        # The supervisor: a decision waiting, a high-risk placement, and the calibration chart with data.
        sign_in(page, "supervisor")
        page.wait_for_url("**/unit/")
        assert page.locator("#decisions tr[id^=decision-]").count() > 0
        assert page.locator("text=No high-risk placement.").count() == 0
        assert page.locator("main .badge.high").count() > 0
        chart = page.locator("svg[aria-label='Calibration of the risk score'] rect")
        assert chart.count() > 0
        heights = [float(chart.nth(i).get_attribute("height") or 0) for i in range(chart.count())]
        assert any(h > 0 for h in heights), heights
        context.clear_cookies()

        # The analyst: statistics computed, and a CSV with numbers.
        sign_in(page, "analyst")
        page.wait_for_url("**/statistics/")
        page.select_option("#id_indicator", "placements_started")
        page.check("input[name=breakdown][value=form_of_care]")
        page.click("main form.card button[type=submit]")
        page.wait_for_selector("#result table")
        with page.expect_download() as info:
            page.click("text=Download CSV")
        with open(info.value.path(), encoding="utf-8-sig") as csv_file:
            rows = csv_file.read().splitlines()
        assert len(rows) > 1
        assert any(cell.strip().isdigit() and int(cell) > 0 for row in rows[1:] for cell in row.split(",")), rows
        # What production shows: static files served (WhiteNoise, no collectstatic) and the site's own
        # "not found" page, not Django's debug page listing every URL pattern.
        assert page.request.get("/static/web/css/app.css").status == 200
        missing = page.goto("/no-such-page/")
        assert missing is not None and missing.status == 404
        assert "URLconf" not in page.content()
        context.close()

    # Stopped: PostgreSQL went down with it (no server left on the folder).
    assert not (folder / "pgdata" / "postmaster.pid").exists()

    second_log = tmp_path / "second.log"
    with quickstart(folder, free_port(), second_log):
        output = second_log.read_text()
        assert "Demo data already present; reusing it." in output
        assert "Loaded the demo data set" not in output
    assert not (folder / "pgdata" / "postmaster.pid").exists()
