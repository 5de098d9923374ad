"""Reads of follow-up visits, filtered in the database to the placements the user may see."""

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from access.selectors import placements_visible_to, sensitive_case_ids
from accounts.models import User
from visits.models import Visit

# A planned visit not done is overdue only until a later visit of the same placement is done: then
# it is missed (it stays in the record, and the risk score counts it as a missed visit), and no
# longer the next visit nor work overdue. "Later" is by planned date; the carer's annual report is
# a document, so a report is superseded only by a later report and a visit only by a later visit.
# The same rule in SQL for the raw statements (``v`` a visits_visit row); see docs/visits-risk-reminders.md.
SUPERSEDED_SQL = """EXISTS (SELECT 1 FROM visits_visit s WHERE s.placement_id = {v}.placement_id
    AND s.planned_on > {v}.planned_on AND s.done_on IS NOT NULL
    AND (s.kind = 'annual_report') = ({v}.kind = 'annual_report'))"""


def superseded() -> Q:
    """A condition on Visit rows: a later visit of the same placement (by planned date; reports by
    reports, visits by visits) is done. True of a pending visit that is missed rather than overdue
    (and of a done visit followed by another: callers combine it with ``done_on__isnull=True``).
    Two correlated index probes on (placement, planned_on) per row."""
    report = Visit.Kind.ANNUAL_REPORT
    later_done = Visit.objects.filter(placement=OuterRef("placement"), planned_on__gt=OuterRef("planned_on"),
                                      done_on__isnull=False)
    return (Q(kind=report) & Exists(later_done.filter(kind=report))) | (~Q(kind=report) & Exists(later_done.exclude(kind=report)))


def still_to_do() -> Q:
    """Visits not done and not superseded (see ``superseded``): the ones a worker still has to make."""
    return Q(done_on__isnull=True) & ~superseded()


def mark_superseded(visits: list[Visit]) -> None:
    """Sets ``superseded`` on each of ``visits`` (all the visits of their placements, as loaded for a
    case page) by the rule of ``superseded``, in Python: no query."""
    latest: dict[tuple[int, bool], object] = {}
    for v in visits:
        if v.done_on is not None:
            key = (v.placement_id, v.kind == Visit.Kind.ANNUAL_REPORT)
            latest[key] = max(latest.get(key, v.planned_on), v.planned_on)
    for v in visits:
        last = latest.get((v.placement_id, v.kind == Visit.Kind.ANNUAL_REPORT))
        v.superseded = v.done_on is None and last is not None and last > v.planned_on


def visits_visible_to(user: User) -> QuerySet[Visit]:
    """The visits of the placements the user may see (none for an analyst)."""
    return Visit.objects.filter(placement__in=placements_visible_to(user).values("pk").order_by())


def visit_list(*, user: User) -> QuerySet[Visit]:
    """The visible visits, each with ``superseded`` (see ``superseded``) for Visit.is_overdue."""
    return visits_visible_to(user).select_related("placement", "worker").annotate(
        superseded=ExpressionWrapper(Q(done_on__isnull=True) & superseded(), output_field=BooleanField()))


def visits_with_sensitive_access(*, user: User, visits: list[Visit]) -> set[int]:
    """Ids of the visits whose concerns the user may read (view_sensitive on the case): one query a page."""
    allowed_cases = sensitive_case_ids(user, {v.placement.case_id for v in visits})
    return {v.pk for v in visits if v.placement.case_id in allowed_cases}
