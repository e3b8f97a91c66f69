"""Account services: register API clients and curators, log in with JWT, rotate/revoke tokens."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.authentication import TOKEN_VERSION_CLAIM, token_version_current
from accounts.revocation import stored_tokens_revoke
from lib.errors import DomainError, ValidationFailed

from .models import API_CLIENTS_GROUP, CURATORS_GROUP, User

logger = logging.getLogger(__name__)


class AuthenticationRefused(DomainError):
    """Bad credentials or an unusable token: HTTP 401, never saying which part was wrong."""

    status_code = 401


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    user_id: int


def user_register(*, email: str, password: str) -> None:
    """Create an active API client account, or tell the owner of an existing one by e-mail.

    Both cases do the same work that takes time (one password hash, one e-mail) and the caller
    answers both alike, so registering tells no one whether an e-mail already has an account.
    """
    email = User.objects.normalize_email(email).strip().lower()
    try:
        validate_password(password, user=User(email=email))
    except DjangoValidationError as exc:
        raise ValidationFailed(
            _("A senha não atende aos requisitos."), details={"password": exc.messages}
        ) from exc
    if _api_client_create(email, password):
        _send_notice(email, _WELCOME)
        return
    make_password(password)  # the hash the new account would have cost
    _send_notice(email, _REGISTERED_AGAIN)


def _api_client_create(email: str, password: str) -> bool:
    """Create the account; False when the e-mail (in any case) already has one."""
    # Accounts made in the admin may keep upper-case letters, hence iexact before the insert.
    if User.objects.filter(email__iexact=email).exists():
        return False
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password)
            user.groups.add(Group.objects.get_or_create(name=API_CLIENTS_GROUP)[0])
    except IntegrityError:  # a concurrent registration of the same e-mail won
        return False
    return True


_WELCOME = (
    _lazy("Sua conta na AluMusic Insights foi criada"),
    _lazy(
        "Olá! Sua conta de cliente da API da AluMusic Insights foi criada com este e-mail.\n"
        "Entre em POST /auth/login com o e-mail e a senha que você escolheu."
    ),
)
_REGISTERED_AGAIN = (
    _lazy("Tentativa de cadastro com o seu e-mail"),
    _lazy(
        "Olá! Alguém tentou criar uma conta na AluMusic Insights com este e-mail, que já tem "
        "uma. Se foi você, entre com a sua senha de sempre; se não foi, ignore esta mensagem."
    ),
)


def _send_notice(email: str, notice: tuple[Any, Any]) -> None:
    subject, body = notice
    # The e-mail is a courtesy: a mail server that is down must not turn into a 500 (nor
    # answer differently for new and existing accounts).
    try:
        send_mail(str(subject), str(body), None, [email])
    except OSError:
        logger.warning("Could not send the registration notice", exc_info=True)


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


def auth_login(*, request: HttpRequest, email: str, password: str) -> TokenPair:
    """Return a JWT pair for valid credentials of an active user; the same 401 otherwise.

    `request` is the attempt django-axes counts (per account and per IP); once either is
    locked out, even the right password fails and the axes middleware answers 429. Django's
    ModelBackend runs the password hasher for unknown e-mails too, so the answer takes as
    long whether or not the account exists.
    """
    user = authenticate(request, username=email.strip().lower(), password=password)
    if not isinstance(user, User):
        raise AuthenticationRefused(_("E-mail ou senha inválidos."))
    # What django.contrib.auth.login() sends for a session: axes clears the account's failed
    # attempts, and Django records last_login.
    user_logged_in.send(sender=User, request=request, user=user)
    return _issue_pair(user)


def auth_refresh(*, refresh_token: str) -> TokenPair:
    """Exchange a refresh token for a new pair; the old one is blacklisted, and only once.

    Blacklisting is a unique insert, so two concurrent uses of one refresh token cannot both
    get a new pair; a token issued before the account's last revocation is refused.
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
            if user is None or not created or not token_version_current(user, refresh):
                raise _invalid_token()
    except TokenError as exc:
        raise _invalid_token() from exc
    return _issue_pair(user)


def auth_logout(*, refresh_token: str) -> None:
    """Revoke every token of the refresh token's account: refresh, access and DRF keys."""
    try:
        refresh = RefreshToken(refresh_token)  # type: ignore[arg-type]
    except TokenError as exc:
        raise _invalid_token() from exc
    user_id: Any = refresh.payload.get("user_id")
    user = User.objects.filter(pk=user_id).first()
    if user is None or not token_version_current(user, refresh):
        raise _invalid_token()
    user_tokens_revoke(user=user)


def user_tokens_revoke(*, user: User) -> None:
    """Make every token `user` holds stop working, on every device: JWT access and refresh
    tokens (version bump and blacklist) and DRF token keys (deleted)."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
        stored_tokens_revoke(user_id=user.pk)
    user.refresh_from_db(fields=["token_version"])


def _issue_pair(user: User) -> TokenPair:
    refresh = RefreshToken.for_user(user)
    # Set before deriving the access token, which copies the refresh token's claims.
    refresh[TOKEN_VERSION_CLAIM] = user.token_version
    return TokenPair(str(refresh.access_token), str(refresh), user.pk)


def _invalid_token() -> AuthenticationRefused:
    return AuthenticationRefused(_("Token inválido, expirado ou revogado."))
