"""DRF's content negotiation with a short way for what API clients send nearly always.

The API renders JSON only (settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]). DRF's negotiation
builds the request's header dictionary, parses the Accept header into media types and ranks them
for every request (~5% of a case detail's CPU under gunicorn, bench/README.md issue 20 goal 3). When
a view has the one JSON renderer, no format is asked for (no ``.json`` suffix, no ``?format=``) and
the Accept header is absent, ``*/*`` or ``application/json``, DRF's answer is known: the renderer
and ``application/json``. Any other request is negotiated by DRF as before (406 included).
"""

from collections.abc import Sequence

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

JSON = "application/json"
# Accept headers for which DRF picks a JSON renderer with the media type "application/json".
ANY_OR_JSON = frozenset({"*/*", JSON})


class JsonContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request: Request, renderers: Sequence[BaseRenderer],
                        format_suffix: str | None = None) -> tuple[BaseRenderer, str]:
        """(renderer, accepted media type), as DefaultContentNegotiation.select_renderer answers."""
        if (len(renderers) == 1 and renderers[0].media_type == JSON
                and request._request.META.get("HTTP_ACCEPT", "*/*") in ANY_OR_JSON
                and not (format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE))):
            return renderers[0], JSON
        return super().select_renderer(request, renderers, format_suffix)
