"""Documents in the admin: read-only. Uploads go through the API so that the size and content checks
apply, and no admin page links to the file (downloads are permission-checked and logged)."""

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


@admin.register(DocumentDownload)
class DocumentDownloadAdmin(ReadOnlyAdmin):
    list_display = ("downloaded_at", "user", "document_id", "ip_address")
    list_select_related = ("user",)
    raw_id_fields = ("document", "user")
    show_full_result_count = False
