"""The weekly summary: the week's numbers in SQL, a text (Gemini or offline), stored, e-mailed."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, Length

from comments.models import Category, Comment, CommentTag, Status

from . import mail, selectors
from .models import SummaryBackend, SummaryDelivery, WeeklySummary
from .rollup import day_start, local_today
from .summary_offline import offline_summary
from .weeks import iso_week_label, previous_week_monday

logger = logging.getLogger(__name__)

CATEGORIES = tuple(Category.values)
BASELINE_WEEKS = 4
SAMPLE_TEXT_MAX = 280


def week_numbers(*, monday: date) -> dict[str, Any]:
    """The week's totals against the previous week, top tags and rising tags, in SQL."""
    start, end = day_start(monday), day_start(monday + timedelta(weeks=1))
    previous_start = day_start(monday - timedelta(weeks=1))
    counts = (
        Comment.objects.filter(received_at__gte=previous_start, received_at__lt=end)
        .annotate(this_week=Case(When(received_at__gte=start, then=Value(1)), default=Value(0),
                                 output_field=IntegerField()))
        .values_list("this_week", "category")
        .annotate(n=Count("id"))
        .order_by()
    )  # fmt: skip
    current: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
    previous: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
    unclassified = 0
    for this_week, category, count in counts:
        if category is None:
            unclassified += count if this_week else 0
            continue
        (current if this_week else previous)[category] += count
    total, previous_total = sum(current.values()) + unclassified, sum(previous.values())
    return {
        "semana": iso_week_label(monday),
        "inicio": monday.isoformat(),
        "fim": (monday + timedelta(days=6)).isoformat(),
        "total": total,
        "total_semana_anterior": previous_total,
        "por_categoria": current,
        "por_categoria_semana_anterior": previous,
        "nao_classificados": unclassified,
        "parcela_criticas": _share(current[Category.CRITICISM], sum(current.values())),
        "parcela_criticas_semana_anterior": _share(
            previous[Category.CRITICISM], sum(previous.values())
        ),
        **_tags(monday),
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _tags(monday: date) -> dict[str, Any]:
    first = monday - timedelta(weeks=BASELINE_WEEKS)
    rows = (
        CommentTag.objects.filter(
            comment__received_at__gte=day_start(first),
            comment__received_at__lt=day_start(monday + timedelta(weeks=1)),
        )
        .annotate(code=Coalesce("tag__merged_into__code", "tag__code"))
        .values_list("code")
        .annotate(
            this_week=Count("id", filter=Q(comment__received_at__gte=day_start(monday))),
            before=Count("id", filter=Q(comment__received_at__lt=day_start(monday))),
        )
        .order_by()
    )
    top = sorted(((code, n) for code, n, _before in rows if n), key=lambda r: (-r[1], r[0]))
    rising = []
    for code, count, before in rows:
        mean = before / BASELINE_WEEKS
        if count >= settings.REPORT_RISING_MIN_COUNT and count > mean:
            growth = round((count - mean) / mean, 4) if mean else None
            rising.append(
                {
                    "codigo": code,
                    "comentarios": count,
                    "media_semanas_anteriores": round(mean, 2),
                    "variacao": growth,
                }
            )
    rising.sort(key=lambda t: (t["variacao"] is not None, -(t["variacao"] or 0), t["codigo"]))
    return {
        "tags_mais_citadas": [{"codigo": c, "comentarios": n} for c, n in top[:5]],
        "tags_em_alta": rising[:5],
    }


def representative_comments(*, monday: date) -> dict[str, list[str]]:
    """Per category, the week's most confidently classified comments of a readable length."""
    week = Comment.objects.filter(
        received_at__gte=day_start(monday),
        received_at__lt=day_start(monday + timedelta(weeks=1)),
        status=Status.DONE,
    ).annotate(length=Length("text"))
    readable = week.filter(length__gte=15, length__lte=SAMPLE_TEXT_MAX)
    sample = settings.SUMMARY_SAMPLE_PER_CATEGORY
    return {
        category: list(
            readable.filter(category=category)
            .order_by("-confidence", "-received_at")
            .values_list("text", flat=True)[:sample]
        )
        for category in CATEGORIES
        if category != Category.SPAM  # spam is counted, never quoted
    }


def summary_compose(*, monday: date) -> WeeklySummary:
    """An unsaved summary of the week starting `monday` (Gemini if configured, else offline;
    offline too when Gemini fails, so the directors always get their e-mail)."""
    numbers = week_numbers(monday=monday)
    samples = representative_comments(monday=monday)
    summary = WeeklySummary(week=numbers["semana"], week_start=monday, numbers=numbers)
    if settings.SUMMARY_BACKEND == "gemini":
        from .summary_llm import LLMUnavailable, ReportLLM

        data = {"semana": numbers["semana"], "periodo": [numbers["inicio"], numbers["fim"]],
                "numeros": numbers, "comentarios_representativos": samples}  # fmt: skip
        try:
            reply = ReportLLM.shared().summarise(
                data, comment_count=sum(len(texts) for texts in samples.values())
            )
        except LLMUnavailable as error:
            logger.warning("Gemini summary failed, writing the offline one: %s", error)
        else:
            summary.text = str(reply.data["resumo"]).strip()
            summary.backend, summary.model = SummaryBackend.GEMINI, reply.model
            summary.prompt_version = reply.prompt_version
            return summary
    summary.text = offline_summary(numbers, samples)
    summary.backend, summary.prompt_version = SummaryBackend.OFFLINE, "offline_v1"
    return summary


def summary_build(*, monday: date) -> WeeklySummary:
    """The stored summary of the week starting `monday`, built and saved if there is none."""
    existing = selectors.summary_for_week(iso_week_label(monday))
    if existing is not None:
        return existing
    summary = summary_compose(monday=monday)
    try:
        with transaction.atomic():
            summary.save()
    except IntegrityError:  # another process stored the week first
        return WeeklySummary.objects.get(week=summary.week)
    return summary


@dataclass
class SendResult:
    summary: WeeklySummary
    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def summary_send(*, summary: WeeklySummary) -> SendResult:
    """E-mail `summary` to every active stakeholder who has not received it yet.

    The delivery row is written before the e-mail goes out and removed if sending fails, so a
    week is sent at most once per stakeholder even when two runs overlap.
    """
    result = SendResult(summary=summary)
    for stakeholder in selectors.stakeholders_receiving_summary():
        try:
            with transaction.atomic():
                SummaryDelivery.objects.create(summary=summary, stakeholder=stakeholder)
        except IntegrityError:
            result.already_sent.append(stakeholder.email)
            continue
        try:
            mail.summary_message(summary=summary, stakeholder=stakeholder).send()
        except Exception:  # SMTP raises many types; the next run retries this stakeholder
            logger.exception("Could not e-mail the %s summary to %s", summary.week, stakeholder.pk)
            SummaryDelivery.objects.filter(summary=summary, stakeholder=stakeholder).delete()
            result.failed.append(stakeholder.email)
            continue
        result.sent.append(stakeholder.email)
    return result


def summary_resend(*, summary: WeeklySummary) -> SendResult:
    """Send `summary` again to every active stakeholder (a curator's explicit choice)."""
    SummaryDelivery.objects.filter(summary=summary).delete()
    return summary_send(summary=summary)


def summary_build_and_send(*, monday: date | None = None) -> SendResult:
    """The beat task's job: last week's summary (by default), built if needed, then sent."""
    summary = summary_build(monday=monday or previous_week_monday(local_today()))
    return summary_send(summary=summary)


def summary_recipients_pending(*, week: str) -> list[str]:
    """Who would receive `week`'s summary now (for --dry-run)."""
    summary = selectors.summary_for_week(week)
    recipients = selectors.stakeholders_receiving_summary()
    if summary is not None:
        recipients = recipients.exclude(deliveries__summary=summary)
    return list(recipients.values_list("email", flat=True))
