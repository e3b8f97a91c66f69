"""Wire shapes of comments: the input items, the ingestion answer and the comment object.

Field names are the API contract of DESIGN §6 (Portuguese on the wire).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework import serializers

from comments.models import Category, Comment, Status
from comments.services import IngestResult
from common.serializers import RejectionSerializer


class CommentInputSerializer(serializers.Serializer):
    """One item of `POST /api/comentarios` (documentation; the service validates each item)."""

    id = serializers.UUIDField(required=False, help_text=_("UUID opcional; repetir é idempotente."))
    texto = serializers.CharField(help_text=_("O comentário, até INGEST_MAX_TEXT_LENGTH."))


class IngestResponseSerializer(serializers.Serializer):
    mensagem = serializers.CharField()
    ids_enfileirados = serializers.ListField(child=serializers.UUIDField())
    ja_conhecidos = serializers.ListField(child=serializers.UUIDField())
    rejeitados = RejectionSerializer(many=True)


def ingest_response_body(result: IngestResult) -> dict[str, Any]:
    """The `202` body shared by every ingestion route."""
    count = len(result.stored_ids)
    message = ngettext(
        "%(count)d comentário recebido e enfileirado.",
        "%(count)d comentários recebidos e enfileirados.",
        count,
    ) % {"count": count}
    body = {
        "mensagem": message,
        "ids_enfileirados": result.stored_ids,
        "ja_conhecidos": result.already_known_ids,
        "rejeitados": result.rejected,
    }
    return IngestResponseSerializer(body).data


class CommentTagSerializer(serializers.Serializer):
    codigo = serializers.CharField()
    explicacao = serializers.CharField()


class CommentSerializer(serializers.Serializer):
    """A comment as clients read it; `to_representation` is hand-written for streaming speed.

    The declared fields document the shape (OpenAPI); `to_representation` produces exactly
    them, and is fast enough to stream a million rows as JSON.
    """

    id = serializers.UUIDField()
    texto = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.values)
    categoria = serializers.ChoiceField(choices=Category.values, allow_null=True)
    confianca = serializers.FloatField(allow_null=True, min_value=0, max_value=1)
    data_recebimento = serializers.DateTimeField()
    tags = CommentTagSerializer(many=True)

    def to_representation(self, instance: Comment) -> dict[str, Any]:
        return {
            "id": str(instance.id),
            "texto": instance.text,
            "status": instance.status,
            "categoria": instance.category,
            "confianca": instance.confidence,
            "data_recebimento": timezone.localtime(instance.received_at).isoformat(),
            "tags": [
                {"codigo": link.tag.code, "explicacao": link.explanation}
                for link in instance.comment_tags.all()
            ],
        }
