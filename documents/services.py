"""Writes on documents: upload (with the size and content-type checks) and the download record."""

import datetime as dt
import hashlib

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from access.selectors import cases_editable_by
from accounts.models import User
from cases.models import Case
from children.models import Child
from core.exceptions import DomainError, raise_errors
from core.filenames import clean_file_name
from documents.access_log import client_ip, log_record_access
from documents.filetypes import KNOWN_TYPES, detect_file_type
from documents.models import Document, DocumentDownload
from families.models import Family


def max_upload_bytes() -> int:
    return settings.DOCUMENTS_MAX_UPLOAD_BYTES


def allowed_types() -> list[str]:
    return list(settings.DOCUMENTS_ALLOWED_TYPES)


def check_file(file: UploadedFile) -> tuple[str, str]:
    """Refuse an empty, too large or forbidden file; return its (extension, content type) by content."""
    if not file.size:
        raise DomainError(_("The file is empty."), field="file")
    limit = max_upload_bytes()
    if file.size > limit:
        raise DomainError(
            _("The file is %(size).1f MB; the limit is %(limit).1f MB.") % {"size": file.size / 2**20, "limit": limit / 2**20},
            field="file",
        )
    detected = detect_file_type(file)
    if detected is None or detected.key not in allowed_types():
        names = ", ".join(KNOWN_TYPES[key].extension.lstrip(".").upper() for key in allowed_types() if key in KNOWN_TYPES)
        raise DomainError(
            _("This file's content is not an accepted type (%(types)s), whatever its name says.") % {"types": names},
            field="file",
        )
    return detected.extension, detected.content_type


def document_date_errors(document_date: dt.date | None, expires_on: dt.date | None) -> dict[str, str]:
    """The mistakes in a document's dates, field → message, all at once (the page's form asks them too,
    web.forms.DocumentForm, so that they show on the same submit as its other mistakes)."""
    errors = {}
    if document_date is not None and document_date > timezone.localdate():
        errors["document_date"] = _("The date of the document cannot be in the future.")
    if expires_on is not None and document_date is not None and expires_on <= document_date:
        errors["expires_on"] = _("The expiry date must come after the date of the document.")
    return errors


def _checksum(file: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _lock_record(*, actor: User, child: Child | None, family: Family | None, case: Case | None) -> None:
    """Lock the record the document joins and check on the locked row that ``actor`` may still add
    to it: a case (or the child's cases) must be the actor's to change, a family theirs to see."""
    from access.selectors import families_visible_to
    from cases.services import lock_case

    if case is not None:
        lock_case(case.pk, actor=actor)
    elif child is not None:
        case_ids = list(Case.objects.select_for_update().filter(child_id=child.pk).order_by("pk").values_list("pk", flat=True))
        if actor is not None and not cases_editable_by(actor).filter(pk__in=case_ids).exists():
            raise DomainError(_("You may view this record but not add documents to it."), code="permission_denied")
    elif family is not None:
        Family.objects.select_for_update().filter(pk=family.pk).first()
        if actor is not None and not families_visible_to(actor).filter(pk=family.pk).exists():
            raise DomainError(_("You may not add documents to this family."), code="permission_denied")


def upload_document(
    *, actor: User, file: UploadedFile, doc_type: str, document_date: dt.date, child: Child | None = None,
    family: Family | None = None, case: Case | None = None, expires_on: dt.date | None = None, title: str = "",
    number: str = "",
) -> Document:
    """Store the file and its metadata. The caller has checked that ``actor`` may see the record."""
    if sum(record is not None for record in (child, family, case)) != 1:
        raise DomainError(_("Attach the document to exactly one record: a child, a family or a case."))
    # The dates' mistakes and the file's at once, each beside its field.
    errors = document_date_errors(document_date, expires_on)
    try:
        extension, content_type = check_file(file)
    except DomainError as exc:
        errors.update(exc.errors)
    raise_errors(errors)
    # No path, control, invisible or direction-override character (U+202E ...) in the name shown and sent back.
    original_name = clean_file_name(file.name)
    document = Document(
        child=child, family=family, case=case, doc_type=doc_type, title=title, number=number,
        document_date=document_date, expires_on=expires_on, original_name=original_name, content_type=content_type,
        size=file.size, sha256=_checksum(file), uploaded_by=actor,
    )
    # The stored name takes the extension of the detected type, not the one the user gave.
    file.name = f"upload{extension}"
    document.file = file
    document.full_clean(exclude=["file"])
    try:
        with transaction.atomic():
            _lock_record(actor=actor, child=child, family=family, case=case)
            document.save()
    except Exception:
        # Never a file without its row: remove what the storage already holds.
        if document.file.name and document.file.name.startswith("documents/"):
            document.file.storage.delete(document.file.name)
        raise
    return document


@transaction.atomic
def record_download(*, document: Document, user: User, request: HttpRequest | None = None) -> DocumentDownload:
    """The download's own row, plus the access log row of the child or case the document belongs to."""
    download = DocumentDownload.objects.create(document=document, user=user, ip_address=client_ip(request))
    log_record_access(user=user, request=request, case_id=document.case_id, child_id=document.child_id)
    return download
