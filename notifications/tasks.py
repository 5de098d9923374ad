"""Celery tasks of the reminders. All are idempotent, so they run with ``acks_late``: a message
redelivered after a worker dies repeats work that the unique keys make harmless."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="notifications.daily_sweep", acks_late=True)
def daily_sweep() -> dict[str, int]:
    """Insert the day's reminders (the visits they are about were planned by visits.extend_horizons)."""
    from notifications.services import run_reminder_sweep

    result = run_reminder_sweep()
    logger.info("Daily sweep: reminders %s, seconds per step %s", result.created,
                {name: round(seconds, 3) for name, seconds in result.seconds.items()})
    return dict(result.created)


@shared_task(name="notifications.send_emails", acks_late=True)
def send_notification_emails() -> int:
    from notifications.services import send_pending_emails

    return send_pending_emails()
