"""The API's schema (/api/schema/) and its Swagger UI (/api/docs/).

They describe every endpoint, field and filter, so in production they are for signed-in users only
(settings.API_DOCS_REQUIRE_SIGN_IN, on unless turned off). The UI is served from this site (the
sidecar's files, no CDN) with its start-up script as a separate file, so it runs under the
Content-Security-Policy without 'unsafe-inline'.
"""

from django.conf import settings
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


class SignedInUnlessDocsArePublic(BasePermission):
    """Signed-in users only, unless API_DOCS_REQUIRE_SIGN_IN is off (read per request, so a
    deployment or a test can turn it either way)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not settings.API_DOCS_REQUIRE_SIGN_IN:
            return True
        return bool(request.user and request.user.is_authenticated)


schema_view = SpectacularAPIView.as_view(permission_classes=[SignedInUnlessDocsArePublic])
docs_view = SpectacularSwaggerSplitView.as_view(
    url_name="schema", permission_classes=[SignedInUnlessDocsArePublic], template_name="web/api_docs.html",
)
