"""``?search=`` on the API's person lists, answered by the same selectors as the pages' search boxes."""

from collections.abc import Callable

from django.db.models import QuerySet
from rest_framework.filters import SearchFilter
from rest_framework.request import Request


class RecordSearchFilter(SearchFilter):
    """DRF's search filter, except on a view that defines ``search_records(queryset, q)``: then that
    function answers (children.selectors.search_children, families.selectors.search_families), so
    the API and the pages find the same records by the same rules — part of a name in any case or
    script, a Latin spelling of a Cyrillic name, part of an IIN. ``search_fields`` stays on such a
    view for the schema's description only."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: object) -> QuerySet:
        search: Callable[[QuerySet, str], QuerySet] | None = getattr(view, "search_records", None)
        if search is None:
            return super().filter_queryset(request, queryset, view)
        q = " ".join(self.get_search_terms(request))
        return search(queryset, q) if q else queryset
