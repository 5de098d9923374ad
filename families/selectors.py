"""Reads of prospective families, filtered for the user and joined for display."""

from django.db.models import Prefetch, QuerySet

from access.selectors import families_visible_to
from accounts.models import User
from families.models import Applicant, Family


def family_list(*, user: User) -> QuerySet[Family]:
    return families_visible_to(user).select_related("region", "responsible_unit").prefetch_related(
        Prefetch("applicants", queryset=Applicant.objects.order_by("position"))
    )
