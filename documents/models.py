"""Documents attached to a child, a family or a case: court decisions, guardianship acts, home-study
reports, training certificates, medical reports, photos. The file itself sits in the documents storage
(documents/storage.py) under a random name; only the metadata is here."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.dates import AHEAD_DATE, PAST_DATE, local
from documents.storage import document_storage


class DocumentType(models.TextChoices):
    COURT_DECISION = "court_decision", _("court decision")
    GUARDIANSHIP_ACT = "guardianship_act", _("guardianship authority act or contract")
    HOME_STUDY = "home_study", _("home-study report")
    TRAINING_CERTIFICATE = "training_certificate", _("school of adoptive parents certificate")
    MEDICAL_REPORT = "medical_report", _("medical report")
    BIRTH_CERTIFICATE = "birth_certificate", _("birth certificate")
    CONSENT = "consent", _("signed consent")
    PHOTO = "photo", _("photo")
    OTHER = "other", _("other document")


def document_upload_to(instance: "Document", filename: str) -> str:
    # A random name: the uploader's file name (often a child's name) never reaches the storage.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Document(models.Model):
    Type = DocumentType

    # Exactly one of these three is set (database constraint below).
    child = models.ForeignKey(
        "children.Child", verbose_name=_("child"), null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    family = models.ForeignKey(
        "families.Family", verbose_name=_("family"), null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    doc_type = models.CharField(_("type"), max_length=30, choices=DocumentType.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    number = models.CharField(_("document number"), max_length=60, blank=True)
    document_date = models.DateField(_("date of the document"), validators=PAST_DATE)
    expires_on = models.DateField(_("expires on"), null=True, blank=True, validators=AHEAD_DATE)
    file = models.FileField(_("file"), upload_to=document_upload_to, storage=document_storage, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type (detected)"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256 checksum"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(child__isnull=False, family__isnull=True, case__isnull=True)
                | Q(child__isnull=True, family__isnull=False, case__isnull=True)
                | Q(child__isnull=True, family__isnull=True, case__isnull=False),
                name="document_attached_to_exactly_one_record",
            ),
            models.CheckConstraint(condition=Q(doc_type__in=DocumentType.values), name="document_type_valid"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=F("document_date")), name="document_expires_after_date"
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="document_not_empty"),
        ]
        indexes = [
            # The reminder sweep reads only documents that expire.
            models.Index(fields=["expires_on"], condition=Q(expires_on__isnull=False), name="document_expiring_idx"),
        ]

    def __str__(self) -> str:
        # A sensitive type's title is health data (a medical report's diagnosis): never in a label
        # that lists, breadcrumbs or logs show to whoever sees the record exists.
        if self.doc_type in settings.DOCUMENTS_SENSITIVE_TYPES or not self.title:
            return f"{self.get_doc_type_display()} {self.document_date}"
        return self.title


class DocumentDownload(models.Model):
    """One download of one document's file. Kept for every document, including a family's, which the
    access log (audit.AccessLog, child and case only) cannot name."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+")
    downloaded_at = models.DateTimeField(_("downloaded at"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-downloaded_at", "-id"]
        verbose_name = _("document download")
        verbose_name_plural = _("document downloads")
        indexes = [models.Index(fields=["document", "downloaded_at"]), models.Index(fields=["user", "downloaded_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.document_id} {local(self.downloaded_at):%Y-%m-%d %H:%M}"
