"""The token endpoint: DRF's obtain_auth_token, throttled like a sign-in and with its errors described."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle

from core.schema import VALIDATION_ERROR


@extend_schema_view(
    post=extend_schema(summary="Exchange a username and password for an API token", responses={400: VALIDATION_ERROR}),
)
class ObtainTokenView(ObtainAuthToken):
    # DRF's view switches throttling off; a password-guessing client is slowed down here as at
    # sign-in (the "sign_in" rate in settings), beside django-axes' lockout.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "sign_in"


obtain_token = ObtainTokenView.as_view()
