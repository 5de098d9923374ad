"""A notification's title and text in the reader's language: the untranslated text the writer
stored (``Notification.title_key``, ``body_key``) translated now, with its arguments written as the
pages write them — dates as SHORT_DATE_FORMAT (15.01.2027), a moment (an ISO date-time) in local
time as SHORT_DATETIME_FORMAT, a stage and a certificate by their translated names, a unit stored as
``{"unit": id}`` by its name in the reader's language, a change in a family stored as ``{"change": code}``
(an applicant's leaving or a failed carer check) by its translated name, cases stored as
``{"cases": [ids]}`` as "№ 5, № 7".

A list of notifications looks its units up once for the page (``units_of``: one query), never once
per row; a row rendered on its own looks its unit up by itself."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from cases.models import Stage
from families.models import ApplicantLeaving, CarerCheckFailure

if TYPE_CHECKING:
    from accounts.models import OrganisationalUnit

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$")
# The family papers a certificate reminder names (notifications.services._certificate_expiring).
PAPERS = {
    "home_study": gettext_lazy("the home study"),
    "training": gettext_lazy("the training certificate"),
    "approval": gettext_lazy("the approval"),
}


def _unit_ids(args: list | dict | None) -> set[int]:
    values = args.values() if isinstance(args, dict) else args or ()
    return {value["unit"] for value in values if isinstance(value, dict) and set(value) == {"unit"} and isinstance(value["unit"], int)}


def units_of(arguments: Iterable[list | dict | None]) -> dict[int, OrganisationalUnit]:
    """The units named by these stored arguments, by id, with their parents: one query (none when no
    argument names a unit)."""
    from accounts.models import OrganisationalUnit

    ids = set().union(*(_unit_ids(args) for args in arguments))
    return OrganisationalUnit.objects.select_related("parent").in_bulk(ids) if ids else {}


def _unit_name(pk: object, units: Mapping[int, OrganisationalUnit] | None) -> str:
    if units is None:
        units = units_of([[{"unit": pk}]]) if isinstance(pk, int) else {}
    unit = units.get(pk)  # type: ignore[call-overload]
    return str(unit) if unit is not None else ""


def case_ids(args: list | dict | None) -> list[int]:
    """The case ids of a ``{"cases": [ids]}`` argument (the first), in order; [] for none."""
    values = args.values() if isinstance(args, dict) else args or ()
    for value in values:
        if isinstance(value, dict) and set(value) == {"cases"} and isinstance(value["cases"], list):
            return [pk for pk in value["cases"] if isinstance(pk, int)]
    return []


def _change_name(code: object) -> str:
    labels = {**dict(ApplicantLeaving.choices), **dict(CarerCheckFailure.choices)}
    return str(labels.get(code, code))


def _argument(value: object, units: Mapping[int, OrganisationalUnit] | None) -> object:
    if isinstance(value, dict) and set(value) == {"unit"}:
        return _unit_name(value["unit"], units)
    if isinstance(value, dict) and set(value) == {"change"}:
        return _change_name(value["change"])
    if isinstance(value, dict) and set(value) == {"cases"}:
        return ", ".join(f"№\u00a0{pk}" for pk in case_ids([value]))  # never "№" and its number apart
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


def render(key: str, args: list | dict | None, units: Mapping[int, OrganisationalUnit] | None = None) -> str:
    """``key`` translated into the active language with ``args`` (a list for %s, a dict for
    %(name)s) in the reader's format; "" when there is no key or the arguments do not fit it.
    ``units``: the units the arguments name (``units_of``), when a list has looked them up."""
    if not key:
        return ""
    try:
        if isinstance(args, dict):
            return gettext(key) % {name: _argument(value, units) for name, value in args.items()}
        return gettext(key) % tuple(_argument(value, units) for value in args or ())
    except (TypeError, ValueError, KeyError):
        return ""
