"""Reads of the inbox: a user only ever sees their own notifications."""

from collections.abc import Iterable

from django.db import connections, router
from django.db.models import BooleanField, Case, CharField, DateField, F, Func, OuterRef, Q, QuerySet, Subquery, Value, When

from accounts.models import User
from notifications.models import Notification
from notifications.titles import units_of


def inbox_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")


# The reminders about one visit (notifications.services._visits): subject "visit:<placement>:<visit kind>",
# due on its planned date.
VISIT_REMINDER_KINDS = (Notification.Kind.VISIT_DUE, Notification.Kind.VISIT_OVERDUE, Notification.Kind.ESCALATION)


def with_visit_done(notes: QuerySet[Notification]) -> QuerySet[Notification]:
    """``notes`` each annotated ``visit_done_on``: the day the visit a visit reminder or escalation is
    about was recorded since (None if not yet, or for any other notification). A reminder has no
    state of its own but ``read_at``: a recorded visit is what resolves it. A subquery in the same
    statement, on the visit's placement: no query per row."""
    from visits.models import Visit

    visit_kind = Func(OuterRef("subject_key"), Value(":"), Value(3), function="split_part", output_field=CharField())
    done = (Visit.objects.filter(placement_id=OuterRef("placement_id"), planned_on=OuterRef("due_on"), kind=visit_kind,
                                 done_on__isnull=False)
            .order_by("-done_on").values("done_on")[:1])
    is_visit = Q(kind__in=VISIT_REMINDER_KINDS, subject_key__startswith="visit:", placement_id__isnull=False)
    return notes.annotate(visit_done_on=Case(When(is_visit, then=Subquery(done)), default=None,
                                             output_field=DateField()))


def needs_action_first(notes: QuerySet[Notification]) -> QuerySet[Notification]:
    """``notes`` (with ``visit_done_on``) ordered as the inbox lists them: unread and unresolved first,
    then the rest, each newest first."""
    settled = Case(When(Q(read_at__isnull=True) & Q(visit_done_on__isnull=True), then=Value(False)),
                   default=Value(True), output_field=BooleanField())
    return notes.order_by(settled, F("read_at").asc(nulls_first=True), "-created_at", "-id")


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
