"""The snapshot's numbers (`dados`), aggregated in SQL from the daily rollup.

Only the last 48 hours of tags are counted on the comments themselves: that window slides by
the minute, and the time index bounds it to two days of rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from comments.models import Category, CommentTag, Status
from common.db import is_postgres

from .models import DailyRollup, DailyTagRollup
from .rollup import (
    NO_CONFIDENCE,
    RecentTagCounts,
    canonical_tag_codes,
    local_today,
    tag_counts_recent,
)
from .weeks import iso_week_label, week_monday

CATEGORIES = tuple(Category.values)
DAILY_DAYS = 14
WEEKS = 8
RISING_BASELINE_WEEKS = 4
BUCKETS = 10


def payload_build(*, now: datetime, recent: RecentTagCounts | None = None) -> dict[str, Any]:
    """Every number the report shows, as plain JSON data (`recent`: the last 48 hours' tag
    counts when the caller already has them)."""
    today = local_today()
    weekly = _weekly_volume(today)
    return {
        **_totals(),
        "volume_diario": _daily_volume(today),
        "volume_semanal": weekly,
        "tags_48h": _top_tags_since(now - timedelta(hours=48), recent),
        "tags_7d": _top_tags_rollup(today - timedelta(days=6)),
        "tags_em_alta": rising_tags(today),
        "elogio_critica": _praise_criticism(weekly),
        **_confidence(),
    }


def _totals() -> dict[str, Any]:
    by_category = dict(
        DailyRollup.objects.values_list("category").annotate(n=Sum("comment_count")).order_by()
    )
    by_status = dict(
        DailyRollup.objects.values_list("status").annotate(n=Sum("comment_count")).order_by()
    )
    review = DailyRollup.objects.aggregate(n=Coalesce(Sum("review_count"), 0))["n"]
    return {
        "total_comentarios": sum(by_status.values()),
        "por_categoria": {category: by_category.get(category, 0) for category in CATEGORIES},
        "nao_classificados": by_category.get("", 0),
        "por_status": {status: by_status.get(status, 0) for status in Status.values},
        "revisao_pendente": review,
    }


def _daily_volume(today: date) -> dict[str, Any]:
    first = today - timedelta(days=DAILY_DAYS - 1)
    rows = (
        DailyRollup.objects.filter(day__gte=first)
        .values_list("day", "category")
        .annotate(n=Sum("comment_count"))
        .order_by()
    )
    days = [first + timedelta(days=offset) for offset in range(DAILY_DAYS)]
    series = {category: [0] * DAILY_DAYS for category in CATEGORIES}
    for day, category, count in rows:
        if category in series:
            series[category][(day - first).days] = count
    return {"dias": [day.isoformat() for day in days], "series": series}


def _weekly_volume(today: date) -> dict[str, Any]:
    first = week_monday(today) - timedelta(weeks=WEEKS - 1)
    rows = (
        DailyRollup.objects.filter(day__gte=first)
        .values_list("day", "category")
        .annotate(n=Sum("comment_count"))
        .order_by()
    )
    mondays = [first + timedelta(weeks=offset) for offset in range(WEEKS)]
    series = {category: [0] * WEEKS for category in CATEGORIES}
    for day, category, count in rows:
        if category in series:
            series[category][(day - first).days // 7] += count
    return {
        "semanas": [iso_week_label(monday) for monday in mondays],
        "inicio": [monday.isoformat() for monday in mondays],
        "series": series,
    }


def _top_tags_since(since: datetime, recent: RecentTagCounts | None) -> list[dict[str, Any]]:
    codes = canonical_tag_codes()
    counts: dict[str, int] = defaultdict(int)
    if recent is not None:
        rows = recent.window
    elif is_postgres():
        rows = [
            (tag_id, n) for _day, tag_id, _category, n in tag_counts_recent(since, by_day=False)
        ]
    else:
        rows = list(
            CommentTag.objects.filter(comment__received_at__gte=since)
            .values_list("tag_id")
            .annotate(n=Count("id"))
            .order_by()
        )
    for tag_id, count in rows:
        counts[codes.get(tag_id, "")] += count
    counts.pop("", None)
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: settings.REPORT_TOP_TAGS]
    return [{"codigo": code, "comentarios": count} for code, count in top]


def _top_tags_rollup(first: date) -> list[dict[str, Any]]:
    rows = (
        DailyTagRollup.objects.filter(day__gte=first)
        .values_list("tag_code")
        .annotate(n=Sum("comment_count"))
        .order_by("-n", "tag_code")[: settings.REPORT_TOP_TAGS]
    )
    return [{"codigo": code, "comentarios": count} for code, count in rows]


def tag_windows(today: date, *, weeks: int, category: str | None = None) -> dict[str, list[int]]:
    """Per tag, its count in the last 7 days and in each of the `weeks` 7-day windows before
    (index 0 = the last 7 days)."""
    first = today - timedelta(days=7 * (weeks + 1) - 1)
    rows = DailyTagRollup.objects.filter(day__gte=first)
    if category is not None:
        rows = rows.filter(category=category)
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * (weeks + 1))
    for day, code, count in (
        rows.values_list("day", "tag_code").annotate(n=Sum("comment_count")).order_by()
    ):
        counts[code][(today - day).days // 7] += count
    return dict(counts)


def rising_tags(today: date) -> list[dict[str, Any]]:
    """Tags whose last 7 days beat the mean of the four weeks before, with a minimum volume."""
    rising: list[dict[str, Any]] = []
    for code, windows in tag_windows(today, weeks=RISING_BASELINE_WEEKS).items():
        current, previous = windows[0], windows[1:]
        mean = sum(previous) / len(previous)
        if current < settings.REPORT_RISING_MIN_COUNT or current <= mean:
            continue
        growth = (current - mean) / mean if mean else None
        rising.append(
            {
                "codigo": code,
                "ultimos_7_dias": current,
                "media_semanas_anteriores": round(mean, 2),
                "variacao": round(growth, 4) if growth is not None else None,
            }
        )
    # New tags (no baseline) first, then by growth, then by volume.
    rising.sort(
        key=lambda t: (t["variacao"] is not None, -(t["variacao"] or 0), -t["ultimos_7_dias"])
    )
    return rising[: settings.REPORT_TOP_TAGS]


def _praise_criticism(weekly: dict[str, Any]) -> dict[str, Any]:
    praise_by_week = weekly["series"][Category.PRAISE]
    criticism_by_week = weekly["series"][Category.CRITICISM]
    trend = [
        {
            "semana": label,
            "elogios": praise,
            "criticas": criticism,
            "parcela_elogio": _share(praise, praise + criticism),
        }
        for label, praise, criticism in zip(
            weekly["semanas"], praise_by_week, criticism_by_week, strict=True
        )
    ]
    praise, criticism = sum(praise_by_week), sum(criticism_by_week)
    return {
        "elogios": praise,
        "criticas": criticism,
        "razao": round(praise / criticism, 4) if criticism else None,
        "parcela_elogio": _share(praise, praise + criticism),
        "tendencia": trend,
        "direcao": _direction([week["parcela_elogio"] for week in trend]),
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _direction(shares: list[float | None]) -> str:
    """ "subindo", "caindo" or "estavel": the last two complete-enough weeks compared."""
    known = [share for share in shares if share is not None]
    if len(known) < 2:
        return "estavel"
    delta = known[-1] - known[-2]
    if abs(delta) < 0.02:
        return "estavel"
    return "subindo" if delta > 0 else "caindo"


def _confidence() -> dict[str, Any]:
    rows = (
        DailyRollup.objects.exclude(confidence_bucket=NO_CONFIDENCE)
        .values_list("category", "confidence_bucket")
        .annotate(n=Sum("comment_count"), total=Sum("confidence_sum"))
        .order_by()
    )
    histogram = {category: [0] * BUCKETS for category in CATEGORIES}
    sums: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for category, bucket, count, total in rows:
        if category in histogram:
            histogram[category][bucket] += count
            sums[category] += total
            counts[category] += count
    return {
        "confianca_media": {
            category: round(sums[category] / counts[category], 4) if counts[category] else None
            for category in CATEGORIES
        },
        "distribuicao_confianca": {
            "faixas": [
                f"{b / 10:.1f}–{(b + 1) / 10:.1f}".replace(".", ",") for b in range(BUCKETS)
            ],
            "geral": [sum(histogram[c][b] for c in CATEGORIES) for b in range(BUCKETS)],
            "por_categoria": histogram,
        },
    }
