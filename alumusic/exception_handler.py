"""The one DRF exception handler: every API error is JSON `{"erro": ..., "detalhes": ...}`.

Django's 404/500 handlers below answer JSON too under `/api/` and `/auth/`, for requests that
never reach a DRF view (an unknown path, a trailing slash, a crash outside DRF).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from common.serializers import RejectionSerializer
from lib.errors import DomainError, TooManyRequests, ValidationFailed

security_logger = logging.getLogger("django.security")


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn domain and DRF exceptions into `{"erro": "...", "detalhes": {...}}` responses."""
    if isinstance(exc, DomainError):
        error = _error_response(exc.message, _domain_details(exc), exc.status_code)
        if exc.status_code == status.HTTP_401_UNAUTHORIZED:
            error["WWW-Authenticate"] = 'Bearer realm="api"'
        if isinstance(exc, TooManyRequests):
            error["Retry-After"] = str(exc.retry_after)
        return error
    if isinstance(exc, RequestDataTooBig):
        message = _("O corpo da requisição excede o tamanho máximo permitido.")
        return _error_response(message, None, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, TooManyFilesSent | TooManyFieldsSent):
        # Django raises these while parsing a form; unhandled they become its HTML 400.
        security_logger.warning("Refused form: %s", exc)
        message = _("O formulário tem arquivos ou campos demais.")
        return _error_response(message, None, status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        return _error_response(_("Recurso não encontrado."), None, status.HTTP_404_NOT_FOUND)
    response = exception_handler(exc, context)
    if response is None:
        return None
    message, details = _describe(exc)
    error = _error_response(message, details, response.status_code)
    for header in ("WWW-Authenticate", "Retry-After"):
        if header in response:
            error[header] = response[header]
    return error


def _domain_details(exc: DomainError) -> Any:
    if not isinstance(exc, ValidationFailed) or not exc.rejections:
        return exc.details
    rejected = RejectionSerializer(exc.rejections, many=True).data
    return {**(exc.details or {}), "rejeitados": rejected}


def _describe(exc: Exception) -> tuple[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        return _("Dados inválidos."), exc.detail
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        if isinstance(detail, dict | list):
            return str(exc.default_detail), detail
        return str(detail), None
    return str(exc), None


def _error_response(message: str, details: Any, status_code: int) -> Response:
    body: dict[str, Any] = {"erro": message}
    if details is not None:
        body["detalhes"] = details
    return Response(body, status=status_code)


_API_PREFIXES = ("/api/", "/auth/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """`handler404`: JSON under the API prefixes, the site's pt-BR page elsewhere."""
    if request.path.startswith(_API_PREFIXES):
        return _json_error(_("Recurso não encontrado."), status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """`handler400`: JSON under the API prefixes (a suspicious request outside DRF)."""
    if request.path.startswith(_API_PREFIXES):
        return _json_error(_("Requisição inválida."), status.HTTP_400_BAD_REQUEST)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """`handler403`: JSON under the API prefixes, the site's page elsewhere."""
    if request.path.startswith(_API_PREFIXES):
        return _json_error(_("Acesso negado."), status.HTTP_403_FORBIDDEN)
    return defaults.permission_denied(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: JSON under the API prefixes, the site's pt-BR page elsewhere."""
    if request.path.startswith(_API_PREFIXES):
        return _json_error(_("Erro interno do servidor."), status.HTTP_500_INTERNAL_SERVER_ERROR)
    return defaults.server_error(request)


def _json_error(message: str, status_code: int) -> JsonResponse:
    return JsonResponse(
        {"erro": message}, status=status_code, json_dumps_params={"ensure_ascii": False}
    )
