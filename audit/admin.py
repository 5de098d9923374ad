"""The audit trail in the admin: readable, never editable (not even by a superuser)."""

from typing import Any

from django.contrib import admin

from access.admin import HidesSensitiveFields, ReadOnlyAdmin
from audit.models import AccessLog
from cases.models import Case, Placement
from children.models import Child
from families.models import Applicant, Family
from visits.models import Visit


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("viewed_at", "user", "kind", "case_id", "child_id", "saw_sensitive")
    list_filter = ("kind", "saw_sensitive")
    list_select_related = ("user",)
    raw_id_fields = ("user", "case", "child")
    date_hierarchy = "viewed_at"
    show_full_result_count = False  # the log grows large; counting it all is slow


class HistoryAdmin(HidesSensitiveFields, ReadOnlyAdmin):
    """The saved versions of a person record, without the record's sensitive fields."""

    list_display = ("history_date", "history_type", "history_user", "id")
    list_filter = ("history_type",)
    list_select_related = ("history_user",)
    search_fields = ("=id",)
    show_full_result_count = False

    def _hidden(self) -> frozenset[str]:
        return frozenset(getattr(self.model.instance_type, "SENSITIVE_FIELDS", ()))

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields if field.name not in self._hidden()]


for _model in (Child, Family, Applicant, Case, Placement, Visit):
    admin.site.register(_model.history.model, HistoryAdmin)
