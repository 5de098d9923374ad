"""Filter fields shared by the API's filter sets."""

import datetime as dt

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, given back in UTC. Python accepts UTC offsets up to ±23:59 and years
    1–9999; PostgreSQL refuses offsets past ±15:59 and a year-1 local time can fall before year 1 in
    UTC. Converting here makes such input a field error instead of a database error (a 500)."""

    default_error_messages = {"overflow": _("This date and time is out of range.")}

    def to_python(self, value: object) -> dt.datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError(self.error_messages["overflow"], code="overflow") from None


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField
