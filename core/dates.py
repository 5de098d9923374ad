"""Sane dates: every date a user or a file gives is checked against a fixed range (model validators,
hence API, pages, import and admin) and the database refuses the rest (check constraints built by
``date_range_constraints``). Dates of things that already happened are also not in the future.

The range is wide enough for any person alive or any document in force (1900-01-01 to
2100-12-31) and narrow enough to refuse typos such as 0001-01-01 or 9999-12-31.
"""

import datetime as dt
import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def day_text(value: dt.date | dt.datetime) -> str:
    """A date as the pages write it in the current language (SHORT_DATE_FORMAT, "15.01.2027"), for
    messages a person reads; never for stored text, which must not depend on who wrote it."""
    return date_text(_day(value), "SHORT_DATE_FORMAT")


def date_text(value: dt.date | dt.datetime, format_name: str = "DATE_FORMAT") -> str:
    """``django.utils.formats.date_format(value, format_name)`` in the current language, the same
    text, remembered per (language, format, value): Django builds it again on every call (the
    format looked up, each character dispatched, the month's name translated again), about 25 µs,
    and a record page writes 100-200 dates (bench/bench_record_pages.py). A date-time is written
    in its own time zone, as date_format does (pass a local one: ``timezone.localtime``)."""
    tz = value.tzinfo if isinstance(value, dt.datetime) else None
    return _date_text(translation.get_language(), format_name, type(value), value, tz)


@functools.lru_cache(maxsize=16384)
def _date_text(_language: str | None, format_name: str, _type: type, value: dt.date, _tz: dt.tzinfo | None) -> str:
    # The language, the type and the time zone are part of the key only: two aware date-times of
    # the same instant are equal (one hash) but written each in its own zone.
    return formats.date_format(value, format_name)


@receiver(setting_changed)
def _forget_date_texts(**kwargs: object) -> None:
    """Tests that change the formats or languages (override_settings) start from an empty memory."""
    _date_text.cache_clear()


def local(value: dt.datetime | None) -> dt.datetime | None:
    """An aware date-time as the site's clock shows it (settings.TIME_ZONE, Asia/Almaty), for text
    written from it (an f-string, strftime, a date's day): PostgreSQL hands it back in UTC, whose day
    from 19:00 UTC is the day before Almaty's. A naive value or None as it is."""
    return timezone.localtime(value) if isinstance(value, dt.datetime) and timezone.is_aware(value) else value


def _day(value: dt.date | dt.datetime | None) -> dt.date | None:
    """The calendar day of a date or date-time (a date-time in the site's time zone)."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def validate_sane_date(value: dt.date | dt.datetime | None) -> None:
    """Refuse a date outside EARLIEST_DATE..LATEST_DATE (a typo, not a real date)."""
    value = _day(value)
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("%(date)s is not a plausible date: give one between %(earliest)s and %(latest)s.")
            % {"date": day_text(value), "earliest": day_text(EARLIEST_DATE), "latest": day_text(LATEST_DATE)},
            code="date_out_of_range",
        )


def validate_not_future(value: dt.date | dt.datetime | None) -> None:
    """Refuse a date after today (for what has already happened: a birth, an entry into care)."""
    value = _day(value)
    if value is not None and value > timezone.localdate():
        raise ValidationError(
            _("%(date)s is in the future: give a date that has already passed.") % {"date": day_text(value)},
            code="date_in_future",
        )


def latest_ahead() -> dt.date:
    """The last day an expiry or an end may be set to: settings.DATE_MAX_YEARS_AHEAD from today
    (a home study, a training certificate, an approval, a document, a share)."""
    today = timezone.localdate()
    years = settings.DATE_MAX_YEARS_AHEAD
    try:
        return today.replace(year=today.year + years)
    except ValueError:  # 29 February
        return today.replace(year=today.year + years, day=28)


def validate_not_too_far_ahead(value: dt.date | dt.datetime | None) -> None:
    """Refuse an expiry more than settings.DATE_MAX_YEARS_AHEAD years ahead (a typo such as
    2205 for 2025, or 9999 for "never": leave the field empty instead where it may be)."""
    value = _day(value)
    if value is not None and value > latest_ahead():
        raise ValidationError(
            ngettext("%(date)s is more than %(years)s year ahead: give a date until %(latest)s.",
                     "%(date)s is more than %(years)s years ahead: give a date until %(latest)s.", settings.DATE_MAX_YEARS_AHEAD)
            % {"date": day_text(value), "years": settings.DATE_MAX_YEARS_AHEAD, "latest": day_text(latest_ahead())},
            code="date_too_far_ahead",
        )


# The validators of each kind of date a user gives (model, serializer and form fields alike):
# PAST_DATE for what has already happened (a birth, a visit done, a decision taken, a certificate
# issued, a note written), AHEAD_DATE for an expiry or an end that may lie ahead (not too far).
PAST_DATE = [validate_sane_date, validate_not_future]
AHEAD_DATE = [validate_sane_date, validate_not_too_far_ahead]


def date_range_constraints(prefix: str, fields: list[str]) -> list[models.CheckConstraint]:
    """One check constraint per date column: NULL or within the sane range."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__range": (EARLIEST_DATE, LATEST_DATE)}),
            name=f"{prefix}_{name}_sane",
        )
        for name in fields
    ]
