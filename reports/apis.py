"""Report API routes of DESIGN §6: the weekly report JSON, stakeholders and questions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from common.serializers import ErrorSerializer

from . import questions, selectors, services
from .rendering import report_json_latest
from .views import cached_response


class IsCurator(BasePermission):
    """Curators (group `curadores`) and staff; an API client gets 403."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(getattr(request.user, "is_curator", False))


_CHART = inline_serializer(
    "GraficoRelatorio",
    {"titulo": serializers.CharField(), "imagem_base64": serializers.CharField()},
    many=True,
)


class WeeklyReportApi(APIView):
    """`GET /api/relatorio/semana`: public, cached by clients, never throttled (it is cheap and
    many visitors share an IP)."""

    authentication_classes: list[type] = []
    permission_classes = (AllowAny,)
    throttle_classes: list[type] = []

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # GET answers bytes rendered once per snapshot, with no authentication, permission,
        # throttle or negotiation to run: DRF's request wrapping and response finalising cost
        # a quarter of the request (~0.1 of 0.5 ms). Other methods go through DRF (405 JSON).
        if request.method in ("GET", "HEAD"):
            return self.get(request)
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(
        tags=["relatorio"],
        summary="Relatório da semana: gráficos (PNG em base64) e números",
        description="Os gráficos e os números do retrato mais recente do relatório, gerados a "
        "cada minuto (nunca por requisição). Envia ETag e Last-Modified; responde 304 a uma "
        "requisição condicional. Antes do primeiro retrato, `graficos` vem vazio e "
        "`atualizado_em` nulo.",
        responses={
            200: inline_serializer(
                "RelatorioSemana",
                {
                    "graficos": _CHART,
                    "dados": serializers.JSONField(),
                    "atualizado_em": serializers.DateTimeField(allow_null=True),
                },
            ),
            304: None,
        },
    )
    def get(self, request: HttpRequest) -> HttpResponseBase:
        rendered = report_json_latest()
        if rendered is None:
            response = HttpResponse(
                b'{"graficos": [], "dados": {}, "atualizado_em": null}',
                content_type="application/json",
            )
            patch_cache_control(response, public=True, max_age=settings.REPORT_CACHE_SECONDS)
            return response
        return cached_response(request, rendered, "application/json")


class StakeholderSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()


_STAKEHOLDER_ERRORS = {401: ErrorSerializer, 403: ErrorSerializer}


class StakeholderCollectionApi(APIView):
    """`GET/POST /api/stakeholders` (curators and staff only: the e-mails are personal data)."""

    permission_classes = (IsAuthenticated, IsCurator)
    parser_classes = (JSONParser,)

    @extend_schema(
        tags=["stakeholders"],
        summary="Lista os destinatários do resumo semanal",
        responses={200: StakeholderSerializer(many=True), **_STAKEHOLDER_ERRORS},
    )
    def get(self, request: Request) -> Response:
        return Response(StakeholderSerializer(selectors.stakeholders_list(), many=True).data)

    @extend_schema(
        tags=["stakeholders"],
        summary="Cadastra um destinatário",
        request=inline_serializer("NovoStakeholder", {"email": serializers.EmailField()}),
        responses={
            201: StakeholderSerializer,
            400: ErrorSerializer,
            409: ErrorSerializer,
            **_STAKEHOLDER_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        stakeholder = services.stakeholder_create(email=data.get("email"))
        return Response(StakeholderSerializer(stakeholder).data, status=status.HTTP_201_CREATED)


class StakeholderDetailApi(APIView):
    """`DELETE /api/stakeholders/<uuid>`."""

    permission_classes = (IsAuthenticated, IsCurator)

    @extend_schema(
        tags=["stakeholders"],
        summary="Remove um destinatário",
        parameters=[OpenApiParameter("stakeholder_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={204: None, 404: ErrorSerializer, **_STAKEHOLDER_ERRORS},
    )
    def delete(self, request: Request, stakeholder_id: str) -> Response:
        services.stakeholder_delete(stakeholder_id=stakeholder_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QuestionRateThrottle(UserRateThrottle):
    """THROTTLE_QUESTIONS per user (a model call may stand behind each question)."""

    scope = "perguntas"

    def get_rate(self) -> str:
        return settings.THROTTLE_QUESTIONS


class QuestionApi(APIView):
    """`POST /api/insights/perguntar`: a question answered from the recent weekly summaries."""

    parser_classes = (JSONParser,)
    throttle_classes = (UserRateThrottle, QuestionRateThrottle)

    @extend_schema(
        tags=["insights"],
        summary="Pergunta sobre os resumos semanais",
        description="Responde com base nos últimos resumos semanais e nos números do relatório "
        "e diz quais semanas usou. A pergunta é tratada como dado, nunca como instrução. "
        f"Até QUESTION_MAX_LENGTH caracteres (padrão {settings.QUESTION_MAX_LENGTH}); "
        "limite de perguntas por usuário (THROTTLE_QUESTIONS).",
        request=inline_serializer("Pergunta", {"pergunta": serializers.CharField()}),
        responses={
            200: inline_serializer(
                "Resposta",
                {
                    "texto_gerado": serializers.CharField(),
                    "semanas_citadas": serializers.ListField(child=serializers.CharField()),
                },
            ),
            400: ErrorSerializer,
            401: ErrorSerializer,
            404: ErrorSerializer,
            429: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        answer = questions.question_answer(question=data.get("pergunta"))
        return Response({"texto_gerado": answer.text, "semanas_citadas": list(answer.weeks)})
