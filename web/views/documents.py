"""Document pages: the documents of a child, family or case (listed on that record's page), uploading
one with its type and expiry, and downloading it. The same services and checks as the API: the
file's size and type by content, visibility of the record, the download's log rows."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case
from children.models import Child
from core.dates import date_text
from core.exceptions import DomainError
from core.filenames import clean_file_name
from documents import services
from documents.selectors import document_for, documents_of_record, may_add_document, record_visible_to
from families.models import Family
from web.forms import DocumentForm, add_domain_error, add_validation_error
from web.templatetags.web_tags import choice_label, person
from web.views.common import posted, posted_files, roles_required

DOCUMENT_ROLES = ("social_worker", "supervisor")
RECORDS = {"child": (Child, "web:child"), "family": (Family, "web:family"), "case": (Case, "web:case")}


def document_rows_html(documents: list) -> str:
    """The rows of a record page's documents table (<tr> elements), written in one pass (a template
    loop with its filters per row cost more than the query): type, title and number, date, expiry
    (with "expired"), who uploaded it and when, size, the download link."""
    if not documents:
        return format_html('<tr><td colspan="7" class="muted">{}</td></tr>', _("No documents yet."))
    today, expired, download = timezone.localdate(), _("expired"), _("Download")
    # One reverse() for the rows: each download address is this one with another number.
    head, _sentinel, tail = reverse("web:document-download", args=[0]).rpartition("/0/")
    rows = []
    for d in documents:
        late = d.expires_on is not None and d.expires_on < today
        rows.append(format_html(
            '<tr class="{}"><td>{}</td><td>{}{}</td><td>{}</td><td>{}{}</td><td class="small">{}, {}</td>'
            '<td class="num">{}</td><td><a class="button secondary" href="{}">{}</a></td></tr>\n',
            "overdue" if late else "", choice_label(d, "doc_type"), d.title or d.original_name,
            format_html(" · №&nbsp;{}", d.number) if d.number else "", date_text(d.document_date, "SHORT_DATE_FORMAT"),
            date_text(d.expires_on, "SHORT_DATE_FORMAT") if d.expires_on else "—",
            format_html(' <span class="badge overdue">{}</span>', expired) if late else "",
            person(d.uploaded_by), date_text(timezone.localtime(d.uploaded_at), "SHORT_DATE_FORMAT"),
            filesizeformat(d.size), f"{head}/{d.pk}/{tail}", download))
    return mark_safe("".join(rows))


def documents_context(user: User, kind: str, pk: int, *, sensitive: bool | None = None, may_add: bool | None = None) -> dict:
    """The documents part of a record's page, whose record the page has shown as visible: its
    documents (and their rows, document_rows_html) and whether the user may add one. ``sensitive``
    (view_sensitive on the case or child) and ``may_add`` (may_add_document's answer), when the
    page knows them already, save their queries (documents.selectors.documents_of_record)."""
    key = {f"{kind}_id": pk}
    documents = list(documents_of_record(user, **key, visible=True, sensitive=sensitive).order_by("-document_date", "-id"))
    return {
        "documents": documents,
        "document_rows": document_rows_html(documents),
        # Whether the page offers the upload: its form opens on demand from the upload page (htmx).
        "document_form": may_add_document(user, **key) if may_add is None else may_add,
        "document_upload_url": reverse(f"web:{kind}-document-upload", args=[pk]),
    }


@roles_required(*DOCUMENT_ROLES)
def upload(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in RECORDS:
        raise Http404
    model, page = RECORDS[kind]
    key = {f"{kind}_id": pk}
    if not record_visible_to(request.user, **key):
        raise Http404
    if not may_add_document(request.user, **key):
        raise PermissionDenied
    record = model.objects.get(pk=pk)
    form = DocumentForm(posted(request), posted_files(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.upload_document(actor=request.user, **{kind: record}, **data)
            except DomainError as error:
                add_domain_error(form, error)
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                messages.success(request, _("The document is attached."))
                return redirect(reverse(page, args=[pk]) + "#documents")
        status = 400
    # htmx asks only the form, for the record page's "Upload a document" when it opens.
    template = "web/documents/_upload_form.html" if request.headers.get("HX-Request") and status == 200 else "web/documents/upload.html"
    return render(request, template, {"form": form, "kind": kind, "record": record,
                                                         "back": reverse(page, args=[pk])}, status=status)


# A file over the documents' limit is refused from its Content-Length, before it is read (config.middleware).
upload.request_body_limit_setting = "DOCUMENTS_MAX_UPLOAD_BYTES"  # type: ignore[attr-defined]


@roles_required(*DOCUMENT_ROLES)
def download(request: HttpRequest, pk: int) -> FileResponse:
    document = document_for(request.user, pk)  # None unless its record is visible (and its type to this user)
    if document is None:
        raise Http404
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("The file of this document is missing from the storage.")) from None
    services.record_download(document=document, user=request.user, request=request)
    response = FileResponse(handle, as_attachment=True, filename=clean_file_name(document.original_name),
                            content_type=document.content_type)
    response["Cache-Control"] = "private, no-store"
    return response
