import django_filters

from access.filters import VisibleChoices
from cases.models import Case, Placement
from core.filters import IsoDateTimeFilter


class CaseFilter(VisibleChoices, django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="child__region__code")
    in_stage_since_before = IsoDateTimeFilter(field_name="stage_entered_at", lookup_expr="lte")

    class Meta:
        model = Case
        fields = ["stage", "form_of_care", "decision_status", "outcome", "assigned_worker", "responsible_unit", "child",
                  "region"]


class PlacementFilter(VisibleChoices, django_filters.FilterSet):
    active = django_filters.BooleanFilter(field_name="ended_on", lookup_expr="isnull")
    started_after = django_filters.DateFilter(field_name="started_on", lookup_expr="gte")
    started_before = django_filters.DateFilter(field_name="started_on", lookup_expr="lte")

    class Meta:
        model = Placement
        fields = ["form_of_care", "end_reason", "return_reason", "family", "case", "child", "active"]
