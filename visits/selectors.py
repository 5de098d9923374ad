"""Reads of follow-up visits, filtered in the database to the placements the user may see."""

from django.db.models import QuerySet

from access.selectors import placements_visible_to, sensitive_case_ids
from accounts.models import User
from visits.models import Visit


def visits_visible_to(user: User) -> QuerySet[Visit]:
    """The visits of the placements the user may see (none for an analyst)."""
    return Visit.objects.filter(placement__in=placements_visible_to(user).values("pk").order_by())


def visit_list(*, user: User) -> QuerySet[Visit]:
    return visits_visible_to(user).select_related("placement", "worker")


def visits_with_sensitive_access(*, user: User, visits: list[Visit]) -> set[int]:
    """Ids of the visits whose concerns the user may read (view_sensitive on the case): one query a page."""
    allowed_cases = sensitive_case_ids(user, {v.placement.case_id for v in visits})
    return {v.pk for v in visits if v.placement.case_id in allowed_cases}
