"""Reads of children and children's homes, already filtered for the user and joined for display."""

import datetime as dt

from django.db.models import QuerySet
from django.utils import formats
from django.utils.translation import gettext

from access.selectors import children_visible_to
from accounts.models import User
from children.models import Child, ChildrensHome


def child_list(*, user: User) -> QuerySet[Child]:
    return children_visible_to(user).select_related("region", "current_home", "sibling_group")


def home_list() -> QuerySet[ChildrensHome]:
    return ChildrensHome.objects.select_related("region")


def child_history(child: Child, *, sensitive: bool) -> list[dict]:
    """Every saved version of the child's record, newest first, as ``{"at", "user", "reason",
    "created", "changes": [{"field", "label", "old", "new"}]}``; values of the sensitive fields are
    left out unless ``sensitive``. Three queries whatever the number of versions (the versions, and
    the names of the homes and regions they mention)."""
    from regions.models import Region

    versions = list(child.history.select_related("history_user").order_by("history_date", "history_id"))
    hidden = set() if sensitive else set(Child.SENSITIVE_FIELDS)
    compared = [f for f in Child._meta.fields if f.name not in {"id", "created_at", "updated_at"} | hidden]
    entries, homes, regions = [], set(), set()
    previous = None
    for version in versions:
        changes = []
        for field in compared:
            new = getattr(version, field.attname)
            old = getattr(previous, field.attname) if previous is not None else None
            if previous is not None and old == new:
                continue
            if previous is None and new in (None, "", False):
                continue
            changes.append({"field": field.name, "label": field.verbose_name, "old": old, "new": new, "f": field})
            if field.name == "current_home":
                homes.update(v for v in (old, new) if v)
            if field.name == "region":
                regions.update(v for v in (old, new) if v)
        if previous is None or changes:
            entries.append({"at": version.history_date, "user": version.history_user, "reason": version.history_change_reason or "",
                            "created": previous is None, "changes": changes})
        previous = version
    names = {("current_home", k): v.name for k, v in ChildrensHome.objects.in_bulk(homes).items()} if homes else {}
    names.update({("region", k): v.name for k, v in Region.objects.in_bulk(regions).items()} if regions else {})
    for entry in entries:
        for change in entry["changes"]:
            field = change.pop("f")
            for side in ("old", "new"):
                change[side] = _display(field, change[side], names)
    return entries[::-1]


def _display(field, value, names: dict) -> object:
    if value in (None, ""):
        return "—"
    if (field.name, value) in names:
        return names[(field.name, value)]
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    return value
