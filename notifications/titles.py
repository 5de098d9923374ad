"""A notification's title and text in the reader's language: the untranslated text the writer
stored (``Notification.title_key``, ``body_key``) translated now, with its arguments written as the
pages write them — dates as SHORT_DATE_FORMAT (15.01.2027), a moment (an ISO date-time) in local
time as SHORT_DATETIME_FORMAT, a stage and a certificate by their translated names, a unit stored as
``{"unit": id}`` by its name in the reader's language."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from cases.models import Stage

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$")
# The family papers a certificate reminder names (notifications.services._certificate_expiring).
PAPERS = {
    "home_study": gettext_lazy("the home study"),
    "training": gettext_lazy("the training certificate"),
    "approval": gettext_lazy("the approval"),
}


def _unit_name(pk: object) -> str:
    from accounts.models import OrganisationalUnit

    unit = OrganisationalUnit.objects.select_related("parent").filter(pk=pk).first()
    return str(unit) if unit is not None else ""


def _argument(value: object) -> object:
    if isinstance(value, dict) and set(value) == {"unit"}:
        return _unit_name(value["unit"])
    if isinstance(value, str):
        if _DATE.match(value):
            return date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
        if _MOMENT.match(value):
            return date_format(timezone.localtime(dt.datetime.fromisoformat(value)), "SHORT_DATETIME_FORMAT")
        if value in Stage.values:
            return Stage(value).label
        if value in PAPERS:
            return PAPERS[value]
    return value


def render(key: str, args: list | dict | None) -> str:
    """``key`` translated into the active language with ``args`` (a list for %s, a dict for
    %(name)s) in the reader's format; "" when there is no key or the arguments do not fit it."""
    if not key:
        return ""
    try:
        if isinstance(args, dict):
            return gettext(key) % {name: _argument(value) for name, value in args.items()}
        return gettext(key) % tuple(_argument(value) for value in args or ())
    except (TypeError, ValueError, KeyError):
        return ""
