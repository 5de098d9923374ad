"""Reads of children and children's homes, already filtered for the user and joined for display."""

from django.db.models import QuerySet

from access.selectors import children_visible_to
from accounts.models import User
from children.models import Child, ChildrensHome


def child_list(*, user: User) -> QuerySet[Child]:
    return children_visible_to(user).select_related("region", "current_home", "sibling_group")


def home_list() -> QuerySet[ChildrensHome]:
    return ChildrensHome.objects.select_related("region")
