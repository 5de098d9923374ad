"""The token endpoint (DRF's obtain_auth_token) with its error responses described."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.authtoken.views import ObtainAuthToken

from cases.api.schema import VALIDATION_ERROR

ObtainTokenView = extend_schema_view(
    post=extend_schema(summary="Exchange a username and password for an API token", responses={400: VALIDATION_ERROR}),
)(type("ObtainTokenView", (ObtainAuthToken,), {}))

obtain_token = ObtainTokenView.as_view()
