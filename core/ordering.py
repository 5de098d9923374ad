"""A total order for every list: the primary key breaks the ties of whatever ordering was asked for.

Paging with LIMIT/OFFSET over an order with ties (``?ordering=stage``: 158 cases, 9 stages) lets
PostgreSQL return the tied rows in a different order on each page, so some rows show twice and
others never. Every API list (``TotalOrderingFilter``, the default ordering backend) and every
paginated page (``web.views.common.paginate``) orders through ``with_total_order``.
"""

from typing import Any

from django.db.models import F, OrderBy, QuerySet
from rest_framework.filters import OrderingFilter


def _names_pk(item: Any, pk_names: set[str]) -> bool:
    if isinstance(item, str):
        return item.lstrip("-") in pk_names
    if isinstance(item, OrderBy) and isinstance(item.expression, F):
        return item.expression.name in pk_names
    return False


def with_total_order(queryset: QuerySet) -> QuerySet:
    """``queryset`` ordered as it was, then by the primary key (ascending, or descending when the
    last key asked for is descending), unless the primary key is already one of the keys.
    An unordered queryset gets its model's default ordering first."""
    query = queryset.query
    order = list(query.order_by) or (list(query.get_meta().ordering) if query.default_ordering else [])
    pk = queryset.model._meta.pk
    pk_names = {"pk", pk.name, pk.attname}
    if any(_names_pk(item, pk_names) for item in order):
        return queryset if query.order_by else queryset.order_by(*order)
    last = order[-1] if order else None
    descending = (isinstance(last, str) and last.startswith("-")) or (isinstance(last, OrderBy) and last.descending)
    return queryset.order_by(*order, "-pk" if descending else "pk")


class TotalOrderingFilter(OrderingFilter):
    """DRF's OrderingFilter, whose result always ends with the primary key (see the module). A
    view's ``ordering_aliases`` ({term: expression name}) lets a client order by a term that is an
    annotation under another name (``?ordering=name``: the name in the reader's language)."""

    def get_ordering(self, request: Any, queryset: QuerySet, view: Any) -> list[str] | None:
        ordering = super().get_ordering(request, queryset, view)
        aliases = getattr(view, "ordering_aliases", None)
        if not aliases or not ordering:
            return ordering
        return [("-" if term.startswith("-") else "") + aliases.get(term.lstrip("-"), term.lstrip("-")) for term in ordering]

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        return with_total_order(super().filter_queryset(request, queryset, view))
