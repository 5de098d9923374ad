"""Reads of the inbox: a user only ever sees their own notifications."""

from collections.abc import Iterable

from django.db import connections, router
from django.db.models import QuerySet

from accounts.models import User
from notifications.models import Notification
from notifications.titles import units_of


def inbox_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")


def with_units(notes: Iterable[Notification]) -> list[Notification]:
    """``notes`` as a list, each given the units its title and text name (``Notification.units``),
    looked up once for all of them: a page of notifications renders in a constant number of queries."""
    notes = list(notes)
    units = units_of([arguments for note in notes for arguments in (note.title_args, note.body_args)])
    for note in notes:
        note.units = units
    return notes


def with_links(notes: list[Notification], user: User) -> list[Notification]:
    """``notes`` each given what the inbox links (``Notification.links``: ``{"family": id or None,
    "cases": [ids]}``): the family it is about and the cases its text names (a family's suspension:
    the placed children's cases the recipient supervises), each only if ``user`` sees it now (a case
    transferred since, a family no longer theirs, is named but not linked). Two queries for a page at
    most, none when no row names a family or cases."""
    from access.selectors import cases_visible_to, visible_family_ids

    family_ids = {note.family_id for note in notes if note.family_id}
    case_ids = {pk for note in notes for pk in note.case_ids}
    families = visible_family_ids(user, family_ids)
    cases = set(cases_visible_to(user).filter(pk__in=case_ids).values_list("pk", flat=True)) if case_ids else set()
    for note in notes:
        note.links = {"family": note.family_id if note.family_id in families else None,
                      "cases": [pk for pk in note.case_ids if pk in cases]}
    return notes


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread (every page's header): one hand-written
    statement, a count over the inbox index; the ORM spent more time building the query than the
    database answering it (bench/README.md, record pages)."""
    with connections[router.db_for_read(Notification)].cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {Notification._meta.db_table} WHERE recipient_id = %s AND read_at IS NULL",
                       [user.pk])
        return cursor.fetchone()[0]
