"""Children and children's homes. Thin: parse, call the service or selector, shape the answer."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from audit.services import AccessLoggedMixin
from cases.api.permissions import IsCaseworker
from children.api.filters import ChildFilter, HomeFilter
from children.api.serializers import (
    ChildCreatedSerializer,
    ChildInputSerializer,
    ChildOutputSerializer,
    HomeOutputSerializer,
)
from children.models import ChildrensHome
from children.selectors import child_list, home_list, search_children, search_matches_first
from children.services import create_child
from core.exceptions import DomainError
from core.schema import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS
from registry.duplicates import warnings_for


@extend_schema_view(
    list=extend_schema(summary="Children's homes", responses={200: HomeOutputSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(summary="One children's home", responses={200: HomeOutputSerializer, **READ_ERRORS}),
)
class HomeViewSet(viewsets.ReadOnlyModelViewSet):
    """Institutions: not personal data, readable by every caseworker."""

    serializer_class = HomeOutputSerializer
    permission_classes = [IsCaseworker]
    filterset_class = HomeFilter
    search_fields = ["name_kk", "name_ru", "name_en", "address"]
    # ?ordering=name, and the default order: by the name the reader sees (their language's, else
    # the Russian), as the pages list them.
    ordering_fields = ["name", "name_ru", "name_kk", "name_en", "capacity", "id"]
    ordering_aliases = {"name": "name_shown"}
    ordering = ["name", "id"]

    def get_queryset(self):
        return home_list().annotate(name_shown=ChildrensHome.name_in_language())


@extend_schema_view(
    list=extend_schema(summary="Children you may see", responses={200: ChildOutputSerializer(many=True), **LIST_ERRORS}),
    retrieve=extend_schema(summary="One child", responses={200: ChildOutputSerializer, **READ_ERRORS}),
)
class ChildViewSet(
    AccessLoggedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The children of the cases you may see. Reading one child is written to the access log."""

    # The docstring above is the API docs' description of every child endpoint (drf-spectacular);
    # without it they showed AccessLoggedMixin's, a note for developers.
    serializer_class = ChildOutputSerializer
    permission_classes = [IsCaseworker]
    access_log_kind = "child"  # every detail view is written to the access log
    filterset_class = ChildFilter
    search_fields = ["last_name", "first_name", "patronymic", "iin", "id"]  # the schema's description; see search_records
    ordering_fields = ["last_name", "birth_date", "entered_care_on", "id"]
    ordering = ["last_name", "first_name", "id"]

    def get_queryset(self):
        return child_list(user=self.request.user)

    def search_records(self, queryset, q: str):
        """``?search=``: part of the name (any script) or IIN, or the child's number."""
        return search_children(queryset, q, matches_first=search_matches_first(self.request.user))

    @extend_schema(
        summary="Register a child (opens the case; warns of likely duplicates)",
        request=ChildInputSerializer,
        responses={201: ChildCreatedSerializer, **CREATE_ERRORS},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = ChildInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        unit = fields.pop("responsible_unit")
        worker = fields.pop("assigned_worker")
        user = request.user
        if unit is not None and not user.is_administrator and (not user.unit_id or unit.pk not in user.unit.descendant_ids()):
            raise DomainError(_("You can register children only for your own unit or the units below it."),
                              field="responsible_unit")
        child, warnings = create_child(actor=user, responsible_unit=unit, assigned_worker=worker, **fields)
        body = {"child": ChildOutputSerializer(child, context=self.get_serializer_context()).data, "case_id": child.cases.get().pk,
                "duplicate_warnings": warnings_for(request.user, warnings)}
        return Response(body, status=status.HTTP_201_CREATED)
