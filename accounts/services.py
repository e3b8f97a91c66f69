"""Account services: register API clients and curators, log in with JWT, rotate/revoke tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from lib.errors import DomainError, ValidationFailed

from .models import API_CLIENTS_GROUP, CURATORS_GROUP, User


class AuthenticationRefused(DomainError):
    """Bad credentials or an unusable token: HTTP 401, never saying which part was wrong."""

    status_code = 401


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    user_id: int


def user_register(*, email: str, password: str) -> User:
    """Create an active API client account; the e-mail is unique regardless of case."""
    email = User.objects.normalize_email(email).strip().lower()
    try:
        validate_password(password, user=User(email=email))
    except DjangoValidationError as exc:
        raise ValidationFailed(
            _("A senha não atende aos requisitos."), details={"password": exc.messages}
        ) from exc
    if User.objects.filter(email__iexact=email).exists():
        raise _already_registered()
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password)
            user.groups.add(Group.objects.get_or_create(name=API_CLIENTS_GROUP)[0])
    except IntegrityError as exc:  # a concurrent registration of the same e-mail won
        raise _already_registered() from exc
    return user


@dataclass(frozen=True)
class CuratorAccount:
    user: User
    created: bool
    password: str | None  # the password just set, to show once; None when the old one stays


def curator_ensure(*, email: str, password: str | None = None) -> CuratorAccount:
    """Make `email` an active staff member of `curadores`, creating the account if needed.

    A given password is always set; a new account without one gets a random password, and an
    existing account keeps its own.
    """
    email = User.objects.normalize_email(email).strip().lower()
    with transaction.atomic():
        user, created = User.objects.get_or_create(email=email, defaults={"is_staff": True})
        password = password or (secrets.token_urlsafe(12) if created else None)
        if password:
            user.set_password(password)
        user.is_staff = user.is_active = True
        user.save()
        user.groups.add(Group.objects.get_or_create(name=CURATORS_GROUP)[0])
    return CuratorAccount(user, created, password)


def _already_registered() -> ValidationFailed:
    return ValidationFailed(
        _("Este e-mail já está cadastrado."),
        details={"email": [_("Já existe uma conta com este e-mail.")]},
    )


def auth_login(*, email: str, password: str) -> TokenPair:
    """Return a JWT pair for valid credentials of an active user; the same 401 otherwise.

    Django's ModelBackend runs the password hasher even for unknown e-mails, so the answer
    takes as long whether or not the account exists.
    """
    user = authenticate(email=email.strip().lower(), password=password)
    if user is None:
        raise AuthenticationRefused(_("E-mail ou senha inválidos."))
    refresh = RefreshToken.for_user(user)
    return TokenPair(str(refresh.access_token), str(refresh), user.pk)


def auth_refresh(*, refresh_token: str) -> TokenPair:
    """Exchange a refresh token for a new pair; the old one is blacklisted, and only once.

    Blacklisting is a unique insert, so two concurrent uses of one refresh token cannot both
    get a new pair.
    """
    try:
        with transaction.atomic():
            # Checks signature, expiry and blacklist (the stubs miss the str constructor).
            refresh = RefreshToken(refresh_token)  # type: ignore[arg-type]
            user_id: Any = refresh.payload.get("user_id")
            user = User.objects.filter(pk=user_id, is_active=True).first()
            # simplejwt returns get_or_create's (token, created); the stubs say a bare token.
            created: bool
            _blacklisted, created = refresh.blacklist()  # type: ignore[misc]
            if user is None or not created:
                raise _invalid_token()
    except TokenError as exc:
        raise _invalid_token() from exc
    new_refresh = RefreshToken.for_user(user)
    return TokenPair(str(new_refresh.access_token), str(new_refresh), user.pk)


def auth_logout(*, refresh_token: str) -> None:
    """Blacklist `refresh_token`, so neither it nor a rotation of it works again."""
    try:
        RefreshToken(refresh_token).blacklist()  # type: ignore[arg-type]
    except TokenError as exc:
        raise _invalid_token() from exc


def _invalid_token() -> AuthenticationRefused:
    return AuthenticationRefused(_("Token inválido, expirado ou revogado."))
