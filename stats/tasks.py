"""Celery task: the nightly refresh of the statistics snapshot (idempotent: it rebuilds everything)."""

from celery import shared_task

from stats.services import refresh_statistics


@shared_task(name="stats.refresh_statistics")
def refresh_statistics_task() -> int:
    return refresh_statistics().pk
