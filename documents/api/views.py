"""Documents API: list and detail of visible documents, multipart upload, and the file download."""

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from access.selectors import cases_editable_by
from core.filenames import clean_file_name
from core.pagination import PageWithoutCount
from core.parsers import FormParser, JSONParser, MultiPartParser
from documents import services
from documents.api.permissions import CaseworkersOnly
from documents.api.renderers import AnyFileRenderer, JSONErrorsMixin
from documents.api.serializers import DocumentSerializer, DocumentUploadSerializer
from documents.models import Document
from documents.selectors import document_for, documents_of_record, documents_visible_to


class DocumentViewSet(JSONErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Documents are evidence: uploaded once, never edited through the API."""

    permission_classes = [CaseworkersOnly]
    serializer_class = DocumentSerializer
    # Numbered pages without a total: counting every document a regional supervisor may see took
    # most of the list's time (bench/README.md, issue 20 item 5).
    pagination_class = PageWithoutCount
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    # An upload over this is refused from its Content-Length, before it is read (config.middleware).
    request_body_limit_setting = "DOCUMENTS_MAX_UPLOAD_BYTES"
    filterset_fields = ["child", "family", "case", "doc_type"]
    ordering_fields = ["uploaded_at", "document_date", "expires_on"]
    search_fields = ["title", "number", "original_name"]

    def get_queryset(self) -> QuerySet[Document]:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Document.objects.none()
        # The page of one record (?case=, ?child= or ?family=) checks that record only; the list of
        # everything the user sees gathers every visible record's documents.
        record = {
            f"{name}_id": int(value) for name in ("case", "child", "family")
            if (value := self.request.query_params.get(name, "")).isdigit() and len(value) < 19
        }
        if self.action == "list" and len(record) == 1:
            return documents_of_record(self.request.user, **record)
        return documents_visible_to(self.request.user)

    def get_object(self) -> Document:
        pk = self.kwargs.get("pk", "")
        document = document_for(self.request.user, int(pk)) if str(pk).isdigit() and len(str(pk)) < 19 else None
        if document is None:
            raise Http404(_("No document with this id that you can see."))
        self.check_object_permissions(self.request, document)
        return document

    @extend_schema(request={"multipart/form-data": DocumentUploadSerializer}, responses={201: DocumentSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        form = DocumentUploadSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        self._require_editable(form.validated_data)
        document = services.upload_document(actor=request.user, **form.validated_data)
        return Response(DocumentSerializer(document, context={"request": request}).data, status=status.HTTP_201_CREATED)

    def _require_editable(self, data: dict) -> None:
        """Adding to a child's or a case's file is a change to the case: a view-only share is not enough."""
        case, child = data.get("case"), data.get("child")
        if case is None and child is None:
            return  # a family's document: seeing the family (its unit) is enough
        editable = cases_editable_by(self.request.user)
        if not (editable.filter(pk=case.pk) if case is not None else editable.filter(child_id=child.pk)).exists():
            raise PermissionDenied(_("You may view this record but not add documents to it."))

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="download", renderer_classes=[JSONRenderer, AnyFileRenderer])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        document = self.get_object()  # 404 unless the document's record is visible
        try:
            handle = document.file.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404(_("The file of this document is missing from the storage.")) from None
        services.record_download(document=document, user=request.user, request=request._request)
        response = FileResponse(handle, as_attachment=True, filename=clean_file_name(document.original_name),
                                content_type=document.content_type)
        response["Cache-Control"] = "private, no-store"
        return response
