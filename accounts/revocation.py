"""Revoke the credentials the database keeps for an account: DRF keys and JWT refresh tokens.

JWT access tokens are not stored; the account's `token_version` (accounts.models) ends those.
This module imports no model of accounts, so the user model can call it on a password change.
"""

from __future__ import annotations

from rest_framework.authtoken.models import Token
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken


def stored_tokens_revoke(*, user_id: int) -> None:
    """Delete every DRF token key of the account and blacklist its outstanding refresh tokens."""
    Token.objects.filter(user_id=user_id).delete()
    outstanding = OutstandingToken.objects.filter(user_id=user_id, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
