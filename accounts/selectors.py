"""Reads of accounts."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request

from accounts.models import User


def request_user(request: HttpRequest | Request) -> User:
    """The authenticated account behind `request` (views that require a login only)."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("request_user() called on an anonymous request")
    return user


def user_get_by_email(*, email: str) -> User | None:
    """The account with `email`, ignoring case and surrounding spaces; None if there is none."""
    return User.objects.filter(email__iexact=email.strip()).first()
