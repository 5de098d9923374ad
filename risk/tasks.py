"""Celery task of the risk of return. Idempotent (one statement recomputes every active placement),
so it runs with ``acks_late``. It lives here, not in notifications: risk sends alerts through
notifications' services, and a lower app never imports a higher one's."""

from celery import shared_task


@shared_task(name="risk.nightly_scoring", acks_late=True)
def nightly_scoring() -> int:
    """Recompute the risk of every active placement (missed visits and time change it); returns the
    number of placements that moved into high."""
    from risk.services import recompute_all_risks

    return recompute_all_risks()
