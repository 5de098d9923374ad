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
