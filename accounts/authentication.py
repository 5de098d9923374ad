"""API tokens: django-rest-knox (only a SHA-512 digest is stored, each token expires after
REST_KNOX["TOKEN_TTL"], and a token is revoked by signing out or by a password change)."""

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from knox.settings import knox_settings
from rest_framework import exceptions

# What knox hands out: the prefix and AUTH_TOKEN_CHARACTER_LENGTH hexadecimal characters.
HEX = re.compile(r"[0-9a-f]+")


class ApiTokenAuthentication(TokenAuthentication):
    """knox's authentication, refusing a malformed token with 401 before it reaches the database
    (knox would decode any bytes as UTF-8 and query with NUL characters: both a 500)."""

    def authenticate_credentials(self, token: bytes) -> tuple:
        try:
            text = token.decode("ascii")
        except UnicodeDecodeError:
            text = ""
        prefix = knox_settings.TOKEN_PREFIX
        body = text[len(prefix):] if text.startswith(prefix) else ""
        if len(body) != knox_settings.AUTH_TOKEN_CHARACTER_LENGTH or not HEX.fullmatch(body):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(token)


class ApiTokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of ApiTokenAuthentication: ``Authorization: Token <token>``."""

    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"
