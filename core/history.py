"""Change history of person records (django-simple-history): writing it with who and why for every
way of writing a record, and reading a record's versions as a list of changes a page can show.

Writing (issue 15: a write that leaves no history is a fault).

Ordinary saves and deletes are recorded by django-simple-history's signals (the models are
registered in ``audit.models``); its user comes from the instance (``_history_user``), this
context or the request, and its reason from the instance (``_change_reason``), this context or,
inside a request, the request's path. ``bulk_create`` and ``update()`` send no signals: bulk writes
use simple-history's ``bulk_create_with_history`` / ``bulk_update_with_history`` with this
context's user and reason, and set-based SQL writes its history rows in the same statement with
``history_rows_sql``. This module sits in ``core`` so that every app may use it; it reads a
model's history table through ``model.history`` at call time.
"""

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext

# simple-history's column (CharField(max_length=100)).
REASON_MAX_LENGTH = 100


@dataclass(frozen=True)
class ChangeContext:
    user_id: int | None
    reason: str


_current: contextvars.ContextVar[ChangeContext | None] = contextvars.ContextVar("history_change", default=None)


@contextlib.contextmanager
def recorded_as(user: Any, reason: str) -> Iterator[ChangeContext]:
    """Inside the block, every history row written without its own user or reason gets ``user``
    (a User, an id or None for the system) and ``reason`` (cut to 100 characters)."""
    user_id = getattr(user, "pk", user)
    token = _current.set(ChangeContext(user_id=user_id, reason=str(reason)[:REASON_MAX_LENGTH]))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def current_change() -> ChangeContext | None:
    return _current.get()


def _request() -> Any:
    """The request simple-history's middleware is serving, if any."""
    from simple_history.models import HistoricalRecords

    return getattr(HistoricalRecords.context, "request", None)


def history_kwargs(*, user: Any = None, reason: str = "") -> dict[str, Any]:
    """Arguments for simple-history's bulk helpers: the given user and reason, else the context's,
    else the current request's user and its method and path."""
    context = _current.get()
    request = _request()
    user_id = getattr(user, "pk", user)
    if user_id is None and context is not None:
        user_id = context.user_id
    if user_id is None and request is not None and getattr(request.user, "is_authenticated", False):
        user_id = request.user.pk
    reason = reason or (context.reason if context is not None else "")
    if not reason and request is not None:
        reason = f"{request.method} {request.path}"
    kwargs: dict[str, Any] = {"default_change_reason": str(reason)[:REASON_MAX_LENGTH]}
    if user_id is not None:
        from django.contrib.auth import get_user_model

        kwargs["default_user"] = get_user_model()(pk=user_id)
    return kwargs


def history_rows_sql(model: type[models.Model], *, source: str, history_type: str) -> str:
    """``INSERT INTO <history table> ... SELECT ... FROM <source>``: one history row per row of
    ``source`` (a CTE holding the model's columns, e.g. ``DELETE ... RETURNING *``), of type
    ``history_type`` ("+", "~" or "-"), with the parameters ``%(history_user)s`` and
    ``%(history_reason)s`` (see ``history_params``)."""
    history = model.history.model
    columns = [f.column for f in model._meta.concrete_fields]
    own = ", ".join(columns)
    picked = ", ".join(f"s.{c}" for c in columns)
    return (
        f"INSERT INTO {history._meta.db_table} ({own}, history_date, history_change_reason, history_type, history_user_id) "
        f"SELECT {picked}, now(), %(history_reason)s, '{history_type}', %(history_user)s FROM {source} s"
    )


def history_params(*, user: Any = None, reason: str = "") -> dict[str, Any]:
    """The parameters of ``history_rows_sql``: the given user and reason, else the context's."""
    kwargs = history_kwargs(user=user, reason=reason)
    default_user = kwargs.get("default_user")
    return {"history_user": default_user.pk if default_user is not None else None,
            "history_reason": kwargs["default_change_reason"]}


# Columns that change with every save or are derived from others: not a change of the record.
_BOOKKEEPING = frozenset({"created_at", "updated_at", "search_text"})


def recorded_values(instance: models.Model) -> dict[str, Any]:
    """The values a history row of ``instance`` would keep that say something (its concrete fields
    by attname, the timestamps and derived search text left out): a service compares them before and
    after applying a change and saves only when they differ, so that a save of the same values writes
    no history row with nothing in it (a record's edit form sent back unchanged, an applicant whose
    family's record was edited)."""
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields if f.attname not in _BOOKKEEPING}


# ---- reading -----------------------------------------------------------------------------------


def history_entries(
    versions: Iterable, *, fields: list[models.Field], names: Callable[[dict[str, set]], dict] | None = None,
) -> list[dict]:
    """``versions`` oldest first → entries newest first: ``{"at", "user", "reason", "created",
    "earliest", "removed", "changes": [{"field", "label", "old", "new"}]}``. ``created``: the version
    that registered the record; ``earliest``: the oldest version kept, which for a record loaded without
    history (a COPY, as the demo's seed) is its first change, whose previous values are unknown: its
    ``changes`` are then the values it holds (``old`` None), shown as recorded, not as a change;
    ``removed``: the record's deletion (an applicant who is no longer one). A version that changed none
    of ``fields`` (a save of the same values, or a change only to fields the reader may not see) is no
    entry: there is nothing to show. ``names`` receives the foreign-key values seen per field name and
    returns ``{(field name, value): text}`` for them (one query per model)."""
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
        history_type = getattr(version, "history_type", "+")
        if (previous is None and (changes or history_type == "+")) or changes or history_type == "-":
            entries.append({"at": version.history_date, "user": version.history_user,
                            "reason": version.history_change_reason or "", "changes": changes, "earliest": previous is None,
                            "created": previous is None and history_type == "+", "removed": history_type == "-"})
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
    if isinstance(value, dt.datetime):
        # A moment (the approval's request) on the day it was where the reader works: stored in UTC,
        # its UTC day is the day before from 19:00 UTC in Almaty (UTC+5).
        return formats.date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "DATE_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    return value
