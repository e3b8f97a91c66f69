"""The dashboard's figures: a few aggregate queries, cached for DASHBOARD_CACHE_SECONDS.

No figure runs its own COUNT(*) over the table: the counts per day, status and category come
from the report's daily rollup for the days it has settled and from a range scan of the
received_at index for the recent days only, which gives both breakdowns and the 14-day trend
(and so today and this week); the small slices (review queue, failures, oldest pending) are
read through their partial indexes. All of it is cached, so every refresh of every open
dashboard within the cache window costs a single cache read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from comments.models import Category, Comment, Status
from insights.models import EvaluationRun, LLMCall
from insights.selectors import broker_queue_lengths, failures_by_error
from reports.models import DailyRollup
from reports.rollup import day_start, local_zone, recent_start
from reports.selectors import report_latest_built_at

CACHE_KEY = "curadoria:dashboard:v2"  # bump whenever Dashboard's fields change
TREND_DAYS = 14


@dataclass(frozen=True)
class Dashboard:
    computed_at: str
    status_counts: dict[str, int]
    category_counts: dict[str, int]
    total: int
    received_today: int
    received_week: int
    review_backlog: int
    failures: list[tuple[str, int]]
    queue_lengths: dict[str, int] | None
    oldest_pending_at: str | None
    llm_calls_today: int
    llm_cost_today: str
    llm_calls_month: int
    llm_cost_month: str
    latest_macro_f1: float | None
    latest_evaluation_at: str | None
    trend_days: list[str]
    trend: dict[str, list[int]]  # category -> one count per day, oldest first

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def dashboard_get(*, fresh: bool = False) -> Dashboard:
    """The cached figures (computed now if the cache is empty or `fresh`)."""
    if not fresh:
        cached = cache.get(CACHE_KEY)
        if cached is not None:
            return Dashboard(**cached)
    dashboard = dashboard_compute()
    cache.set(CACHE_KEY, dashboard.as_dict(), settings.DASHBOARD_CACHE_SECONDS)
    return dashboard


def dashboard_compute(*, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    counts = _day_counts()
    status_counts, category_counts = _breakdowns(counts)
    days, trend = _trend(today, counts)
    received = [sum(counts[i] for counts in trend.values()) for i in range(len(days))]
    calls_today, cost_today = _llm_since(_start_of(today))
    calls_month, cost_month = _llm_since(_start_of(today.replace(day=1)))
    evaluation = (
        EvaluationRun.objects.order_by("-created_at").only("macro_f1", "created_at").first()
    )
    oldest = Comment.objects.filter(status=Status.PENDING).aggregate(at=Min("received_at"))["at"]
    return Dashboard(
        computed_at=now.isoformat(),
        status_counts=status_counts,
        category_counts=category_counts,
        total=sum(status_counts.values()),
        received_today=received[-1],
        received_week=sum(received[-7:]),
        review_backlog=Comment.objects.filter(needs_review=True).count(),
        failures=failures_by_error(limit=5),
        queue_lengths=broker_queue_lengths(),
        oldest_pending_at=oldest.isoformat() if oldest else None,
        llm_calls_today=calls_today,
        llm_cost_today=str(cost_today),
        llm_calls_month=calls_month,
        llm_cost_month=str(cost_month),
        latest_macro_f1=evaluation.macro_f1 if evaluation else None,
        latest_evaluation_at=evaluation.created_at.isoformat() if evaluation else None,
        trend_days=[day.isoformat() for day in days],
        trend=trend,
    )


def _day_counts() -> list[tuple[date, str, str, int]]:
    """(day, status, category or "", comments) for every day with comments.

    Days before the rollup's recent window are read from the rollup once a build has run
    since that window began (each day is recomputed after it ends, so it is settled); the
    recent days, or every day before any such build, are counted on the comments.
    """
    recent = recent_start()
    comments = Comment.objects.order_by()
    rows: list[tuple[date, str, str, int]] = []
    built_at = report_latest_built_at()
    if built_at is not None and built_at >= day_start(recent):
        settled = (
            DailyRollup.objects.filter(day__lt=recent)
            .values_list("day", "status", "category")
            .annotate(n=Sum("comment_count"))
            .order_by()
        )
        rows += list(settled)
        comments = comments.filter(received_at__gte=day_start(recent))
    live = (
        comments.annotate(day=TruncDate("received_at", tzinfo=local_zone()))
        .values_list("day", "status", "category")
        .annotate(n=Count("*"))
    )
    return rows + [(day, status, category or "", n) for day, status, category, n in live]


def _breakdowns(
    counts: list[tuple[date, str, str, int]],
) -> tuple[dict[str, int], dict[str, int]]:
    statuses = dict.fromkeys(Status.values, 0)
    categories = dict.fromkeys(Category.values, 0)
    for _day, status, category, count in counts:
        statuses[status] = statuses.get(status, 0) + count
        if category:
            categories[category] = categories.get(category, 0) + count
    return statuses, categories


def _start_of(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), timezone.get_current_timezone())


def _trend(
    today: date, counts: list[tuple[date, str, str, int]]
) -> tuple[list[date], dict[str, list[int]]]:
    days = [today - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]
    index = {day: i for i, day in enumerate(days)}
    trend = {category: [0] * len(days) for category in Category.values}
    trend[""] = [0] * len(days)  # not classified yet
    for day, _status, category, count in counts:
        if day in index:
            trend[category][index[day]] += count
    return days, trend


def _llm_since(start: datetime) -> tuple[int, Decimal]:
    totals = LLMCall.objects.filter(created_at__gte=start).aggregate(
        n=Count("id"), cost=Sum("cost_usd")
    )
    return totals["n"], (totals["cost"] or Decimal(0)).quantize(Decimal("0.0001"))
