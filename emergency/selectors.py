"""Reads on emergency accesses: a worker sees their own; a supervisor also those to their unit's cases."""

from django.db.models import Q, QuerySet

from access.selectors import cases_supervised_by
from accounts.models import User
from emergency.models import EmergencyAccess


def emergency_accesses_visible_to(user: User) -> QuerySet[EmergencyAccess]:
    if not user.is_authenticated or user.is_analyst:
        return EmergencyAccess.objects.none()
    accesses = EmergencyAccess.objects.select_related("user", "case")
    if user.is_administrator:
        return accesses
    condition = Q(user=user)
    if user.is_supervisor:
        condition |= Q(case__in=cases_supervised_by(user).values("pk").order_by())
    return accesses.filter(condition)
