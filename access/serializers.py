"""Serializer helpers: hide sensitive fields from users without ``view_sensitive`` on the case.

Usage in a ModelSerializer::

    class ChildSerializer(SensitiveFieldsMixin, ModelSerializer):
        class Meta:
            model = Child
            fields = [...]
            sensitive_fields = Child.SENSITIVE_FIELDS   # default: the model's SENSITIVE_FIELDS
            sensitive_via = "child"                     # "case" (default), "child" or "placement"

``sensitive_via`` says how an instance leads to its case: "case" (the instance is a case, or has
``case_id``), "placement" (it has ``placement.case_id``, e.g. a visit: select_related("placement")),
or "child" (the instance is a child: view_sensitive on any of its cases). For a list, the flags for
the whole page are computed in one query the first time a row is shown, and kept in the context.
Serialized without a request (e.g. in a task), the fields are hidden.
"""

from typing import Any

from rest_framework import serializers

from access.selectors import sensitive_case_ids, sensitive_child_ids


def _key(instance: Any, via: str) -> int | None:
    if via == "child":
        return instance.pk
    if via == "placement":
        placement = getattr(instance, "placement", None)
        return placement.case_id if placement is not None else None
    return getattr(instance, "case_id", None) or instance.pk


def _page_of(node: Any) -> list[Any]:
    """The instances this serializer will show on the current page: the rows of the nearest list
    above it, followed down the field sources when it is nested (e.g. a case list's ``child``)."""
    path: list[str] = []
    while node is not None:
        parent = getattr(node, "parent", None)
        if isinstance(parent, serializers.ListSerializer):
            if parent.instance is None:
                return []
            rows = list(parent.instance)
            for attribute in reversed(path):
                rows = [getattr(row, attribute, None) for row in rows]
            return [row for row in rows if row is not None]
        source = getattr(node, "source", None)
        if parent is not None and source and source != "*":
            path.extend(reversed(source.split(".")))
        node = parent
    return []


class SensitiveFieldsMixin:
    """Drops the Meta.sensitive_fields from the output unless the request user may see them."""

    def _sensitive_settings(self) -> tuple[tuple[str, ...], str]:
        meta = getattr(self, "Meta", None)
        fields = getattr(meta, "sensitive_fields", None)
        if fields is None:
            fields = getattr(getattr(meta, "model", None), "SENSITIVE_FIELDS", ())
        return tuple(fields), getattr(meta, "sensitive_via", "case")

    def _allowed_keys(self, instance: Any, via: str) -> set[int]:
        request = self.context.get("request")
        if request is None or not getattr(request, "user", None) or not request.user.is_authenticated:
            return set()
        cache_key = f"_sensitive_allowed_{type(self).__name__}_{via}"
        cache: dict[int, bool] | None = self.context.get(cache_key)
        key = _key(instance, via)
        if cache is None or key not in cache:
            page = _page_of(self)
            keys = {k for k in (_key(obj, via) for obj in page) if k is not None} | ({key} if key is not None else set())
            lookup = sensitive_child_ids if via == "child" else sensitive_case_ids
            allowed = lookup(request.user, keys)
            cache = {**(cache or {}), **{k: k in allowed for k in keys}}
            self.context[cache_key] = cache
        return {k for k, ok in cache.items() if ok}

    def may_see_sensitive(self, instance: Any) -> bool:
        _fields, via = self._sensitive_settings()
        return _key(instance, via) in self._allowed_keys(instance, via)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        fields, _via = self._sensitive_settings()
        if fields and not self.may_see_sensitive(instance):
            for name in fields:
                data.pop(name, None)
        return data


class VisibleRelatedFieldsMixin:
    """For input serializers: every related field naming a person record (case, child, family,
    placement, visit, user, document, sibling group) accepts only the rows the request's user may
    see (``access.filters.VISIBLE_ROWS``), so naming a foreign record answers exactly as naming one
    that does not exist ("Invalid pk ... object does not exist"). Needs ``context={"request": ...}``;
    without a request (schema generation) such fields accept nothing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from access.filters import VISIBLE_ROWS, visible_rows

        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if field.read_only or queryset is None or queryset.model._meta.label_lower not in VISIBLE_ROWS:
                continue
            field.queryset = visible_rows(queryset.model)(request)
