"""The API's sign-in and sign-out: a username and password for a knox token (throttled per client
address like a sign-in, and counted by django-axes), and sign-out of this token or of all of them."""

from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from knox import views as knox_views
from knox.models import AuthToken
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import ApiTokenAuthentication
from core.schema import VALIDATION_ERROR
from core.throttling import ScopedAddressRateThrottle


class SignInSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("Username"), max_length=150, trim_whitespace=False)
    password = serializers.CharField(label=_("Password"), max_length=4096, trim_whitespace=False,
                                     style={"input_type": "password"})

    def validate(self, attrs: dict) -> dict:
        # The request goes along so that django-axes counts the failure against the client address.
        user = authenticate(request=self.context["request"], username=attrs["username"], password=attrs["password"])
        if user is None or not user.is_active:
            raise serializers.ValidationError(_("Unable to sign in with the username and password given."),
                                              code="authorization")
        attrs["user"] = user
        return attrs


TOKEN_RESPONSE = inline_serializer("ApiToken", {
    "token": serializers.CharField(help_text="Send it as `Authorization: Token <token>`. Shown once: only its hash is stored."),
    "expiry": serializers.DateTimeField(help_text="When the token stops working; sign in again for a new one."),
})


@extend_schema_view(post=extend_schema(
    summary="Exchange a username and password for an API token that expires",
    request=SignInSerializer, responses={200: TOKEN_RESPONSE, 400: VALIDATION_ERROR},
))
class ObtainTokenView(knox_views.LoginView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    # A password-guessing client is slowed down per client address (the "sign_in" rate), beside
    # django-axes' lockout per username and address and per address.
    throttle_classes = [ScopedAddressRateThrottle]
    throttle_scope = "sign_in"

    def post(self, request: Request, format: str | None = None) -> Response:
        serializer = SignInSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        request.user = serializer.validated_data["user"]
        # The user's tokens that have expired go now (knox deleted them on every request of the user;
        # ApiTokenAuthentication reads only the token sent).
        AuthToken.objects.filter(user=request.user, expiry__lt=timezone.now()).delete()
        return super().post(request, format=format)


@extend_schema_view(post=extend_schema(summary="Sign out: revoke the token of this request", request=None,
                                       responses={204: None}))
class SignOutView(knox_views.LogoutView):
    authentication_classes = [ApiTokenAuthentication]


@extend_schema_view(post=extend_schema(summary="Sign out everywhere: revoke every token of this user", request=None,
                                       responses={204: None}))
class SignOutEverywhereView(knox_views.LogoutAllView):
    authentication_classes = [ApiTokenAuthentication]


obtain_token = ObtainTokenView.as_view()
sign_out = SignOutView.as_view()
sign_out_everywhere = SignOutEverywhereView.as_view()
