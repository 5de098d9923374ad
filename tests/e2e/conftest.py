"""Playwright against a live server, in Debian's Chromium (no browser download).

The tests are marked ``e2e`` and skipped, saying why, when /usr/bin/chromium is missing. Set
OTBASY_SCREENSHOTS to a folder (docs/screenshots) to save a screenshot of each page on the way.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-quic",
]

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls (set-up data,
# checks) are still plain synchronous code, so Django's async guard is told so.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: install Debian's package (apt-get install -y chromium)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


# The migrations' data (regions, units, policies) as pytest-django serialized it for rollback.
_SERIALIZED: dict[str, str | None] = {}


@pytest.fixture(scope="session")
def browser(django_db_setup: None) -> Iterator[object]:
    from django.db import connection
    from playwright.sync_api import sync_playwright

    # Django keeps the serialized data on the connection object of the current context. Playwright's
    # greenlets give the tests a fresh context, hence a fresh connection object without it, once
    # another module's test opened the database first: keep it here before starting the browser.
    _SERIALIZED["default"] = getattr(connection, "_test_serialized_contents", None)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _migration_data(browser: object, transactional_db: None) -> None:
    """Put back the migrations' data that the previous test's flush removed (what serialized_rollback
    does, for a connection object that lost the serialized copy)."""
    from django.db import connection

    from regions.models import Region

    saved = _SERIALIZED.get("default")
    if saved is None:
        return
    if not hasattr(connection, "_test_serialized_contents"):
        connection._test_serialized_contents = saved
    if not Region.objects.exists():
        connection.creation.deserialize_db_from_string(saved)


@pytest.fixture
def page(browser: object, live_server: object) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shoot(page: object):
    """shoot("name") saves a full-page PNG when OTBASY_SCREENSHOTS names a folder."""
    folder = os.environ.get("OTBASY_SCREENSHOTS")

    def take(name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take
