"""Input and output shapes of the documents API. Record fields accept only records the user can see."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from access.selectors import cases_visible_to, children_visible_to, families_visible_to
from cases.models import Case
from children.models import Child
from core.dates import AHEAD_DATE, PAST_DATE
from core.serializers import ModelSerializer
from documents.models import Document, DocumentType
from families.models import Family


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    doc_type = serializers.ChoiceField(choices=DocumentType.choices)
    document_date = serializers.DateField(validators=PAST_DATE)
    expires_on = serializers.DateField(validators=AHEAD_DATE, required=False, allow_null=True)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    number = serializers.CharField(required=False, allow_blank=True, max_length=60, default="")
    child = serializers.PrimaryKeyRelatedField(queryset=Child.objects.none(), required=False, allow_null=True)
    family = serializers.PrimaryKeyRelatedField(queryset=Family.objects.none(), required=False, allow_null=True)
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none(), required=False, allow_null=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # schema generation
            return
        user = request.user
        # A record the user cannot see answers like one that does not exist.
        self.fields["child"].queryset = children_visible_to(user)
        self.fields["family"].queryset = families_visible_to(user)
        self.fields["case"].queryset = cases_visible_to(user)

    def validate(self, attrs: dict) -> dict:
        if sum(attrs.get(name) is not None for name in ("child", "family", "case")) != 1:
            raise serializers.ValidationError(_("Attach the document to exactly one record: a child, a family or a case."))
        return attrs


class DocumentSerializer(ModelSerializer):
    doc_type_display = serializers.CharField(source="get_doc_type_display", read_only=True)
    uploaded_by_name = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id", "child", "family", "case", "doc_type", "doc_type_display", "title", "number", "document_date",
            "expires_on", "original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_by_name",
            "uploaded_at", "download_url",
        ]
        read_only_fields = fields

    def get_uploaded_by_name(self, document: Document) -> str:
        return document.uploaded_by.get_full_name() or document.uploaded_by.username

    def get_download_url(self, document: Document) -> str:
        return reverse("document-download", args=[document.pk])
