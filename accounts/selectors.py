"""Reads of accounts."""

from __future__ import annotations

from .models import User


def user_get_by_email(*, email: str) -> User | None:
    """The account with `email`, ignoring case and surrounding spaces; None if there is none."""
    return User.objects.filter(email__iexact=email.strip()).first()
