"""API authentication: JWT checked against the account's token version; schemes in any case."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from accounts.models import User

TOKEN_VERSION_CLAIM = "ver"
_SCHEME = b"bearer"


class VersionedJWTAuthentication(JWTAuthentication):
    """`Authorization: Bearer <jwt>` (scheme in any case), refused once the account's tokens
    were revoked by a logout or a password change.

    A JWT cannot be recalled, so each carries the account's `token_version` when issued;
    revoking bumps the version and every older token, access or refresh, stops working.
    """

    def get_raw_token(self, header: bytes) -> bytes | None:
        # RFC 7235: the scheme is case-insensitive; simplejwt compares it exactly.
        parts = header.split()
        if parts and parts[0].lower() == _SCHEME:
            parts[0] = b"Bearer"
        return super().get_raw_token(b" ".join(parts))

    def get_user(self, validated_token: Any) -> Any:
        user = super().get_user(validated_token)
        if not isinstance(user, User) or not token_version_current(user, validated_token):
            raise AuthenticationFailed(_("Token revogado."), code="token_revoked")
        return user

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


def token_version_current(user: User, token: Any) -> bool:
    """Whether `token` (access or refresh) was issued after the account's last revocation."""
    return token.get(TOKEN_VERSION_CLAIM) == user.token_version
