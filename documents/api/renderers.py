"""File answers (downloads, PDF exports) are Django responses; this renderer only lets DRF's content
negotiation accept any ``Accept`` header (e.g. ``application/pdf``) instead of answering 406."""

from typing import Any

from rest_framework.renderers import BaseRenderer


class AnyFileRenderer(BaseRenderer):
    media_type = "*/*"
    format = "file"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        # Reached only for an error answer negotiated to this renderer: send its text.
        return str(data).encode() if data is not None else b""
