"""File answers (downloads, PDF exports) are Django responses; this renderer only lets DRF's content
negotiation accept any ``Accept`` header (e.g. ``application/pdf``) instead of answering 406."""

from typing import Any

from rest_framework.renderers import BaseRenderer, JSONRenderer


class AnyFileRenderer(BaseRenderer):
    media_type = "*/*"
    format = "file"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        # Reached only for an error answer negotiated to this renderer: send its text.
        return str(data).encode() if data is not None else b""


class JSONErrorsMixin:
    """An error answer of a file endpoint is JSON, as the schema documents, even when the client
    asked for the file (``?format=file`` or ``Accept: application/pdf``): AnyFileRenderer would
    send it as ``*/*``."""

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        if response.status_code >= 400 and isinstance(getattr(request, "accepted_renderer", None), AnyFileRenderer):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
