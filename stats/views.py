"""Thin API views: parse the query string, compute the published table, render it as JSON, CSV or
XLSX."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from stats.dimensions import DIMENSIONS
from stats.indicators import INDICATORS, Indicator
from stats.params import indicator_named, parse_request
from stats.permissions import CanReadStatistics
from stats.release import published_statistics
from stats.renderers import CSVRenderer, XLSXRenderer


def describe_indicator(indicator: Indicator, request: Request | None = None) -> dict[str, object]:
    path = reverse("stats:indicator", kwargs={"indicator": indicator.name})
    return {
        "name": indicator.name,
        "title": str(indicator.title),
        "definition": str(indicator.definition),
        "breakdowns": {d: str(DIMENSIONS[d].label) for d in indicator.breakdowns},
        "filters": list(indicator.filters),
        "measures": [{"name": m.name, "label": str(m.label), "kind": m.kind} for m in indicator.measures],
        "url": request.build_absolute_uri(path) if request else path,
    }


def _schema_description() -> str:
    parts = [
        "Anonymized statistics. Analysts always receive output with small-cell and complementary suppression "
        f"(k = STATS_SUPPRESSION_K, default {settings.STATS_SUPPRESSION_K}) and the cell key method (every count perturbed "
        "consistently), as of quarter ends; supervisors their region; administrators everything. ?epsilon= gives a "
        "differentially private release (OpenDP) instead. Formats: ?format=json|csv|xlsx or Accept.",
        "",
    ]
    for indicator in INDICATORS.values():
        parts.append(
            f"**{indicator.name}** — {indicator.title}. {indicator.definition} "
            f"Breakdowns: {', '.join(indicator.breakdowns)}. Measures: {', '.join(m.name for m in indicator.measures)}."
        )
    return "\n\n".join(parts)


class StatsNegotiation(DefaultContentNegotiation):
    """An unknown ?format= is bad input (400 with the allowed formats), not a missing page."""

    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        allowed = [r.format for r in renderers]
        if wanted and wanted not in allowed:
            message = _("Unknown format “%(format)s”. Allowed: %(allowed)s.") % {"format": wanted, "allowed": ", ".join(allowed)}
            raise exceptions.ValidationError({"format": [message]})
        return super().select_renderer(request, renderers, format_suffix)


class IndicatorPagination(PageNumberPagination):
    page_size = 50


class IndicatorListView(APIView):
    permission_classes = [IsAuthenticated, CanReadStatistics]

    @extend_schema(
        operation_id="stats_indicators_list", summary="List the published indicators with their definitions",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        paginator = IndicatorPagination()
        page = paginator.paginate_queryset([describe_indicator(i, request) for i in INDICATORS.values()], request, view=self)
        return paginator.get_paginated_response(page)


CATEGORY_PARAMS = ("region", "sex", "age_band", "form_of_care", "end_reason", "outcome")


class IndicatorView(APIView):
    permission_classes = [IsAuthenticated, CanReadStatistics]
    renderer_classes = [JSONRenderer, CSVRenderer, XLSXRenderer]
    content_negotiation_class = StatsNegotiation

    @extend_schema(
        operation_id="stats_indicator_table",
        summary="One indicator as a table (JSON, CSV or XLSX)",
        description=_schema_description(),
        parameters=[
            OpenApiParameter("indicator", str, OpenApiParameter.PATH, enum=list(INDICATORS)),
            OpenApiParameter(
                "breakdown", str, description="Comma-separated dimensions: " + ", ".join(DIMENSIONS) + " (each indicator "
                "allows its own subset; see the listing)."
            ),
            *[OpenApiParameter(name, str, description="Comma-separated values to keep.") for name in CATEGORY_PARAMS],
            OpenApiParameter("year_from", int),
            OpenApiParameter("year_to", int),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="Count up to this date (default today; for analysts "
                             "a quarter end only, default the latest one)."),
            OpenApiParameter("epsilon", float, description="A differentially private release at this epsilon (one of "
                             "STATS_EPSILONS, rounded down), paid from the caller's quarterly privacy budget."),
            OpenApiParameter("suppress", bool, description="Apply disclosure control (always on for analysts)."),
            OpenApiParameter("format", str, enum=["json", "csv", "xlsx"]),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, indicator: str) -> Response:
        definition = indicator_named(indicator)
        spec, options = parse_request(definition, request.query_params, request.user)
        data = published_statistics(
            spec=spec, suppress=options.suppress, k=settings.STATS_SUPPRESSION_K, epsilon=options.epsilon, user=request.user
        )
        response = Response(data)
        if request.accepted_renderer.format in ("csv", "xlsx"):
            response["Content-Disposition"] = f'attachment; filename="{definition.name}.{request.accepted_renderer.format}"'
        return response

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are always JSON, whatever format the table was asked in.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response



