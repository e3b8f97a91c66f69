"""Spike alerts: a tag, or the share of criticism, far above its previous weeks (z-score)."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Category

from .formatting import decimal, integer, percent
from .models import AlertKind, DailyRollup, SpikeAlert
from .snapshot import tag_windows
from .weeks import iso_week_label

# (kind, subject, value, baseline, z-score, comments in the last 7 days)
Spike = tuple[str, str, float, float, float, int]
# A share's spread over a few calm weeks can be ~0; below this the z-score would explode.
SHARE_STD_FLOOR = 0.02


def zscore(current: float, baseline: list[float], *, std_floor: float) -> float:
    """How many (floored) standard deviations `current` is above the baseline's mean."""
    mean = statistics.fmean(baseline) if baseline else 0.0
    spread = statistics.pstdev(baseline) if len(baseline) > 1 else 0.0
    return (current - mean) / max(spread, std_floor)


def alerts_detect(*, today: date) -> list[SpikeAlert]:
    """Record (or refresh) this week's alerts for spiking tags and criticism share."""
    week = iso_week_label(today)
    candidates = [*_tag_spikes(today), *_criticism_spike(today)]
    now = timezone.now()
    alerts = []
    for kind, subject, value, baseline, score, count in candidates:
        alert, _created = SpikeAlert.objects.update_or_create(
            kind=kind,
            subject=subject,
            week=week,
            defaults={
                "value": value,
                "baseline": baseline,
                "zscore": round(score, 2),
                "comment_count": count,
                "updated_at": now,
            },
        )
        alerts.append(alert)
    return alerts


def _tag_spikes(today: date) -> list[Spike]:
    weeks = settings.REPORT_SPIKE_BASELINE_WEEKS
    spikes: list[Spike] = []
    for code, windows in tag_windows(today, weeks=weeks).items():
        current, baseline = windows[0], [float(n) for n in windows[1:]]
        if current < settings.REPORT_SPIKE_MIN_COUNT:
            continue
        mean = statistics.fmean(baseline)
        # Counts are roughly Poisson: their spread is at least the square root of the mean.
        score = zscore(current, baseline, std_floor=max(1.0, math.sqrt(mean)))
        if score >= settings.REPORT_SPIKE_ZSCORE:
            spikes.append((AlertKind.TAG, code, float(current), round(mean, 2), score, current))
    return spikes


def _criticism_spike(today: date) -> list[Spike]:
    weeks = settings.REPORT_SPIKE_BASELINE_WEEKS
    first = today - timedelta(days=7 * (weeks + 1) - 1)
    totals: dict[int, int] = defaultdict(int)
    criticism: dict[int, int] = defaultdict(int)
    rows = (
        DailyRollup.objects.filter(day__gte=first)
        .exclude(category="")
        .values_list("day", "category")
        .annotate(n=Sum("comment_count"))
        .order_by()
    )
    for day, category, count in rows:
        window = (today - day).days // 7
        totals[window] += count
        if category == Category.CRITICISM:
            criticism[window] += count
    if totals[0] < settings.REPORT_SPIKE_MIN_COUNT:
        return []
    shares = [criticism[w] / totals[w] for w in range(1, weeks + 1) if totals[w]]
    current = criticism[0] / totals[0]
    if not shares:
        return []
    score = zscore(current, shares, std_floor=SHARE_STD_FLOOR)
    if score < settings.REPORT_SPIKE_ZSCORE:
        return []
    baseline = round(statistics.fmean(shares), 4)
    return [(AlertKind.CRITICISM_SHARE, "", round(current, 4), baseline, score, criticism[0])]


def alert_as_wire(alert: SpikeAlert) -> dict[str, Any]:
    """An alert as the report and its JSON show it, with a sentence for people."""
    return {
        "tipo": alert.kind,
        "assunto": alert.subject,
        "semana": alert.week,
        "valor": alert.value,
        "media_anterior": alert.baseline,
        "zscore": alert.zscore,
        "comentarios": alert.comment_count,
        "detectado_em": timezone.localtime(alert.detected_at).isoformat(),
        "mensagem": alert_sentence(alert),
    }


def alert_sentence(alert: SpikeAlert) -> str:
    if alert.kind == AlertKind.CRITICISM_SHARE:
        return _(
            "As críticas somam %(now)s dos comentários dos últimos 7 dias, contra %(before)s em "
            "média nas semanas anteriores (z = %(z)s)."
        ) % {
            "now": percent(alert.value),
            "before": percent(alert.baseline),
            "z": decimal(alert.zscore, 1),
        }
    return _(
        "A tag %(tag)s apareceu em %(count)s comentários nos últimos 7 dias, contra %(before)s "
        "por semana antes (z = %(z)s)."
    ) % {
        "tag": alert.subject,
        "count": integer(alert.comment_count),
        "before": decimal(alert.baseline, 1),
        "z": decimal(alert.zscore, 1),
    }
