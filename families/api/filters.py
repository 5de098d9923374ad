import django_filters

from access.filters import VisibleChoices
from families.models import Family


class FamilyFilter(VisibleChoices, django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    applied_after = django_filters.DateFilter(field_name="applied_on", lookup_expr="gte")
    approval_expires_before = django_filters.DateFilter(field_name="approval_expires_on", lookup_expr="lte")

    class Meta:
        model = Family
        fields = ["form_of_care", "approval_status", "responsible_unit", "preferred_sex", "region"]
