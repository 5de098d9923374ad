"""Reads of the inbox: a user only ever sees their own notifications."""

from django.db import connections, router
from django.db.models import QuerySet

from accounts.models import User
from notifications.models import Notification


def inbox_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread (every page's header): one hand-written
    statement, a count over the inbox index; the ORM spent more time building the query than the
    database answering it (bench/README.md, record pages)."""
    with connections[router.db_for_read(Notification)].cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {Notification._meta.db_table} WHERE recipient_id = %s AND read_at IS NULL",
                       [user.pk])
        return cursor.fetchone()[0]
