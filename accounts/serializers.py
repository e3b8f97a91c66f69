"""Request and response shapes of the auth routes (field names are the API contract)."""

from __future__ import annotations

from rest_framework import serializers


class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class RegisterOutputSerializer(serializers.Serializer):
    """The same body for a new and an already registered e-mail (no account enumeration)."""

    email = serializers.EmailField()
    mensagem = serializers.CharField()


class LoginInputSerializer(serializers.Serializer):
    # A CharField, not an EmailField: a malformed e-mail is just a failed login (401).
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenPairOutputSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    usuario_id = serializers.IntegerField()


class RefreshTokenInputSerializer(serializers.Serializer):
    refresh_token = serializers.CharField()


class LogoutInputSerializer(serializers.Serializer):
    """The refresh token of the session; not needed when the request carries a DRF key."""

    refresh_token = serializers.CharField(
        help_text="Obrigatório, a menos que o cabeçalho seja `Authorization: Token <chave>`."
    )
