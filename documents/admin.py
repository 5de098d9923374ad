"""Documents in the admin: read-only. Uploads go through the API so that the size and content checks
apply, and no admin page links to the file (downloads are permission-checked and logged)."""

from typing import Any

from django.conf import settings
from django.contrib import admin

from access.admin import ReadOnlyAdmin
from documents.models import Document, DocumentDownload


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("id", "doc_type", "document_date", "expires_on", "child_id", "family_id", "case_id", "uploaded_by", "uploaded_at")
    list_filter = ("doc_type",)
    list_select_related = ("uploaded_by",)
    search_fields = ("title", "number", "original_name")
    exclude = ("file",)
    raw_id_fields = ("child", "family", "case", "uploaded_by")
    date_hierarchy = "uploaded_at"

    # A document of a sensitive type (medical reports, DOCUMENTS_SENSITIVE_TYPES) is health data down
    # to its title and file name: the administrator sees that it exists, never what it says.
    SENSITIVE_DETAILS = ("title", "original_name", "number", "sha256")

    def _is_sensitive(self, obj: Any) -> bool:
        return obj is not None and obj.doc_type in settings.DOCUMENTS_SENSITIVE_TYPES

    def get_exclude(self, request: Any, obj: Any = None) -> list[str]:
        hidden = self.SENSITIVE_DETAILS if self._is_sensitive(obj) else ()
        return [*(super().get_exclude(request, obj) or ()), *hidden]

    def get_fields(self, request: Any, obj: Any = None) -> list[str]:
        hidden = self.SENSITIVE_DETAILS if self._is_sensitive(obj) else ()
        return [f for f in super().get_fields(request, obj) if f not in hidden]

    def get_search_results(self, request: Any, queryset: Any, search_term: str) -> tuple[Any, bool]:
        # Searching titles and file names never finds a medical report.
        if search_term:
            queryset = queryset.exclude(doc_type__in=list(settings.DOCUMENTS_SENSITIVE_TYPES))
        return super().get_search_results(request, queryset, search_term)


@admin.register(DocumentDownload)
class DocumentDownloadAdmin(ReadOnlyAdmin):
    list_display = ("downloaded_at", "user", "document_id", "ip_address")
    list_select_related = ("user",)
    raw_id_fields = ("document", "user")
    show_full_result_count = False
