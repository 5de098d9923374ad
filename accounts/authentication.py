"""API tokens: django-rest-knox (only a SHA-512 digest is stored, each token expires after
REST_KNOX["TOKEN_TTL"], and a token is revoked by signing out or by a password change)."""

import functools
import re
from hmac import compare_digest
from typing import NamedTuple

from django.db import router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from accounts.models import User
from core.db import prepared_cursor

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
        return self._token_and_user(text)

    def _token_and_user(self, token: str) -> tuple[User, AuthToken]:
        """knox's check (the rows sharing the token's first characters, the one whose digest matches,
        not expired, its user active) with the token and its user read by one hand-written statement:
        knox's two ORM queries (the token with its user, then every token of that user, to delete the
        expired ones on each request) were a third of the API's time outside the database
        (bench/README.md, issue 20). A user's other expired tokens are deleted when they sign in
        (accounts.api.ObtainTokenView); an expired token is deleted when it is sent, as knox does."""
        database = router.db_for_write(AuthToken)  # an expired token is deleted: the primary
        with prepared_cursor(database) as cursor:  # prepared once per connection (core.db)
            cursor.execute(_token_sql(), [token[:CONSTANTS.TOKEN_KEY_LENGTH]])
            rows = cursor.fetchall()
        digest = hash_token(token)
        user_fields = [f.attname for f in User._meta.concrete_fields]
        for stored_digest, token_key, created, expiry, *user_values in rows:
            if not compare_digest(digest, stored_digest):
                continue
            user = User.from_db(database, user_fields, user_values)
            auth_token = AuthToken.from_db(database, ["digest", "token_key", "created", "expiry", "user_id"],
                                           [stored_digest, token_key, created, expiry, user.pk])
            auth_token.user = user
            if expiry is not None and expiry < timezone.now():
                auth_token.delete()
                token_expired.send(sender=self.__class__, username=user.get_username(), source="auth_token")
                break
            if knox_settings.AUTO_REFRESH and expiry:
                self.renew_token(auth_token)
            checked = self.validate_user(auth_token)
            _remember_token_user(digest, user)
            return checked
        raise exceptions.AuthenticationFailed(_("Invalid token."))


# The user of each token this worker has verified, by the token's digest: what the case detail's
# fast path (cases/api/views.py, case_detail_fast_path) keys DRF's throttle on and chooses its
# statement by before its one round trip, which verifies the token, the user and their role again
# (a token is never trusted from here: revoked, expired, its user deactivated or given another role,
# that statement finds nothing and the request takes DRF's path, which remembers the user anew). A
# token belongs to one user for its whole life. Bounded: emptied when full.
class TokenUser(NamedTuple):
    id: int
    role: str
    is_superuser: bool


_TOKEN_USERS: dict[str, TokenUser] = {}
_TOKEN_USERS_MAX = 10_000


def _remember_token_user(digest: str, user: User) -> None:
    if len(_TOKEN_USERS) >= _TOKEN_USERS_MAX:
        _TOKEN_USERS.clear()
    _TOKEN_USERS[digest] = TokenUser(user.pk, user.role, user.is_superuser)


def token_user(digest: str) -> TokenUser | None:
    """The user (id, role, superuser or not) of the token with this digest as this worker verified
    it last, if it has; what the database holds now may differ."""
    return _TOKEN_USERS.get(digest)


def token_parts(header: str) -> tuple[str, str] | None:
    """(token key, digest) of ``Authorization: Token <token>`` as knox reads it, or None for
    anything else (no header, another scheme, a malformed token): the plain form only, which any
    API client sends; any other spelling is left to ApiTokenAuthentication."""
    prefix = knox_settings.TOKEN_PREFIX
    if not header.startswith("Token "):
        return None
    token = header[6:]
    body = token[len(prefix):] if token.startswith(prefix) else ""
    if len(body) != knox_settings.AUTH_TOKEN_CHARACTER_LENGTH or not HEX.fullmatch(body):
        return None
    return token[:CONSTANTS.TOKEN_KEY_LENGTH], hash_token(token)


@functools.cache
def _token_sql() -> str:
    """The tokens beginning with a token key, each with its user's every column."""
    user_columns = ", ".join(f"u.{f.column}" for f in User._meta.concrete_fields)
    return (f"SELECT t.digest, t.token_key, t.created, t.expiry, {user_columns} FROM {AuthToken._meta.db_table} t "
            f"JOIN {User._meta.db_table} u ON u.id = t.user_id WHERE t.token_key = %s")


class ApiTokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of ApiTokenAuthentication: ``Authorization: Token <token>``."""

    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"
