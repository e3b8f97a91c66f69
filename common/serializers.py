"""Serializers every API shares: the error body."""

from __future__ import annotations

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The body of every API error."""

    erro = serializers.CharField()
    detalhes = serializers.JSONField(required=False)


class RejectionSerializer(serializers.Serializer):
    """A `lib.errors.Rejection` on the wire: `{"indice": …, "erro": …}` (DESIGN §6)."""

    indice = serializers.IntegerField(
        source="index",
        help_text="Posição do item na lista (em arquivos CSV/XLSX, o número da linha).",
    )
    erro = serializers.CharField(source="reason")
