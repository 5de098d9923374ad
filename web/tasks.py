"""Celery task of the web pages: the supervisors' dashboard figures (web.figures). Idempotent (it
rewrites every unit's row), so it runs with ``acks_late``."""

from typing import Any

from celery import shared_task
from celery.signals import task_success


@shared_task(name="web.refresh_dashboard_figures", acks_late=True)
def refresh_dashboard_figures() -> int:
    """Recompute every unit's dashboard figures; returns the number of units."""
    from web.figures import refresh_unit_figures

    return refresh_unit_figures()


# The figures follow the nightly risk scoring (high risks) and the daily sweep (the new day's
# overdue visits): each success queues a refresh. The risk and notifications apps sit below this
# one, so web listens rather than they call it.
REFRESH_AFTER = frozenset({"risk.nightly_scoring", "notifications.daily_sweep"})


@task_success.connect
def _refresh_after(sender: Any = None, **kwargs: Any) -> None:
    if getattr(sender, "name", None) in REFRESH_AFTER:
        refresh_dashboard_figures.delay()
