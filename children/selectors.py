"""Reads of children and children's homes, already filtered for the user and joined for display."""

from django.db.models import QuerySet

from access.selectors import children_visible_to
from accounts.models import User
from children.models import Child, ChildrensHome
from core.history import history_entries


def child_list(*, user: User) -> QuerySet[Child]:
    return children_visible_to(user).select_related("region", "current_home", "sibling_group")


def home_list() -> QuerySet[ChildrensHome]:
    return ChildrensHome.objects.select_related("region")


def child_history(child: Child, *, sensitive: bool) -> list[dict]:
    """Every saved version of the child's record, newest first (``core.history.history_entries``);
    the sensitive fields are left out unless ``sensitive``. Three queries whatever the number of
    versions (the versions, and the names of the homes and regions they mention)."""
    from regions.models import Region

    versions = child.history.select_related("history_user").order_by("history_date", "history_id")
    hidden = set() if sensitive else set(Child.SENSITIVE_FIELDS)
    fields = [f for f in Child._meta.fields if f.name not in {"id", "created_at", "updated_at", *hidden}]

    def names(seen: dict[str, set]) -> dict:
        out = {}
        for name, model in (("current_home", ChildrensHome), ("region", Region)):
            if seen.get(name):
                out.update({(name, k): v.name for k, v in model.objects.in_bulk(seen[name]).items()})
        return out

    return history_entries(versions, fields=fields, names=names)
