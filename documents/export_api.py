"""GET /api/v1/exports/children/<id>/case-file.pdf — the child's whole case file as a PDF."""

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from access.selectors import children_visible_to
from documents.access_log import log_record_access
from documents.api.permissions import CaseworkersOnly
from documents.api.renderers import AnyFileRenderer, JSONErrorsMixin
from documents.export import build_case_file_pdf
from documents.selectors import may_export_case_file


class ChildCaseFileExportView(JSONErrorsMixin, APIView):
    permission_classes = [CaseworkersOnly]
    renderer_classes = [JSONRenderer, AnyFileRenderer]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY}, operation_id="export_child_case_file")
    def get(self, request: Request, pk: int) -> HttpResponse:
        child = children_visible_to(request.user).filter(pk=pk).first()
        if child is None:
            raise Http404(_("No child with this id that you can see."))
        if not may_export_case_file(request.user, child):
            raise PermissionDenied(
                _("The case file includes sensitive fields: only the case's social worker or supervisor may export it.")
            )
        content = build_case_file_pdf(child=child, generated_by=request.user)
        log_record_access(user=request.user, request=request._request, child_id=child.pk, saw_sensitive=True)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="case-file-{child.pk}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response
