"""Prospective families. Thin: parse, call the service or selector, shape the answer."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.permissions import IsCaseworker
from core.exceptions import DomainError
from core.schema import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS
from families.api.filters import FamilyFilter
from families.api.serializers import FamilyCreatedSerializer, FamilyInputSerializer, FamilyOutputSerializer
from families.selectors import family_list
from families.services import create_family
from registry.duplicates import warnings_for


@extend_schema_view(
    list=extend_schema(summary="Families you may see", responses={200: FamilyOutputSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(summary="One family", responses={200: FamilyOutputSerializer, **READ_ERRORS}),
)
class FamilyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = FamilyOutputSerializer
    permission_classes = [IsCaseworker]
    filterset_class = FamilyFilter
    search_fields = ["applicants__last_name", "applicants__first_name", "=applicants__iin", "training_certificate_number"]
    ordering_fields = ["applied_on", "approval_expires_on", "id"]
    ordering = ["-applied_on", "id"]

    def get_queryset(self):
        return family_list(user=self.request.user)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # Searching across applicants joins a multi-valued relation; keep one row per family.
        return queryset.distinct() if self.request.query_params.get("search") else queryset

    @extend_schema(
        summary="Register a family with one or two applicants (warns of likely duplicates)",
        request=FamilyInputSerializer,
        responses={201: FamilyCreatedSerializer, **CREATE_ERRORS},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = FamilyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        applicants = [dict(a) for a in fields.pop("applicants")]
        unit = fields.pop("responsible_unit")
        user = request.user
        if unit is not None and not user.is_administrator and (not user.unit_id or unit.pk not in user.unit.descendant_ids()):
            raise DomainError(_("You can register families only for your own unit or the units below it."),
                              field="responsible_unit")
        family, warnings = create_family(actor=user, applicants=applicants, responsible_unit=unit, **fields)
        body = {"family": FamilyOutputSerializer(family).data, "duplicate_warnings": warnings_for(request.user, warnings)}
        return Response(body, status=status.HTTP_201_CREATED)
