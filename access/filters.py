"""Filter sets whose choices never list a record outside the user's visibility.

django-filter builds a ``ModelChoiceFilter`` for every foreign key named in a filter set, with the
related model's whole table as its choices: rendered as a form (DRF's browsable API) that is a
``<select>`` of every child, family and user in the country, and as a validator it answers a
foreign id differently from an unknown one (200 with no rows against 400). ``VisibleFilterSet``
replaces each such queryset with the request user's visible rows (the ``access.selectors``
functions), so a foreign id and an unknown id both answer 400 "Select a valid choice", and draws
the field as a number box, never a list. The API's filter backend uses it for ``filterset_fields``
too (``config.settings.base``).
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.utils.module_loading import import_string
from django_filters import rest_framework as filters

# Related model (app_label.ModelName) -> selector of the rows a user may name. Dotted paths, read
# when a request comes, so that access/ does not import the higher apps (documents, risk) here.
VISIBLE_ROWS: dict[str, str] = {
    "cases.case": "access.selectors.cases_visible_to",
    "cases.placement": "access.selectors.placements_visible_to",
    "children.child": "access.selectors.children_visible_to",
    "children.siblinggroup": "access.selectors.sibling_groups_visible_to",
    "families.family": "access.selectors.families_visible_to",
    "visits.visit": "access.selectors.visits_visible_to",
    "accounts.user": "access.selectors.users_visible_to",
    "documents.document": "documents.selectors.documents_visible_to",
}

# Reference data anyone signed in may name (no person in them): the whole table is fine, still
# drawn as a number box.
PUBLIC_MODELS = {"accounts.organisationalunit", "children.childrenshome", "regions.region"}


def visible_rows(model: type[Model]) -> Callable[[Any], QuerySet]:
    """A queryset callable for django-filter: the rows of ``model`` the request's user may see
    (none without a request, e.g. while the OpenAPI schema is generated)."""
    label = model._meta.label_lower
    if label in PUBLIC_MODELS:
        return lambda request: model._default_manager.all()
    if label not in VISIBLE_ROWS:
        raise LookupError(f"No visibility rule for {label}: add it to access.filters.VISIBLE_ROWS.")
    path = VISIBLE_ROWS[label]

    def rows(request: Any) -> QuerySet:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return model._default_manager.none()
        return import_string(path)(user)

    return rows


class VisibleChoices:
    """Mixin for a FilterSet: its foreign-key filters choose among the user's visible rows only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A filter the request does not use needs no choices: looking the user's rows up for it
        # would cost queries on every list.
        for name, filter_ in self.filters.items():
            if isinstance(filter_, filters.ModelChoiceFilter | filters.ModelMultipleChoiceFilter) and name not in self.data:
                model = filter_.model._meta.get_field(filter_.field_name).related_model
                filter_.queryset = model._default_manager.none()

    @classmethod
    def filter_for_field(cls, field: Any, field_name: str, lookup_expr: str | None = None) -> Any:
        filter_ = super().filter_for_field(field, field_name, lookup_expr)
        if isinstance(filter_, filters.ModelChoiceFilter | filters.ModelMultipleChoiceFilter):
            filter_.queryset = visible_rows(field.related_model)
            filter_.extra["widget"] = forms.NumberInput
        return filter_


class VisibleFilterSet(VisibleChoices, filters.FilterSet):
    """The base of the filter sets built from a view's ``filterset_fields``."""


# Query parameters that are not filters: the page, the search box and the order (DRF's defaults).
NOT_FILTERS = frozenset({"page", "search", "ordering"})


class VisibleFilterBackend(filters.DjangoFilterBackend):
    """The API's filter backend: ``filterset_fields`` get visible choices too. A request naming no
    filter (most lists: the first page) skips building the filter set, whose filters would all be
    empty and leave the queryset as it is (a few milliseconds of copying fields on every list)."""

    filterset_base = VisibleFilterSet

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        if NOT_FILTERS.issuperset(request.query_params.keys()):
            return queryset
        return super().filter_queryset(request, queryset, view)
