"""Reads for the curators' LLM operations page: calls per day and model, prompt versions in use,
evaluation runs with their per-class scores and confusion matrix, and the beat's schedule.

Every read is one aggregate query. The call log grows by one row per batch (thousands a day at
most), so its daily sums are computed on each visit; the prompt versions group the comment
table itself, a scan at millions of rows, and are cached for a few minutes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Aggregate, Avg, Count, FloatField, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from comments.models import Comment
from common.db import is_postgres
from insights.domain import CATEGORIES
from insights.models import CallOutcome, EvaluationRun, LLMCall

DAILY_DAYS = 30
PROMPT_VERSIONS_CACHE_KEY = "curadoria:llm:prompt-versions:v1"
PROMPT_VERSIONS_CACHE_SECONDS = 300
# A partial answer still classified most of its batch; the rest are failures of some kind.
ANSWERED = (CallOutcome.OK, CallOutcome.PARTIAL)


class Percentile(Aggregate):
    """PostgreSQL's ordered-set PERCENTILE_CONT(fraction) over one column."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: str, *, fraction: float) -> None:
        super().__init__(expression, fraction=float(fraction))


@dataclass(frozen=True)
class LlmDay:
    day: date
    model: str
    calls: int
    comments: int
    input_tokens: int
    output_tokens: int
    thinking_tokens: int
    cost_usd: Decimal
    latency_mean_ms: float
    latency_p95_ms: float | None  # None where the database has no PERCENTILE_CONT (SQLite)
    answered: int
    failed: int


def llm_calls_daily(*, days: int = DAILY_DAYS, now: datetime | None = None) -> list[LlmDay]:
    """The call log summed per local day and model over the last `days` days, newest first."""
    today = timezone.localdate(now or timezone.now())
    start = datetime.combine(
        today - timedelta(days=days - 1), datetime.min.time(), timezone.get_current_timezone()
    )
    sums: dict[str, Any] = {
        "calls": Count("id"),
        "comments": Sum("comment_count"),
        "input_tokens": Sum("input_tokens"),
        "output_tokens": Sum("output_tokens"),
        "thinking_tokens": Sum("thinking_tokens"),
        "cost_usd": Sum("cost_usd"),
        "latency_mean_ms": Avg("latency_ms"),
        "answered": Count("id", filter=Q(outcome__in=ANSWERED)),
    }
    if is_postgres():
        sums["latency_p95_ms"] = Percentile("latency_ms", fraction=0.95)
    rows = (
        LLMCall.objects.filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values("day", "model")
        .annotate(**sums)
        .order_by("-day", "model")
    )
    return [_llm_day(dict(row)) for row in rows]


def _llm_day(row: dict[str, Any]) -> LlmDay:
    row.setdefault("latency_p95_ms", None)
    return LlmDay(**row, failed=row["calls"] - row["answered"])


@dataclass(frozen=True)
class PromptVersionUse:
    backend: str
    model: str
    prompt_version: str
    comments: int
    last_classified_at: datetime | None


def prompt_versions_in_use() -> list[PromptVersionUse]:
    """Classified comments per (backend, model, prompt version), most used first; cached."""
    cached = cache.get(PROMPT_VERSIONS_CACHE_KEY)
    if cached is not None:
        return [PromptVersionUse(**row) for row in cached]
    rows = (
        Comment.objects.exclude(classifier_backend="")
        .order_by()
        .values_list("classifier_backend", "classifier_model", "prompt_version")
        .annotate(comments=Count("*"), last=Max("classified_at"))
        .order_by("-comments", "classifier_backend", "prompt_version")
    )
    uses = [PromptVersionUse(*row) for row in rows]
    cache.set(PROMPT_VERSIONS_CACHE_KEY, [asdict(u) for u in uses], PROMPT_VERSIONS_CACHE_SECONDS)
    return uses


def evaluation_runs_recent(*, limit: int = 10) -> list[EvaluationRun]:
    return list(EvaluationRun.objects.order_by("-created_at", "-id")[:limit])


@dataclass(frozen=True)
class ClassScore:
    label: str  # a category, or scikit-learn's average name ("macro avg" …)
    precision: float
    recall: float
    f1: float
    support: int | None


def evaluation_class_scores(run: EvaluationRun) -> list[ClassScore]:
    """Rows of the run's classification report: the categories first, then the averages.

    The report is stored in a jsonb column, which does not keep key order.
    """
    metrics = run.metrics if isinstance(run.metrics, dict) else {}
    report = metrics.get("report") or metrics.get("classification_report") or {}
    order = [*CATEGORIES, "macro avg", "weighted avg", "micro avg"]
    names = [name for name in order if name in report] + sorted(set(report) - set(order))
    return [
        ClassScore(
            label=name,
            precision=float(values.get("precision", 0)),
            recall=float(values.get("recall", 0)),
            f1=float(values["f1-score"]),
            support=int(values["support"]) if "support" in values else None,
        )
        for name in names
        if isinstance(values := report[name], dict) and "f1-score" in values
    ]


def evaluation_confusion(run: EvaluationRun) -> tuple[list[str], list[list[int]]]:
    """Labels and matrix (rows expected, columns predicted) from either stored shape:
    `{"labels": [...], "matrix": [[...]]}` or `{expected: {predicted: n}}`."""
    data = run.confusion_matrix
    if not isinstance(data, dict) or not data:
        return [], []
    if "labels" in data and "matrix" in data:
        return list(data["labels"]), [list(row) for row in data["matrix"]]
    labels = list(data)
    return labels, [[(data.get(row) or {}).get(col, 0) for col in labels] for row in labels]


def periodic_tasks_list() -> QuerySet[PeriodicTask]:
    """django-celery-beat's schedule as the beat reads it, with each schedule in one query."""
    return PeriodicTask.objects.select_related("interval", "crontab", "solar", "clocked").order_by(
        "-enabled", "name"
    )
