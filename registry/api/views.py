"""Upload of a registry CSV file: the same import as the import_registry command."""

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api.permissions import IsCaseworker
from core.parsers import MultiPartParser
from core.schema import FORBIDDEN, VALIDATION_ERROR
from registry.services import ImportFileError, import_uploaded_file


class ImportInputSerializer(serializers.Serializer):
    """A row that is possibly a person already registered (or on an earlier line) is refused unless
    its new_record column says yes; see docs/import.md."""

    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=[("children", "children"), ("families", "families")])
    partial = serializers.BooleanField(required=False, default=False)


ReportSerializer = inline_serializer("ImportReport", fields={
    "kind": serializers.CharField(),
    "accepted_rows": serializers.IntegerField(),
    "accepted_lines": serializers.ListField(child=serializers.IntegerField()),
    "rejected_rows": serializers.IntegerField(),
    "rejected": serializers.ListField(child=serializers.DictField()),
    "imported": serializers.IntegerField(),
    "possible_duplicates": serializers.ListField(child=serializers.DictField()),
})


class RegistryImportView(APIView):
    permission_classes = [IsCaseworker]
    parser_classes = [MultiPartParser]
    # An upload over this is refused from its Content-Length, before it is read (config.middleware).
    request_body_limit_setting = "REGISTRY_MAX_UPLOAD_BYTES"

    @extend_schema(
        summary="Import children or families from a CSV file (see docs/import.md for the columns)",
        request={"multipart/form-data": ImportInputSerializer},
        responses={200: ReportSerializer, 400: VALIDATION_ERROR, 403: FORBIDDEN},
    )
    def post(self, request: Request) -> Response:
        data = ImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > settings.REGISTRY_MAX_UPLOAD_BYTES:
            return Response({"file": [_("The file is larger than %(limit)s; use the import_registry command.")
                                      % {"limit": filesizeformat(settings.REGISTRY_MAX_UPLOAD_BYTES)}]},
                            status=status.HTTP_400_BAD_REQUEST)
        try:
            report = import_uploaded_file(data=upload.read(), kind=data.validated_data["kind"],
                                          partial=data.validated_data["partial"], actor=request.user)
        except ImportFileError as exc:
            return Response({"file": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        body = report.as_dict()
        if report.rejected and not data.validated_data["partial"]:
            body["file"] = [ngettext("Nothing was imported: %(n)s row was rejected.",
                                      "Nothing was imported: %(n)s rows were rejected.", len(report.rejected)) % {
                "n": len(report.rejected)}]
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(body)
