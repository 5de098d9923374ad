"""The visits endpoints: list and detail of the visits the user may see, and recording a visit.
Thin views: parse, call the selector or service, shape the answer."""

from typing import Any

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access.filters import VisibleChoices
from access.permissions import CanChangeCase, CaseworkerOnly
from core.dates import PAST_DATE
from core.serializers import ModelSerializer
from core.text import NOTES_MAX_LENGTH
from risk.models import PlacementRisk
from visits.models import CHECKLIST_ITEMS, Visit
from visits.selectors import visit_list, visits_with_sensitive_access
from visits.services import record_visit


class VisitSerializer(ModelSerializer):
    case = serializers.IntegerField(source="placement.case_id", read_only=True)
    overdue = serializers.SerializerMethodField()
    concerns = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = ("id", "placement", "case", "kind", "planned_on", "done_on", "overdue", "worker", "child_seen", "seen_by",
                  "child_condition", "family_condition", "checklist", "concerns")
        read_only_fields = fields

    def get_overdue(self, visit: Visit) -> bool:
        return visit.is_overdue(timezone.localdate())

    def get_concerns(self, visit: Visit) -> str | None:
        """Concerns are sensitive: null without view_sensitive on the case."""
        return visit.concerns if visit.pk in self.context.get("sensitive_ids", set()) else None


class RecordVisitInput(serializers.Serializer):
    done_on = serializers.DateField(validators=PAST_DATE)
    child_seen = serializers.BooleanField()
    seen_by = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    child_condition = serializers.ChoiceField(choices=Visit.Condition.choices)
    family_condition = serializers.ChoiceField(choices=Visit.Condition.choices)
    checklist = serializers.DictField(child=serializers.BooleanField(), required=False, default=dict,
                                      help_text=", ".join(CHECKLIST_ITEMS))
    concerns = serializers.CharField(max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True, default="")


class VisitFilter(VisibleChoices, filters.FilterSet):
    done = filters.BooleanFilter(field_name="done_on", lookup_expr="isnull", exclude=True)
    planned_from = filters.DateFilter(field_name="planned_on", lookup_expr="gte")
    planned_to = filters.DateFilter(field_name="planned_on", lookup_expr="lte")

    class Meta:
        model = Visit
        fields = ["placement", "kind", "done", "planned_from", "planned_to"]


@extend_schema_view(list=extend_schema(summary="Visits of the placements you may see"),
                    retrieve=extend_schema(summary="One visit"))
class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [CaseworkerOnly, CanChangeCase]
    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    search_fields: list[str] = []
    ordering_fields = ["planned_on", "done_on", "id"]
    ordering = ["planned_on", "id"]

    def get_queryset(self) -> Any:
        return visit_list(user=self.request.user)

    def _context_for(self, visits: list[Visit]) -> dict[str, Any]:
        return {**self.get_serializer_context(),
                "sensitive_ids": visits_with_sensitive_access(user=self.request.user, visits=visits)}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(VisitSerializer(page, many=True, context=self._context_for(page)).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        visit = self.get_object()
        return Response(VisitSerializer(visit, context=self._context_for([visit])).data)

    @extend_schema(summary="Record the visit as done (recomputes the placement's risk of return)", request=RecordVisitInput,
                   responses={200: VisitSerializer})
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        visit = self.get_object()
        data = RecordVisitInput(data=request.data)
        data.is_valid(raise_exception=True)
        visit = record_visit(visit=visit, actor=request.user, **data.validated_data)
        fresh = self.get_queryset().get(pk=visit.pk)
        body = VisitSerializer(fresh, context=self._context_for([fresh])).data
        risk = PlacementRisk.objects.filter(placement_id=fresh.placement_id).values("score", "band").first()
        return Response({**body, "risk": risk})
