"""Reads of the inbox: a user only ever sees their own notifications."""

from django.db.models import QuerySet

from accounts.models import User
from notifications.models import Notification


def inbox_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")
