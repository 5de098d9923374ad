"""Reads of children and children's homes, already filtered for the user and joined for display."""

from django.db.models import QuerySet
from django.utils.translation import gettext, pgettext

from access.selectors import children_visible_to
from accounts.models import User
from children.models import Child, ChildrensHome
from core.history import history_entries
from core.names import search_condition


def child_list(*, user: User) -> QuerySet[Child]:
    return children_visible_to(user).select_related("region", "current_home", "sibling_group")


def home_list() -> QuerySet[ChildrensHome]:
    return ChildrensHome.objects.select_related("region")


def child_history(child: Child, *, sensitive: bool) -> list[dict]:
    """Every saved version of the child's record, newest first (``core.history.history_entries``);
    the sensitive fields are left out unless ``sensitive``. Three queries whatever the number of
    versions (the versions, and the names of the homes and regions they mention).

    The sibling group, a number no page shows, is written as the page's section calls it: 'Brothers
    and sisters: — → recorded' (no query; the brothers and sisters themselves are listed, as the
    reader may see them, in that section, not in the history)."""
    from regions.models import Region

    versions = child.history.select_related("history_user").order_by("history_date", "history_id")
    hidden = set() if sensitive else set(Child.SENSITIVE_FIELDS)
    fields = [f for f in Child._meta.fields if f.name not in {"id", "created_at", "updated_at", "search_text", *hidden}]

    def names(seen: dict[str, set]) -> dict:
        out = {}
        for name, model in (("current_home", ChildrensHome), ("region", Region)):
            if seen.get(name):
                out.update({(name, k): v.name for k, v in model.objects.in_bulk(seen[name]).items()})
        recorded = pgettext("a child's sibling group in its history", "recorded")
        out.update({("sibling_group", k): recorded for k in seen.get("sibling_group", ())})
        return out

    entries = history_entries(versions, fields=fields, names=names)
    siblings = gettext("Brothers and sisters")
    for entry in entries:
        for change in entry["changes"]:
            if change["field"] == "sibling_group":
                change["label"] = siblings
    return entries


def search_children(rows: QuerySet, q: str, *, path: str = "", number_field: str | None = "pk",
                    matches_first: bool = False) -> QuerySet:
    """``rows`` (children, or records with a foreign key ``path`` to the child, e.g. ``"child"`` for
    cases) narrowed to what a worker typed: every word must match. A word of letters matches part of
    the child's name in any case and script — Cyrillic, Kazakh or a Latin spelling — by the
    normalised form the duplicate check compares (core.names), in PostgreSQL on the indexed
    ``search_text`` column. A word of digits matches part of the IIN, or is the record's number
    (``number_field`` of ``rows``: the child's or the case's; None for none). ``matches_first``:
    see core.names.search_condition (pass ``search_matches_first(user)``).

    Only the name and the IIN are searched: fields a user may not view (the sensitive ones) never
    decide a match, and the caller passes ``rows`` already limited to what the user sees."""
    if not path and not matches_first:
        return rows.filter(search_condition(q, number_field=number_field))
    return rows.filter(search_condition(q, path=path or "pk", number_field=number_field, search_model=Child,
                                        matches_first=matches_first))


def search_matches_first(user: User) -> bool:
    """Whether this user's lists are large (a supervisor's region, an administrator's country): then
    a search looks the matching records up first (core.names.search_condition)."""
    return not user.is_social_worker

