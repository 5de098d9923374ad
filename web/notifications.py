"""Inbox writes the pages need."""

from django.db import transaction
from django.utils import timezone

from notifications.models import Notification


@transaction.atomic
def mark_notification_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
