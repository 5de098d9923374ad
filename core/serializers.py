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


class ModelSerializer(serializers.ModelSerializer):
    """The API's model serializer. A read-only choice field whose model field may be blank (a
    placement's end reason before it ends) keeps ``allow_blank``, which DRF drops for read-only
    fields: the schema's enum then carries "" as the answers do (schemathesis' response check)."""

    def include_extra_kwargs(self, kwargs: dict, extra_kwargs: dict) -> dict:
        blank = bool(kwargs.get("allow_blank")) and "choices" in kwargs
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if blank:
            kwargs["allow_blank"] = True
        return kwargs
