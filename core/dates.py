"""Sane dates: every date a user or a file gives is checked against a fixed range (model validators,
hence API, pages, import and admin) and the database refuses the rest (check constraints built by
``date_range_constraints``). Dates of things that already happened are also not in the future.

The range is wide enough for any person alive or any document in force (1900-01-01 to
2100-12-31) and narrow enough to refuse typos such as 0001-01-01 or 9999-12-31.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def validate_sane_date(value: dt.date | None) -> None:
    """Refuse a date outside EARLIEST_DATE..LATEST_DATE (a typo, not a real date)."""
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("%(date)s is not a plausible date: give one between %(earliest)s and %(latest)s.")
            % {"date": value.isoformat(), "earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
            code="date_out_of_range",
        )


def validate_not_future(value: dt.date | None) -> None:
    """Refuse a date after today (for what has already happened: a birth, an entry into care)."""
    if value is not None and value > timezone.localdate():
        raise ValidationError(
            _("%(date)s is in the future: give a date that has already passed.") % {"date": value.isoformat()},
            code="date_in_future",
        )


def date_range_constraints(prefix: str, fields: list[str]) -> list[models.CheckConstraint]:
    """One check constraint per date column: NULL or within the sane range."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__range": (EARLIEST_DATE, LATEST_DATE)}),
            name=f"{prefix}_{name}_sane",
        )
        for name in fields
    ]
