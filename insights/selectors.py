"""Reads of the classification pipeline: comments to (re)classify and the pipeline's health."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

import redis
from django.conf import settings
from django.db.models import Count, F, Min, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Comment, Status
from comments.selectors import comments_reviewed_gold
from insights.classifiers.local.corpus import CorpusItem
from insights.models import CallOutcome, LLMCall

logger = logging.getLogger(__name__)

BROKER_QUEUES = ("classify", "reports", "default")
GOLD_WRITER = "curadoria"  # the `writer` of reviewed comments used as labelled items


def reviewed_gold_items() -> list[CorpusItem]:
    """Curator-reviewed comments as labelled items (tags only when a curator set them too)."""
    return [
        CorpusItem(
            text=comment.text,
            category=str(comment.category),
            tags=tuple(ct.tag.code for ct in comment.comment_tags.all())
            if comment.tags_set_by_human
            else (),
            writer=GOLD_WRITER,
        )
        for comment in comments_reviewed_gold().iterator(chunk_size=2_000)
    ]


def comment_ids_page(
    *, status: str, since: datetime | None = None, after: object = None, limit: int
) -> list:
    """Up to `limit` ids in `status` (received since `since`), in id order, after id `after`.

    Keyset pagination: callers walk a table of any size in bounded pages, and rows that change
    status while they work do not shift the pages.
    """
    queryset = comments_in_status(status=status, since=since).order_by("id")
    if after is not None:
        queryset = queryset.filter(id__gt=after)
    return list(queryset.values_list("id", flat=True)[:limit])


def comments_in_status(*, status: str, since: datetime | None = None) -> QuerySet[Comment]:
    queryset = Comment.objects.filter(status=status)
    if since is not None:
        queryset = queryset.filter(received_at__gte=since)
    return queryset


@dataclass(frozen=True)
class PipelineHealth:
    """What an operator checks first: backlog, failures, queues and LLM spend."""

    status_counts: dict[str, int]
    oldest_pending_at: datetime | None
    needs_review: int
    failures_by_error: list[tuple[str, int]]
    llm_calls_24h: int
    llm_cost_24h: Decimal
    # None when there is no Redis broker (embedded mode) or it cannot be reached.
    queue_lengths: dict[str, int] | None


def pipeline_health(*, now: datetime | None = None) -> PipelineHealth:
    """Aggregates computed in SQL (and LLEN on the broker); cheap at millions of comments."""
    now = now or timezone.now()
    counts = dict(Comment.objects.order_by().values_list("status").annotate(total=Count("id")))
    calls = LLMCall.objects.filter(created_at__gte=now - timedelta(hours=24)).aggregate(
        total=Count("id"), cost=Sum("cost_usd")
    )
    return PipelineHealth(
        status_counts={status: counts.get(status, 0) for status in Status.values},
        oldest_pending_at=Comment.objects.filter(status=Status.PENDING).aggregate(
            oldest=Min("received_at")
        )["oldest"],
        needs_review=Comment.objects.filter(needs_review=True).count(),
        failures_by_error=failures_by_error(limit=10),
        llm_calls_24h=calls["total"],
        llm_cost_24h=calls["cost"] or Decimal(0),
        queue_lengths=broker_queue_lengths(),
    )


def failures_by_error(*, limit: int) -> list[tuple[str, int]]:
    """The most common `last_error` among FALHOU comments, with how many carry it."""
    rows = (
        Comment.objects.filter(status=Status.FAILED)
        .order_by()
        .values_list("last_error")
        # COUNT(*), not COUNT(id): comment_failed_error_idx then answers alone (index-only).
        .annotate(total=Count("*"))
        .order_by("-total", "last_error")[:limit]
    )
    return [(error, total) for error, total in rows]


def broker_queue_lengths() -> dict[str, int] | None:
    """Messages waiting in each Celery queue (Redis lists), or None without a Redis broker."""
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or not url.startswith(("redis://", "rediss://")):
        return None
    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        with client.pipeline() as pipe:
            for queue in BROKER_QUEUES:
                pipe.llen(queue)
            return dict(zip(BROKER_QUEUES, pipe.execute(), strict=True))
    except redis.RedisError:
        logger.warning("Could not read queue lengths from the broker", exc_info=True)
        return None


# Outcomes that prove the provider answered (a PARTIAL answer is still an answer).
_ANSWERED = (CallOutcome.OK, CallOutcome.PARTIAL)


def llm_provider_answering(*, since: datetime) -> bool:
    """Whether the configured classifier answered lately: its latest call since `since` was OK.

    The local backend has no provider to wait for; with Gemini and no call in the window the
    answer is unknown, which counts as no (the caller then probes with one batch).
    """
    if settings.CLASSIFIER_BACKEND != "gemini":
        return True
    latest = (
        LLMCall.objects.filter(backend="gemini", created_at__gte=since)
        .order_by("-created_at")
        .values_list("outcome", flat=True)
        .first()
    )
    return latest in _ANSWERED


class BudgetLevel(StrEnum):
    OK = "ok"
    WARNING = "warning"  # past LLM_BUDGET_WARNING_RATIO of the day's budget
    EXHAUSTED = "exhausted"  # Gemini stopped for the day; the local model classifies
    UNLIMITED = "unlimited"


@dataclass(frozen=True)
class LlmBudgetStatus:
    """Today's Gemini token spend against GEMINI_DAILY_TOKEN_BUDGET, for the dashboard alert."""

    level: BudgetLevel
    tokens_used: int
    tokens_budget: int  # 0: no budget configured
    resets_at: datetime
    message: str  # pt-BR, for the curators' dashboard ("" when there is nothing to say)

    @property
    def exhausted(self) -> bool:
        return self.level == BudgetLevel.EXHAUSTED


def llm_budget_status(*, now: datetime | None = None) -> LlmBudgetStatus:
    """Tokens Gemini used today (São Paulo midnight to midnight) and the alert level."""
    now = now or timezone.now()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    used = (
        LLMCall.objects.filter(backend="gemini", created_at__gte=day_start).aggregate(
            total=Sum(F("input_tokens") + F("output_tokens") + F("thinking_tokens"))
        )["total"]
        or 0
    )
    budget = settings.GEMINI_DAILY_TOKEN_BUDGET
    level = _budget_level(used, budget)
    return LlmBudgetStatus(
        level=level,
        tokens_used=used,
        tokens_budget=budget,
        resets_at=day_start + timedelta(days=1),
        message=_budget_message(level, used, budget),
    )


def _budget_level(used: int, budget: int) -> BudgetLevel:
    if budget <= 0:
        return BudgetLevel.UNLIMITED
    if used >= budget:
        return BudgetLevel.EXHAUSTED
    if used >= budget * settings.LLM_BUDGET_WARNING_RATIO:
        return BudgetLevel.WARNING
    return BudgetLevel.OK


def _budget_message(level: BudgetLevel, used: int, budget: int) -> str:
    # pt-BR digit grouping ("1.234.567"), whatever the process locale.
    values = {"usados": f"{used:,}".replace(",", "."), "orcamento": f"{budget:,}".replace(",", ".")}
    if level == BudgetLevel.EXHAUSTED:
        return (
            _(
                "Orçamento diário do Gemini esgotado (%(usados)s de %(orcamento)s tokens): "
                "o modelo local classifica até a meia-noite."
            )
            % values
        )
    if level == BudgetLevel.WARNING:
        return _("Orçamento diário do Gemini quase no fim: %(usados)s de %(orcamento)s tokens.") % (
            values
        )
    return ""
