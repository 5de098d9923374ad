"""Celery task of the visits app: the nightly horizon extension of open-ended visit schedules.

Its own job, apart from the reminder sweep: it plans visits months ahead, while reminders concern
the next 7 days, so neither waits for the other. Idempotent (the unique visit date), hence acks_late.
"""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="visits.extend_horizons", acks_late=True)
def extend_horizons() -> int:
    """Plan the visits of open-ended schedules that have come within the horizon."""
    from visits.services import extend_visit_horizons

    planned = extend_visit_horizons()
    logger.info("Visit horizons extended: %s visits planned", planned)
    return planned
