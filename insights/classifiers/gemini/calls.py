"""The LLM call log: one `LLMCall` row per request to a model, with tokens, latency and cost."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError, transaction

from common.redaction import redact
from insights.models import CallOutcome, LLMCall

logger = logging.getLogger(__name__)

_MILLION = Decimal(1_000_000)
_COST_QUANTUM = Decimal("0.000001")


@dataclass(frozen=True)
class TokenUsage:
    """Token counts a model reported for one call (zeros when it reported nothing)."""

    input_tokens: int = 0
    output_tokens: int = 0
    thinking_tokens: int = 0


def _price_for(model: str) -> dict[str, float] | None:
    """The price entry for `model`, or for the longest configured name it is a version of."""
    prices = settings.GEMINI_PRICES_PER_MILLION
    if model in prices:
        return prices[model]
    # "gemini-2.5-flash-lite-preview-09-2025" is priced as "gemini-2.5-flash-lite".
    candidates = [name for name in prices if model.startswith(f"{name}-")]
    return prices[max(candidates, key=len)] if candidates else None


def llm_call_cost(*, model: str, usage: TokenUsage) -> Decimal:
    """Estimated cost in USD from the price table; thinking tokens bill as output. 0 if unknown."""
    price = _price_for(model)
    if price is None:
        logger.warning("No price configured for model %r; logging its calls at cost 0", model)
        return Decimal(0)
    input_cost = Decimal(str(price["input"])) * usage.input_tokens
    output_cost = Decimal(str(price["output"])) * (usage.output_tokens + usage.thinking_tokens)
    return ((input_cost + output_cost) / _MILLION).quantize(_COST_QUANTUM)


def llm_call_record(
    *,
    backend: str,
    model: str,
    prompt_version: str,
    comment_count: int,
    outcome: CallOutcome,
    latency_ms: int,
    usage: TokenUsage | None = None,
    model_version: str = "",
    error: str = "",
) -> LLMCall | None:
    """Store one call in the log. A database failure is logged, never raised: the call happened."""
    usage = usage or TokenUsage()
    try:
        # A savepoint when called inside a transaction, so a failed insert cannot poison it.
        with transaction.atomic():
            return LLMCall.objects.create(
                backend=backend,
                model=model[:100],
                model_version=(model_version or "")[:100],
                prompt_version=prompt_version[:50],
                comment_count=comment_count,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                thinking_tokens=usage.thinking_tokens,
                latency_ms=max(0, latency_ms),
                cost_usd=llm_call_cost(model=model, usage=usage),
                outcome=outcome,
                error=redact(error)[:2000],
            )
    except DatabaseError:
        logger.exception("Could not log a %s call to %s (%s)", backend, model, outcome)
        return None
