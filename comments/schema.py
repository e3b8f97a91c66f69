"""OpenAPI declarations of the comment routes (drf-spectacular), kept apart from the views."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer

from comments.models import Category, Status
from comments.serializers import CommentInputSerializer, IngestResponseSerializer
from common.serializers import ErrorSerializer

INGEST_REQUEST = PolymorphicProxySerializer(
    component_name="ComentariosEntrada",
    serializers=[CommentInputSerializer, CommentInputSerializer(many=True)],
    resource_type_field_name=None,
    many=False,
)
INGEST_RESPONSES = {
    202: IngestResponseSerializer,
    400: ErrorSerializer,
    401: ErrorSerializer,
    413: ErrorSerializer,
    415: ErrorSerializer,
}
INGEST_DESCRIPTION = (
    "Um objeto `{id?, texto}` ou uma lista deles (até INGEST_MAX_ITEMS). Itens inválidos são "
    "rejeitados por índice e os válidos são armazenados; ids já conhecidos não são regravados. "
    "Responde 202 logo após gravar; a classificação é feita em segundo plano."
)


FILTER_PARAMETERS = [
    OpenApiParameter("search", str, description="Trecho do texto (sem diferenciar maiúsculas)."),
    OpenApiParameter("status", str, many=True, enum=Status.values),
    OpenApiParameter("category", str, many=True, enum=Category.values),
    OpenApiParameter("received_after", OpenApiTypes.DATETIME),
    OpenApiParameter("received_before", OpenApiTypes.DATETIME),
]
