"""Emergency accesses in the admin: read-only, for review."""

from django.contrib import admin

from access.admin import ReadOnlyAdmin
from emergency.models import EmergencyAccess


@admin.register(EmergencyAccess)
class EmergencyAccessAdmin(ReadOnlyAdmin):
    list_display = ("opened_at", "user", "case", "expires_at")
    list_select_related = ("user", "case")
    search_fields = ("reason", "user__username")
    raw_id_fields = ("case", "user")
    date_hierarchy = "opened_at"
