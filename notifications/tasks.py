"""Celery tasks of the reminders. All are idempotent, so they run with ``acks_late``: a message
redelivered after a worker dies repeats work that the unique keys make harmless."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="notifications.daily_sweep", acks_late=True)
def daily_sweep() -> dict[str, int]:
    """Extend open-ended visit schedules, then insert the day's reminders."""
    from notifications.services import run_reminder_sweep
    from visits.services import extend_visit_horizons

    planned = extend_visit_horizons()
    result = run_reminder_sweep()
    logger.info("Daily sweep: %s visits planned, reminders %s, seconds per step %s", planned, result.created,
                {name: round(seconds, 3) for name, seconds in result.seconds.items()})
    return {"visits_planned": planned, **dict(result.created)}


@shared_task(name="notifications.nightly_risk", acks_late=True)
def nightly_risk() -> int:
    """Recompute the risk of every active placement (missed visits and time change it)."""
    from risk.services import recompute_all_risks

    return recompute_all_risks()


@shared_task(name="notifications.send_emails", acks_late=True)
def send_notification_emails() -> int:
    from notifications.services import send_pending_emails

    return send_pending_emails()
