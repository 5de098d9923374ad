"""A notification's title in the reader's language: the untranslated text the sweep stored
(``Notification.title_key``) translated now, with its arguments written as the pages write them —
dates as SHORT_DATE_FORMAT (15.01.2027), a stage and a certificate by their translated names."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from cases.models import Stage

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The family papers a certificate reminder names (notifications.services._certificate_expiring).
PAPERS = {
    "home_study": gettext_lazy("the home study"),
    "training": gettext_lazy("the training certificate"),
    "approval": gettext_lazy("the approval"),
}


def _argument(value: object) -> object:
    if isinstance(value, str):
        if _DATE.match(value):
            return date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
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
