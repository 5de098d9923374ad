import django_filters

from access.filters import VisibleChoices
from children.models import Child, ChildrensHome


class ChildFilter(VisibleChoices, django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    born_after = django_filters.DateFilter(field_name="birth_date", lookup_expr="gte")
    born_before = django_filters.DateFilter(field_name="birth_date", lookup_expr="lte")

    class Meta:
        model = Child
        fields = ["sex", "legal_status", "current_home", "sibling_group", "health_needs", "region"]


class HomeFilter(VisibleChoices, django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")

    class Meta:
        model = ChildrensHome
        fields = ["home_type", "region"]
