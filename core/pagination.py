"""Pages of lists too large to count on every request (issue 20, item 5).

DRF's PageNumberPagination counts every row the user may see before it reads a page: for the
documents of a regional supervisor that is every document of ~100,000 cases, children and families,
most of the request's time. ``PageWithoutCount`` reads one row more than the page instead, which
says whether a next page exists; the answer has ``next``, ``previous`` and ``results`` but no
``count``. Pages stay numbered (``?page=N``, in the list's total order: core.ordering), so a client
moves through them as before.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class PageWithoutCount(PageNumberPagination):
    invalid_page_message = _("Invalid page.")

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list:
        """The page's rows (at most page_size). Raises NotFound for a page number that is not a
        positive integer, or past the last page (as PageNumberPagination does)."""
        self.request = request
        size = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param) or "1"
        if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
            raise NotFound(self.invalid_page_message)
        self.number = int(raw)
        start = (self.number - 1) * size
        rows = list(queryset[start:start + size + 1])
        if not rows and self.number > 1:
            raise NotFound(self.invalid_page_message)
        self.has_next = len(rows) > size
        return rows[:size]

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, self.number + 1)

    def get_previous_link(self) -> str | None:
        if self.number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data: list) -> Response:
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        full = super().get_paginated_response_schema(schema)
        full["properties"].pop("count", None)
        full["required"] = [name for name in full.get("required", []) if name != "count"]
        return full
