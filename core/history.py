"""Reading a record's change history (django-simple-history versions) as a list of changes a page
can show: who, when, why, and each field's old and new value in words."""

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import models
from django.utils import formats
from django.utils.translation import gettext


def history_entries(
    versions: Iterable, *, fields: list[models.Field], names: Callable[[dict[str, set]], dict] | None = None,
) -> list[dict]:
    """``versions`` oldest first → entries newest first: ``{"at", "user", "reason", "created",
    "changes": [{"field", "label", "old", "new"}]}``. ``names`` receives the foreign-key values
    seen per field name and returns ``{(field name, value): text}`` for them (one query per model)."""
    entries, seen, previous = [], {}, None
    for version in versions:
        changes = []
        for field in fields:
            new = getattr(version, field.attname)
            old = getattr(previous, field.attname) if previous is not None else None
            if previous is not None and old == new:
                continue
            if previous is None and new in (None, "", False):
                continue
            changes.append({"field": field.name, "label": field.verbose_name, "old": old, "new": new, "f": field})
            if field.is_relation:
                seen.setdefault(field.name, set()).update(v for v in (old, new) if v)
        if previous is None or changes:
            entries.append({"at": version.history_date, "user": version.history_user,
                            "reason": version.history_change_reason or "", "created": previous is None, "changes": changes})
        previous = version
    labels = names(seen) if names and seen else {}
    for entry in entries:
        for change in entry["changes"]:
            field = change.pop("f")
            for side in ("old", "new"):
                change[side] = display_value(field, change[side], labels)
    return entries[::-1]


def display_value(field: models.Field, value: object, labels: dict) -> object:
    """One stored value as the pages write it (choices by label, dates in the language's format)."""
    if value in (None, ""):
        return "—"
    if (field.name, value) in labels:
        return labels[(field.name, value)]
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    return value
