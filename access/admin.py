"""Read-only admin pages for grants and shares: they change only through access.services, which
keep the share record and the guardian grant in step."""

from typing import Any

from django.contrib import admin

from access.models import (
    CaseGroupObjectPermission,
    CaseShare,
    CaseUserObjectPermission,
    ChildGroupObjectPermission,
    ChildUserObjectPermission,
    FamilyGroupObjectPermission,
    FamilyUserObjectPermission,
)


def _uses(entry: Any, names: frozenset[str]) -> bool:
    """Whether an admin option entry (a field name, a lookup like ``"=iin"`` or
    ``"child__health_notes"``, or a (field, filter) pair) reaches one of ``names``."""
    if isinstance(entry, list | tuple):
        entry = entry[0] if entry else ""
    if not isinstance(entry, str):
        return False
    return bool(set(entry.lstrip("=^@").split("__")) & names)


class HidesSensitiveFields:
    """For a ModelAdmin: the model's ``SENSITIVE_FIELDS`` (or ``hidden_fields``) never appear in the
    admin: not in the change form, the read-only fields, the list, the list filters nor the search
    (docs/permissions.md: administrators correct data but never see sensitive fields). The values
    stay as they are when the administrator saves the form, since the form does not carry them."""

    hidden_fields: tuple[str, ...] | None = None

    def _hidden(self) -> frozenset[str]:
        names = self.hidden_fields if self.hidden_fields is not None else getattr(self.model, "SENSITIVE_FIELDS", ())
        return frozenset(names)

    def get_exclude(self, request: Any, obj: Any = None) -> list[str]:
        return [*(super().get_exclude(request, obj) or ()), *self._hidden()]

    def get_fields(self, request: Any, obj: Any = None) -> list[str]:
        return [f for f in super().get_fields(request, obj) if f not in self._hidden()]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        return [f for f in super().get_readonly_fields(request, obj) if f not in self._hidden()]

    def get_list_display(self, request: Any) -> list[Any]:
        return [f for f in super().get_list_display(request) if not _uses(f, self._hidden())]

    def get_list_filter(self, request: Any) -> list[Any]:
        return [f for f in super().get_list_filter(request) if not _uses(f, self._hidden())]

    def get_search_fields(self, request: Any) -> list[str]:
        return [f for f in super().get_search_fields(request) if not _uses(f, self._hidden())]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(CaseShare)
class CaseShareAdmin(ReadOnlyAdmin):
    list_display = ("case", "user", "include_sensitive", "granted_by", "granted_at", "expires_at", "revoked_at")
    list_filter = ("include_sensitive",)
    list_select_related = ("user", "granted_by")
    raw_id_fields = ("case", "user", "granted_by", "revoked_by")
    search_fields = ("user__username",)


@admin.register(CaseUserObjectPermission, ChildUserObjectPermission, FamilyUserObjectPermission)
class UserGrantAdmin(ReadOnlyAdmin):
    list_display = ("content_object", "user", "permission", "granted_at", "expires_at")
    list_select_related = ("user", "permission")
    raw_id_fields = ("content_object", "user")


@admin.register(CaseGroupObjectPermission, ChildGroupObjectPermission, FamilyGroupObjectPermission)
class GroupGrantAdmin(ReadOnlyAdmin):
    list_display = ("content_object", "group", "permission", "granted_at", "expires_at")
    list_select_related = ("group", "permission")
    raw_id_fields = ("content_object", "group")
