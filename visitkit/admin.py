"""The visit kit's tables in the admin: read only (they are what devices sent), and never the
worker's record itself, which may carry a visit's concerns (a sensitive field)."""

from django.contrib import admin

from access.admin import HidesSensitiveFields, ReadOnlyAdmin
from visitkit.models import DeviceRecord, PreparedVisit


@admin.register(PreparedVisit)
class PreparedVisitAdmin(ReadOnlyAdmin):
    list_display = ("worker", "visit_id", "case", "prepared_at", "expires_at")
    list_select_related = ("worker",)
    raw_id_fields = ("worker", "case")
    search_fields = ("worker__username",)


@admin.register(DeviceRecord)
class DeviceRecordAdmin(HidesSensitiveFields, ReadOnlyAdmin):
    hidden_fields = ("payload",)
    list_display = ("device_id", "worker", "case", "outcome", "conflict_reason", "received_at")
    list_filter = ("outcome", "conflict_reason")
    list_select_related = ("worker",)
    raw_id_fields = ("worker", "unit", "case", "visit")
    search_fields = ("worker__username", "=device_id")
