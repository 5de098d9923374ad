import django_filters
from django.db.models import QuerySet

from access.filters import VisibleChoices
from access.selectors import children_with_sensitive_access
from children.models import Child, ChildrensHome
from core.choices import HealthNeeds


class ChildFilter(VisibleChoices, django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    # A sensitive field: the filter keeps only children whose sensitive fields the user may see,
    # so that it cannot tell what the record's answer hides.
    health_needs = django_filters.TypedChoiceFilter(choices=HealthNeeds.choices, coerce=int, method="filter_sensitive")
    born_after = django_filters.DateFilter(field_name="birth_date", lookup_expr="gte")
    born_before = django_filters.DateFilter(field_name="birth_date", lookup_expr="lte")

    class Meta:
        model = Child
        fields = ["sex", "legal_status", "current_home", "sibling_group", "health_needs", "region"]


    def filter_sensitive(self, queryset: QuerySet[Child], name: str, value: object) -> QuerySet[Child]:
        if value in (None, ""):
            return queryset
        user = getattr(self.request, "user", None)
        if user is None:
            return queryset.none()
        return queryset.filter(**{name: value}, pk__in=children_with_sensitive_access(user))


class HomeFilter(VisibleChoices, django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")

    class Meta:
        model = ChildrensHome
        fields = ["home_type", "region"]
