"""Who may see which record. Every read of personal data starts from one of these querysets, so
permission filtering happens in the database.

First version: scoping by assignment (social worker) and by organisational unit (supervisor).
Sharing through object permissions extends ``cases_visible_to``.
"""

from django.db.models import QuerySet

from accounts.models import User
from cases.models import Case, Placement
from children.models import Child
from families.models import Family


def unit_ids_for(user: User) -> list[int]:
    """The user's unit and every unit below it; looked up once and passed as ids (a subquery in
    an OR costs tens of milliseconds at national scale)."""
    return user.unit.descendant_ids() if user.unit_id else []


def cases_visible_to(user: User) -> QuerySet[Case]:
    if not user.is_authenticated or user.is_analyst:
        return Case.objects.none()
    if user.is_administrator:
        return Case.objects.all()
    if user.is_supervisor:
        return Case.objects.filter(responsible_unit_id__in=unit_ids_for(user))
    return Case.objects.filter(assigned_worker=user)


def children_visible_to(user: User) -> QuerySet[Child]:
    return Child.objects.filter(pk__in=cases_visible_to(user).values("child_id"))


def placements_visible_to(user: User) -> QuerySet[Placement]:
    return Placement.objects.filter(case__in=cases_visible_to(user).values("pk"))


def families_visible_to(user: User) -> QuerySet[Family]:
    if not user.is_authenticated or user.is_analyst:
        return Family.objects.none()
    if user.is_administrator:
        return Family.objects.all()
    return Family.objects.filter(responsible_unit_id__in=unit_ids_for(user))
