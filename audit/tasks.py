"""Celery task: keep the audit tables' monthly partitions three months ahead (audit/partitions.py)."""

from celery import shared_task

from audit.partitions import ensure_partitions, utc_today


@shared_task(name="audit.ensure_partitions", acks_late=True)
def ensure_audit_partitions() -> int:
    """Idempotent: creates only the partitions that are missing; returns how many it created."""
    return len(ensure_partitions(today=utc_today()))
