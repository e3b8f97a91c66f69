"""Auth routes: register, login (JWT pair), refresh (rotation) and logout (blacklist)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authentication import BaseAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from accounts import services
from accounts.serializers import (
    LoginInputSerializer,
    LogoutInputSerializer,
    RefreshTokenInputSerializer,
    RegisterInputSerializer,
    RegisterOutputSerializer,
    TokenPairOutputSerializer,
)
from common.serializers import ErrorSerializer


class _PublicAuthApi(APIView):
    # These routes authenticate by their body; a stale Authorization header must not block them.
    authentication_classes: tuple[type[BaseAuthentication], ...] = ()
    permission_classes = (AllowAny,)


# DESIGN §6 promised 400 for an e-mail already registered; that answer told anyone which
# e-mails have accounts. A registered e-mail now gets this same 201 and its owner an e-mail;
# 400 stays for what is wrong in the request itself (missing fields, bad e-mail, weak password).
_REGISTERED = _lazy(
    "Cadastro recebido. Enviamos uma mensagem para o e-mail informado; entre com o e-mail e a "
    "senha em /auth/login."
)


def _pair_body(pair: services.TokenPair) -> dict[str, object]:
    return {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "usuario_id": pair.user_id,
    }


class RegisterApi(_PublicAuthApi):
    # Per IP, on top of the anonymous rate: registering is rare and each one sends an e-mail.
    throttle_classes = (AnonRateThrottle, ScopedRateThrottle)
    throttle_scope = "register"

    @extend_schema(
        tags=["auth"],
        summary="Cria uma conta de cliente da API",
        request=RegisterInputSerializer,
        responses={201: RegisterOutputSerializer, 400: ErrorSerializer, 429: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = RegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_register(**serializer.validated_data)
        body = {
            "email": serializer.validated_data["email"].strip().lower(),
            "mensagem": _REGISTERED,
        }
        return Response(RegisterOutputSerializer(body).data, status=status.HTTP_201_CREATED)


class LoginApi(_PublicAuthApi):
    throttle_classes = (AnonRateThrottle, ScopedRateThrottle)
    throttle_scope = "login"

    @extend_schema(
        tags=["auth"],
        summary="Entra com e-mail e senha e recebe um par de tokens JWT",
        request=LoginInputSerializer,
        responses={
            200: TokenPairOutputSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            429: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = LoginInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # django-axes counts the attempt on Django's request, which its middleware reads.
        pair = services.auth_login(request=request._request, **serializer.validated_data)
        return Response(_pair_body(pair))


class RefreshApi(_PublicAuthApi):
    @extend_schema(
        tags=["auth"],
        summary="Troca um refresh token por um novo par (o antigo é revogado)",
        request=RefreshTokenInputSerializer,
        responses={200: TokenPairOutputSerializer, 400: ErrorSerializer, 401: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshTokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(_pair_body(services.auth_refresh(**serializer.validated_data)))


class LogoutApi(_PublicAuthApi):
    # A JWT session logs out with its refresh token in the body; a partner system holding a
    # DRF key logs out with `Authorization: Token <key>` (an unknown key is 401).
    authentication_classes = (TokenAuthentication,)

    @extend_schema(
        tags=["auth"],
        summary="Sai: revoga todos os tokens da conta (refresh, acesso e chaves Token)",
        request=LogoutInputSerializer,
        responses={204: None, 400: ErrorSerializer, 401: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, Token):
            services.user_tokens_revoke(user=request.auth.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = LogoutInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.auth_logout(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
