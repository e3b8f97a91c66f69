"""How the Gemini SDK's exceptions map to `BackendError(retryable, retry_after)` and an outcome.

Facts from google-genai 3.6 (see /work/shared/GEMINI.md): 4xx are `ClientError`, 5xx
`ServerError`, both `APIError` whose `.details` is the whole JSON error body; a timeout is the
HTTP client's own exception (httpx2 in 3.6); a 200 whose body is not JSON is a bare
`json.JSONDecodeError`.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from django.utils.translation import gettext as _
from google.genai import errors as genai_errors

from common.redaction import redact
from insights.domain import BackendError
from insights.models import CallOutcome


def _transport_errors() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """(timeouts, other transport errors) of the HTTP client the SDK uses: httpx2 in 3.6, httpx
    before. `except httpx.TimeoutException` does not catch httpx2's, so both are looked up."""
    timeouts: list[type[Exception]] = []
    transport: list[type[Exception]] = []
    for name in ("httpx2", "httpx"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        timeouts.append(module.TimeoutException)
        transport.append(module.TransportError)
    return tuple(timeouts), tuple(transport)


TIMEOUT_ERRORS, TRANSPORT_ERRORS = _transport_errors()


def backend_error_for(error: Exception) -> tuple[CallOutcome, BackendError] | None:
    """The outcome and BackendError for an exception the SDK raised; None if not ours to map."""
    if isinstance(error, genai_errors.APIError):
        return _api_error(error)
    if isinstance(error, TIMEOUT_ERRORS):
        message = _("tempo esgotado esperando o Gemini (%s)") % type(error).__name__
        return CallOutcome.TIMEOUT, BackendError(message, retryable=True)
    if isinstance(error, TRANSPORT_ERRORS):
        message = _("falha de conexão com o Gemini: %s") % redact(str(error))
        return CallOutcome.SERVER_ERROR, BackendError(message, retryable=True)
    if isinstance(error, json.JSONDecodeError | genai_errors.UnknownApiResponseError):
        # The SDK raises a bare JSONDecodeError when a 200's body is not JSON.
        message = _("resposta do Gemini não é JSON: %s") % redact(str(error))
        return CallOutcome.INVALID_OUTPUT, BackendError(message, retryable=True)
    return None


def _api_error(error: genai_errors.APIError) -> tuple[CallOutcome, BackendError]:
    code = error.code or 0
    # The provider may echo the request, API key included (issue 11): redacted at the source.
    message = redact(str(error.message or ""))[:300]
    summary = f"Gemini {code} {error.status or ''}: {message}".strip()
    retry_after = _retry_delay(error)
    if code == 429:
        return CallOutcome.RATE_LIMITED, BackendError(
            summary, retryable=True, retry_after=retry_after
        )
    if code >= 500 or code == 408:
        return CallOutcome.SERVER_ERROR, BackendError(
            summary, retryable=True, retry_after=retry_after
        )
    reason = _error_info_reason(error)
    if reason:
        summary = f"{summary} ({reason})"
    return CallOutcome.CLIENT_ERROR, BackendError(summary, retryable=False)


def _error_details(error: genai_errors.APIError) -> list[dict[str, Any]]:
    """The `error.details` list of the JSON error body (APIError.details holds the whole body)."""
    body = error.details if isinstance(error.details, dict) else {}
    inner = body.get("error", body)
    details = inner.get("details") if isinstance(inner, dict) else None
    return [entry for entry in details or [] if isinstance(entry, dict)]


def _retry_delay(error: genai_errors.APIError) -> float | None:
    """Seconds from the RetryInfo detail ("7s"), else from a Retry-After header."""
    for entry in _error_details(error):
        if str(entry.get("@type", "")).endswith("RetryInfo"):
            return _duration_seconds(entry.get("retryDelay"))
    headers = getattr(error.response, "headers", None) or {}
    return _duration_seconds(headers.get("retry-after"))


def _duration_seconds(value: object) -> float | None:
    """A protobuf Duration as JSON ("1.5s") or a plain number of seconds."""
    if isinstance(value, dict):
        return float(value.get("seconds", 0)) + float(value.get("nanos", 0)) / 1e9
    try:
        return max(0.0, float(str(value).strip().removesuffix("s")))
    except ValueError:
        return None


def _error_info_reason(error: genai_errors.APIError) -> str:
    for entry in _error_details(error):
        if str(entry.get("@type", "")).endswith("ErrorInfo") and entry.get("reason"):
            return str(entry["reason"])
    return ""
