"""The "Operações do LLM" admin page: the selectors of insights.operations, formatted for pt-BR.

Served by the LLM call admin (`get_urls`, wrapped in `admin_site.admin_view`), so it has the
admin's login, permissions, header and breadcrumbs like any other admin page.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.formatting import local_datetime
from insights.operations import (
    LlmDay,
    PromptVersionUse,
    evaluation_class_scores,
    evaluation_confusion,
    evaluation_runs_recent,
    llm_calls_daily,
    periodic_tasks_list,
    prompt_versions_in_use,
)

if TYPE_CHECKING:
    from django_celery_beat.models import PeriodicTask

    from insights.models import EvaluationRun

# scikit-learn names its average rows in English; curators read pt-BR.
AVERAGE_NAMES = {
    "macro avg": gettext_lazy("média macro"),
    "weighted avg": gettext_lazy("média ponderada"),
    "micro avg": gettext_lazy("média micro"),
}


def n(value: int | None) -> str:
    return "—" if value is None else number_format(value, force_grouping=True)


def usd(value: Decimal | None) -> str:
    return "US$ " + number_format(value or Decimal(0), 4, force_grouping=True)


def seconds(milliseconds: float | None) -> str:
    return "—" if milliseconds is None else number_format(milliseconds / 1000, 2) + " s"


def percent(fraction: float) -> str:
    return number_format(100 * fraction, 1) + " %"


def score(value: float) -> str:
    return number_format(value, 3)


def llm_operations_view(model_admin: ModelAdmin, request: HttpRequest) -> TemplateResponse:
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    runs = evaluation_runs_recent()
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Operações do LLM"),
        "days": [_day_row(day) for day in llm_calls_daily()],
        "days_empty": no_calls_message(),
        "prompt_versions": _prompt_rows(prompt_versions_in_use()),
        "runs": [_run_row(run) for run in runs],
        "latest_run": _run_detail(runs[0]) if runs else None,
        "periodic_tasks": [_task_row(task) for task in periodic_tasks_list()],
        "can_manage_schedule": request.user.is_superuser,
    }
    return TemplateResponse(request, "admin/insights/llmcall/operations.html", context)


def no_calls_message() -> str:
    if settings.CLASSIFIER_BACKEND != "gemini":
        return _(
            "Nenhuma chamada ao Gemini: o backend local está em uso (sem GOOGLE_API_KEY), e ele "
            "classifica sem chamar nenhum LLM. Com GOOGLE_API_KEY (ou CLASSIFIER_BACKEND=gemini) "
            "configurada, cada lote enviado ao Gemini aparece aqui, somado por dia e modelo."
        )
    return _(
        "Nenhuma chamada ao Gemini nos últimos 30 dias: nenhum comentário chegou para "
        "classificar. Cada lote enviado ao Gemini (pela API, por importação ou por "
        "manage.py classify) aparece aqui, somado por dia e modelo."
    )


def _day_row(day: LlmDay) -> dict[str, str]:
    return {
        "day": date_format(day.day, "d/m/Y"),
        "model": day.model,
        "calls": n(day.calls),
        "comments": n(day.comments),
        "input_tokens": n(day.input_tokens),
        "output_tokens": n(day.output_tokens + day.thinking_tokens),
        "cost": usd(day.cost_usd),
        "latency_mean": seconds(day.latency_mean_ms),
        "latency_p95": seconds(day.latency_p95_ms),
        "answered": n(day.answered),
        "failed": n(day.failed),
        "failed_css": "num failed" if day.failed else "num",
    }


def _prompt_rows(uses: list[PromptVersionUse]) -> list[dict[str, Any]]:
    # The configured backend's most recent version is the one classifying new comments now.
    current = max(
        (u for u in uses if u.backend == settings.CLASSIFIER_BACKEND and u.last_classified_at),
        key=lambda u: u.last_classified_at,  # type: ignore[arg-type, return-value]
        default=None,
    )
    return [
        {
            "backend": _("Gemini") if use.backend == "gemini" else _("modelo local"),
            "model": use.model or "—",
            "prompt_version": use.prompt_version or "—",
            "comments": n(use.comments),
            "last": local_datetime(use.last_classified_at),
            "current": use == current,
        }
        for use in uses
    ]


def _run_row(run: EvaluationRun) -> dict[str, str]:
    return {
        "when": local_datetime(run.created_at),
        "url": reverse("admin:insights_evaluationrun_change", args=[run.pk]),
        "dataset": run.dataset,
        "backend": run.backend,
        "model": run.model or "—",
        "items": n(run.item_count),
        "accuracy": percent(run.accuracy),
        "macro_f1": percent(run.macro_f1),
    }


def _run_detail(run: EvaluationRun) -> dict[str, Any]:
    labels, matrix = evaluation_confusion(run)
    return {
        **_run_row(run),
        "scores": [
            {
                "label": str(AVERAGE_NAMES.get(row.label, row.label)),
                "is_average": row.label in AVERAGE_NAMES,
                "precision": score(row.precision),
                "recall": score(row.recall),
                "f1": score(row.f1),
                "support": n(row.support),
            }
            for row in evaluation_class_scores(run)
        ],
        "labels": labels,
        "matrix": [
            {"label": label, "cells": [_cell(i, j, value) for j, value in enumerate(row)]}
            for i, (label, row) in enumerate(zip(labels, matrix, strict=False))
        ],
    }


def _cell(row: int, column: int, value: int) -> dict[str, Any]:
    css = "hit" if row == column else ("miss" if value else "")
    return {"value": n(value), "css": css}


_PERIODS = {
    "days": (gettext_lazy("dia"), gettext_lazy("dias")),
    "hours": (gettext_lazy("hora"), gettext_lazy("horas")),
    "minutes": (gettext_lazy("minuto"), gettext_lazy("minutos")),
    "seconds": (gettext_lazy("segundo"), gettext_lazy("segundos")),
    "microseconds": (gettext_lazy("microssegundo"), gettext_lazy("microssegundos")),
}


def schedule_text(task: PeriodicTask) -> str:
    """The task's schedule in pt-BR (django-celery-beat's own texts are English)."""
    if task.interval:
        singular, plural = _PERIODS.get(task.interval.period, (task.interval.period,) * 2)
        unit = singular if task.interval.every == 1 else plural
        return _("a cada %(n)s %(unit)s") % {"n": n(task.interval.every), "unit": str(unit)}
    if task.crontab:
        cron = task.crontab
        fields = " ".join(
            (cron.minute, cron.hour, cron.day_of_month, cron.month_of_year, cron.day_of_week)
        )
        return _("cron %(fields)s (%(tz)s)") % {"fields": fields, "tz": cron.timezone}
    if task.clocked:
        return _("uma vez, em %(when)s") % {"when": local_datetime(task.clocked.clocked_time)}
    if task.solar:
        return _("evento solar: %(event)s") % {"event": task.solar.get_event_display()}
    return "—"


def _task_row(task: PeriodicTask) -> dict[str, Any]:
    return {
        "name": task.name,
        "task": task.task,
        "schedule": schedule_text(task),
        "enabled": task.enabled,
        "last_run": local_datetime(task.last_run_at),
        "runs": n(task.total_run_count),
        "description": task.description,
    }
