"""Comment routes: the legacy ones (`/api/comentarios`, `/api/llm/analyze`) and `/api/v1/`.

Both families share the ingestion service, the selectors, the FilterSet and the serializer;
they differ only in the list envelope (legacy `{"comentarios": [...]}` with a `limit`,
v1 cursor pages). The OpenAPI declarations live in `comments.schema`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import request_user
from comments import selectors, services
from comments.exports import comments_json_attachment, comments_json_envelope
from comments.filters import CommentFilter
from comments.ingestion.files import comments_ingest_file
from comments.models import Comment, Source
from comments.schema import (
    FILTER_PARAMETERS,
    INGEST_DESCRIPTION,
    INGEST_REQUEST,
    INGEST_RESPONSES,
)
from comments.serializers import CommentSerializer, ingest_response_body
from common.pagination import NewestFirstCursorPagination
from common.parsers import IngestJSONParser, refuse_body_over
from common.serializers import ErrorSerializer
from lib.errors import ValidationFailed

LEGACY_LIMIT_MAX = 1000
# Multipart framing around the file; the file itself is checked against INGEST_MAX_FILE_BYTES.
_MULTIPART_OVERHEAD = 64 * 1024


def _items_from_body(data: Any) -> list[Any]:
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return data
    raise ValidationFailed(_('O corpo deve ser um objeto {"texto": ...} ou uma lista deles.'))


class _IngestJsonMixin:
    parser_classes: Sequence[type[BaseParser]] = (IngestJSONParser,)

    @extend_schema(
        tags=["comentarios"],
        summary="Envia comentários para classificação",
        description=INGEST_DESCRIPTION,
        request=INGEST_REQUEST,
        responses=INGEST_RESPONSES,
    )
    def post(self, request: Request) -> Response:
        result = services.comments_ingest(
            items=_items_from_body(request.data),
            source=Source.API,
            submitted_by=request_user(request),
            enforce_quota=True,
        )
        return Response(ingest_response_body(result), status=status.HTTP_202_ACCEPTED)


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
            *FILTER_PARAMETERS,
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
        comments = selectors.comments_filtered(
            user=request_user(request), filters=request.query_params
        )
        if request.query_params.get("format") == "json":
            return comments_json_attachment(comments)
        limit = _legacy_limit(request.query_params.get("limit"))
        if limit is None:
            return comments_json_envelope(comments)
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


class CommentCollectionV1Api(_IngestJsonMixin, GenericAPIView):
    """`/api/v1/comentarios`: cursor-paginated list with filters and ordering; ingestion."""

    queryset = Comment.objects.none()  # only tells the schema generator the model
    serializer_class = CommentSerializer
    pagination_class = NewestFirstCursorPagination
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
        comments = selectors.comments_filtered(
            user=request_user(request), filters=request.query_params
        )
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
        comment = selectors.comment_get_visible(user=request_user(request), comment_id=comment_id)
        return Response(CommentSerializer(comment).data)


class CommentUploadApi(APIView):
    """`/api/llm/analyze` and `/api/v1/comentarios/upload`: a file or one text, as a form."""

    parser_classes = (MultiPartParser, FormParser)

    @extend_schema(
        tags=["comentarios"],
        summary="Envia um arquivo (.csv, .json, .xlsx) ou um texto para classificação",
        description="Multipart com `file` (CSV com coluna `texto` e `id` opcional, ou de uma só "
        "coluna sem cabeçalho, em UTF-8 ou Windows-1252, separado por `;` ou `,`; JSON com uma "
        "lista de textos ou de objetos, ou um só objeto; XLSX com cabeçalho `texto` na primeira "
        "planilha) ou o campo `text`, não os dois. Em CSV/XLSX, "
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
        responses=INGEST_RESPONSES,
    )
    def post(self, request: Request) -> Response:
        refuse_body_over(request, settings.INGEST_MAX_FILE_BYTES + _MULTIPART_OVERHEAD)
        upload = request.FILES.get("file")
        if upload is not None and "text" in request.data:
            # Silently dropping one of the two would store less than the client meant.
            raise ValidationFailed(_("Envie um arquivo ('file') ou um texto ('text'), não ambos."))
        if upload is not None:
            result = comments_ingest_file(
                file=upload.file,
                filename=upload.name or "",
                size=upload.size or 0,
                source=Source.UPLOAD,
                submitted_by=request_user(request),
                enforce_quota=True,
            )
        elif "text" in request.data:
            form: Any = request.data  # a QueryDict: this view parses forms only
            result = services.comments_ingest(
                items=[{"texto": form["text"]}],
                source=Source.UPLOAD,
                submitted_by=request_user(request),
                enforce_quota=True,
            )
        else:
            raise ValidationFailed(_("Envie um arquivo no campo 'file' ou um texto em 'text'."))
        return Response(ingest_response_body(result), status=status.HTTP_202_ACCEPTED)
