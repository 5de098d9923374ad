"""Serializer fields shared by the API's input serializers."""

import datetime as dt

from rest_framework import serializers


class DateTimeField(serializers.DateTimeField):
    """DRF's date-time, refusing with "out of range" a value that exists in the current time zone
    but not in UTC ("0001-01-01" in Almaty is in year 0 in UTC): PostgreSQL stores UTC, and the
    conversion (DRF's own check of a naive value included) used to overflow into a 500."""

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        try:
            value = super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")
        if value.tzinfo is not None:
            try:
                value.astimezone(dt.UTC)
            except (OverflowError, ValueError):
                self.fail("overflow")
        return value
