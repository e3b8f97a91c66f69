"""Reads of the classification pipeline: comments to (re)classify and the pipeline's health."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import redis
from django.conf import settings
from django.db.models import Count, Min, QuerySet, Sum
from django.utils import timezone

from comments.models import Comment, Status
from comments.selectors import comments_reviewed_gold
from insights.classifiers.local.corpus import CorpusItem
from insights.models import LLMCall

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
        .annotate(total=Count("id"))
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
