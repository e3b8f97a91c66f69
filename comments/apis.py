"""Comment routes: the legacy ones (`/api/comentarios`, `/api/llm/analyze`) and `/api/v1/`.

Both families share the ingestion service, the selectors, the FilterSet and the serializer;
they differ only in the list envelope (legacy `{"comentarios": [...]}` with a `limit`,
v1 cursor pages).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers import ErrorSerializer
from lib.errors import LimitExceeded, ValidationFailed

from . import selectors, services
from .filters import CommentFilter
from .models import Comment, Source
from .serializers import CommentInputSerializer, CommentSerializer, ingest_response_body

LEGACY_LIMIT_MAX = 1000
EXPORT_CHUNK = 2000
# Multipart framing around the file; the file itself is checked against INGEST_MAX_FILE_BYTES.
_MULTIPART_OVERHEAD = 64 * 1024


def _refuse_body_over(request: Request, limit: int) -> None:
    """413 before reading a body whose declared length is over `limit`."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise LimitExceeded(
            _("O corpo da requisição tem %(size)d bytes; o máximo é %(max)d.")
            % {"size": declared, "max": limit}
        )


class BoundedJSONParser(JSONParser):
    """JSON bodies of at most INGEST_MAX_BODY_BYTES; a larger body is 413, never buffered."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        limit = settings.INGEST_MAX_BODY_BYTES
        _refuse_body_over(parser_context["request"], limit)
        body = stream.read(limit + 1)
        if len(body) > limit:  # no or a lying Content-Length
            raise LimitExceeded(_("O corpo da requisição excede %(max)d bytes.") % {"max": limit})
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as exc:
            # The decoder's own words (English, with a position) go in the details only.
            raise ValidationFailed(
                _("JSON malformado: o corpo não pôde ser lido como JSON."),
                details={"motivo": str(exc)},
            ) from exc


def _items_from_body(data: Any) -> list[Any]:
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return data
    raise ValidationFailed(_('O corpo deve ser um objeto {"texto": ...} ou uma lista deles.'))


_INGEST_REQUEST = PolymorphicProxySerializer(
    component_name="ComentariosEntrada",
    serializers=[CommentInputSerializer, CommentInputSerializer(many=True)],
    resource_type_field_name=None,
    many=False,
)
_INGEST_RESPONSES = {
    202: inline_serializer(
        "ComentariosRecebidos",
        {
            "mensagem": serializers.CharField(),
            "ids_enfileirados": serializers.ListField(child=serializers.UUIDField()),
            "ja_conhecidos": serializers.ListField(child=serializers.UUIDField()),
            "rejeitados": inline_serializer(
                "ItemRejeitado",
                {"indice": serializers.IntegerField(), "erro": serializers.CharField()},
                many=True,
            ),
        },
    ),
    400: ErrorSerializer,
    401: ErrorSerializer,
    413: ErrorSerializer,
    415: ErrorSerializer,
}
_INGEST_DESCRIPTION = (
    "Um objeto `{id?, texto}` ou uma lista deles (até INGEST_MAX_ITEMS). Itens inválidos são "
    "rejeitados por índice e os válidos são armazenados; ids já conhecidos não são regravados. "
    "Responde 202 logo após gravar; a classificação é feita em segundo plano."
)


class _IngestJsonMixin:
    parser_classes = (BoundedJSONParser,)

    @extend_schema(
        tags=["comentarios"],
        summary="Envia comentários para classificação",
        description=_INGEST_DESCRIPTION,
        request=_INGEST_REQUEST,
        responses=_INGEST_RESPONSES,
    )
    def post(self, request: Request) -> Response:
        result = services.comments_ingest(
            items=_items_from_body(request.data), source=Source.API, submitted_by=request.user
        )
        return Response(ingest_response_body(result), status=status.HTTP_202_ACCEPTED)


_FILTER_PARAMETERS = [
    OpenApiParameter("search", str, description="Trecho do texto (sem diferenciar maiúsculas)."),
    OpenApiParameter(
        "status", str, many=True, enum=["PENDENTE", "PROCESSANDO", "CONCLUIDO", "FALHOU"]
    ),
    OpenApiParameter(
        "category", str, many=True, enum=["ELOGIO", "CRÍTICA", "SUGESTÃO", "DÚVIDA", "SPAM"]
    ),
    OpenApiParameter("received_after", OpenApiTypes.DATETIME),
    OpenApiParameter("received_before", OpenApiTypes.DATETIME),
]


class CommentCollectionApi(_IngestJsonMixin, APIView):
    """`/api/comentarios`: legacy list (envelope, `limit`, JSON export) and ingestion."""

    @extend_schema(
        tags=["comentarios"],
        summary="Lista comentários (mais recentes primeiro)",
        description="Clientes da API veem só os comentários que enviaram; curadores veem "
        'todos. Resposta `{"comentarios": [...]}`: sem `limit`, todas as linhas do filtro '
        "(transmitidas aos poucos, como no sistema anterior); com `limit`, só as primeiras.",
        operation_id="api_comentarios_list",
        parameters=[
            *_FILTER_PARAMETERS,
            OpenApiParameter(
                "limit",
                int,
                description=f"Máximo de itens (1 a {LEGACY_LIMIT_MAX}; sem ele, todos). "
                "Ignorado com format=json.",
            ),
            OpenApiParameter(
                "format",
                str,
                enum=["json"],
                description="`json` baixa todos os comentários filtrados como o anexo "
                "`comentarios.json` (uma lista JSON, sem envelope).",
            ),
        ],
        responses={
            200: inline_serializer(
                "ListaComentarios", {"comentarios": CommentSerializer(many=True)}
            ),
            400: ErrorSerializer,
            401: ErrorSerializer,
        },
    )
    def get(self, request: Request) -> Response | StreamingHttpResponse:
        comments = selectors.comments_filtered(user=request.user, filters=request.query_params)
        if request.query_params.get("format") == "json":
            return _json_attachment(comments)
        limit = _legacy_limit(request.query_params.get("limit"))
        if limit is None:
            return _json_envelope_stream(comments)
        return Response({"comentarios": CommentSerializer(comments[:limit], many=True).data})


def _legacy_limit(raw: str | None) -> int | None:
    """The page size asked for, or None: existing clients never send `limit` and expect every
    matching row, as the old system gave them (DESIGN §6)."""
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= LEGACY_LIMIT_MAX:
        raise ValidationFailed(
            _("Parâmetros de filtro inválidos."),
            details={"limit": [_("Use um inteiro de 1 a %(max)d.") % {"max": LEGACY_LIMIT_MAX}]},
        )
    return int(raw)


def _json_attachment(comments: QuerySet[Any]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_json_array(comments), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="comentarios.json"'
    return response


def _json_envelope_stream(comments: QuerySet[Any]) -> StreamingHttpResponse:
    """`{"comentarios": [...]}` with every row, streamed like the export."""
    body = _json_array(comments, prefix='{"comentarios": ', suffix="}")
    return StreamingHttpResponse(body, content_type="application/json")


def _json_array(comments: QuerySet[Any], *, prefix: str = "", suffix: str = "") -> Iterator[str]:
    """A JSON array (between `prefix` and `suffix`), built a chunk of rows at a time, so memory
    stays constant at 1M rows."""
    to_wire = CommentSerializer().to_representation
    separator = prefix + "["
    batch: list[str] = []
    for comment in comments.iterator(chunk_size=EXPORT_CHUNK):
        batch.append(separator + json.dumps(to_wire(comment), ensure_ascii=False))
        separator = ","
        if len(batch) == EXPORT_CHUNK:
            yield "".join(batch)
            batch = []
    closing = "]" if separator == "," else separator + "]"
    yield "".join(batch) + closing + suffix


class CommentCursorPagination(CursorPagination):
    ordering = ("-received_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class CommentCollectionV1Api(_IngestJsonMixin, GenericAPIView):
    """`/api/v1/comentarios`: cursor-paginated list with filters and ordering; ingestion."""

    queryset = Comment.objects.none()  # only tells the schema generator the model
    serializer_class = CommentSerializer
    pagination_class = CommentCursorPagination
    # The selector applies CommentFilter; the backends are declared so the schema documents
    # the filters and the cursor paginator honours `?ordering=`.
    filter_backends = (DjangoFilterBackend, OrderingFilter)
    filterset_class = CommentFilter
    ordering_fields = ("received_at",)
    ordering = ("-received_at", "-id")

    @extend_schema(
        tags=["comentarios"],
        summary="Lista comentários com paginação por cursor",
        description="Mesmos filtros e visibilidade de `GET /api/comentarios`; siga `next` "
        "para a página seguinte.",
        responses={200: CommentSerializer(many=True), 400: ErrorSerializer, 401: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        comments = selectors.comments_filtered(user=request.user, filters=request.query_params)
        page = self.paginate_queryset(comments)
        return self.get_paginated_response(CommentSerializer(page, many=True).data)


class CommentDetailApi(APIView):
    """`/api/comentarios/<uuid>` and `/api/v1/comentarios/<uuid>`."""

    @extend_schema(
        tags=["comentarios"],
        summary="Um comentário pelo id",
        description="404 se o id não existe ou o comentário não é visível para quem pede.",
        parameters=[OpenApiParameter("comment_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={200: CommentSerializer, 401: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request: Request, comment_id: str) -> Response:
        comment = selectors.comment_get_visible(user=request.user, comment_id=comment_id)
        return Response(CommentSerializer(comment).data)


class CommentUploadApi(APIView):
    """`/api/llm/analyze` and `/api/v1/comentarios/upload`: a file or one text, as a form."""

    parser_classes = (MultiPartParser, FormParser)

    @extend_schema(
        tags=["comentarios"],
        summary="Envia um arquivo (.csv, .json, .xlsx) ou um texto para classificação",
        description="Multipart com `file` (CSV com coluna `texto` e `id` opcional, ou de uma só "
        "coluna sem cabeçalho, em UTF-8 ou Latin-1, separado por `;` ou `,`; JSON com uma lista "
        "de textos ou de objetos, ou um só objeto; XLSX com cabeçalho `texto` na primeira "
        "planilha) ou o campo `text`. Em CSV/XLSX, "
        "`rejeitados[].indice` é o número da linha no arquivo (o cabeçalho é a linha 1).",
        request={
            "multipart/form-data": inline_serializer(
                "EnvioArquivo",
                {
                    "file": serializers.FileField(required=False),
                    "text": serializers.CharField(required=False),
                },
            )
        },
        responses=_INGEST_RESPONSES,
    )
    def post(self, request: Request) -> Response:
        _refuse_body_over(request, settings.INGEST_MAX_FILE_BYTES + _MULTIPART_OVERHEAD)
        upload = request.FILES.get("file")
        if upload is not None:
            result = services.comments_ingest_file(
                file=upload.file,
                filename=upload.name or "",
                size=upload.size or 0,
                source=Source.UPLOAD,
                submitted_by=request.user,
            )
        elif "text" in request.data:
            result = services.comments_ingest(
                items=[{"texto": request.data["text"]}],
                source=Source.UPLOAD,
                submitted_by=request.user,
            )
        else:
            raise ValidationFailed(_("Envie um arquivo no campo 'file' ou um texto em 'text'."))
        return Response(ingest_response_body(result), status=status.HTTP_202_ACCEPTED)
