"""Housekeeping of grants. Expired grants already give no access (every check filters them in
the database); the nightly task only keeps the table small. Idempotent, so ``acks_late``."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="access.delete_expired_grants", acks_late=True)
def delete_expired_grants() -> int:
    from access.services import delete_expired_grants as delete

    deleted = delete()
    logger.info("Expired case grants deleted: %s", deleted)
    return deleted
