"""The dashboard's page context and JSON: figures from the selector, formatted for pt-BR."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.timesince import timesince
from django.utils.translation import gettext

from comments.formatting import CATEGORY_CLASSES, percent
from comments.models import Category, Status
from reports.dashboard.alerts import dashboard_alerts_get
from reports.dashboard.charts import CATEGORY_COLOURS, sparkline
from reports.dashboard.selectors import Dashboard, dashboard_get


def _n(value: int) -> str:
    return number_format(value, force_grouping=True)


def _usd(value: str) -> str:
    return "US$ " + number_format(Decimal(value), 4, force_grouping=True)


def dashboard_context() -> dict[str, Any]:
    """Everything the dashboard template and its JSON refresh show."""
    data = dashboard_get()
    return {
        "figures": _figures(data),
        "statuses": _statuses(data),
        "categories": _categories(data),
        "failures": [{"error": error, "count": _n(count)} for error, count in data.failures],
        "alerts": dashboard_alerts_get(),
        "updated_at": date_format(
            timezone.localtime(datetime.fromisoformat(data.computed_at)), "H:i:s"
        ),
        "refresh_seconds": settings.DASHBOARD_REFRESH_SECONDS,
    }


def _list_url(**params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("admin:comments_comment_changelist") + (f"?{query}" if query else "")


def _figures(data: Dashboard) -> list[dict[str, Any]]:
    today = timezone.localdate().isoformat()
    week_start = (timezone.localdate() - timedelta(days=6)).isoformat()
    queue = data.queue_lengths.get("classify") if data.queue_lengths else None
    oldest = datetime.fromisoformat(data.oldest_pending_at) if data.oldest_pending_at else None
    return [
        {
            "key": "total",
            "label": gettext("comentários no total"),
            "value": _n(data.total),
            "url": _list_url(),
        },
        {
            "key": "today",
            "label": gettext("recebidos hoje"),
            "value": _n(data.received_today),
            "url": _list_url(recebido_de=today),
        },
        {
            "key": "week",
            "label": gettext("recebidos nos últimos 7 dias"),
            "value": _n(data.received_week),
            "url": _list_url(recebido_de=week_start),
        },
        {
            "key": "review",
            "label": gettext("esperando revisão"),
            "value": _n(data.review_backlog),
            "url": reverse("admin:comments_reviewqueuecomment_changelist"),
        },
        {
            "key": "failed",
            "label": gettext("falharam"),
            "value": _n(data.status_counts.get(Status.FAILED, 0)),
            "url": _list_url(status__exact=Status.FAILED),
        },
        {
            "key": "queue",
            "label": gettext("na fila de classificação"),
            "value": "—" if queue is None else _n(queue),
            "hint": "" if queue is not None else gettext("sem broker Redis (modo embutido)"),
            "url": _list_url(status__exact=Status.PENDING),
        },
        {
            "key": "oldest",
            "label": gettext("pendente mais antigo"),
            "value": timesince(oldest) if oldest else gettext("nenhum"),
            "url": _list_url(status__exact=Status.PENDING),
        },
        {
            "key": "llm_today",
            "label": gettext("chamadas ao LLM hoje"),
            "value": _n(data.llm_calls_today),
            "hint": _usd(data.llm_cost_today),
            "url": reverse("admin:insights_llmcall_operations"),
        },
        {
            "key": "llm_month",
            "label": gettext("chamadas ao LLM no mês"),
            "value": _n(data.llm_calls_month),
            "hint": _usd(data.llm_cost_month),
            "url": reverse("admin:insights_llmcall_operations"),
        },
        {
            "key": "f1",
            "label": gettext("F1 macro da última avaliação"),
            "value": percent(data.latest_macro_f1, 1),
            "hint": "" if data.latest_macro_f1 is not None else gettext("rode manage.py evaluate"),
            "url": reverse("admin:insights_evaluationrun_changelist"),
        },
    ]


def _statuses(data: Dashboard) -> list[dict[str, Any]]:
    return [
        {
            "key": f"status-{status.value}",
            "label": status.label,
            "value": _n(data.status_counts.get(status.value, 0)),
            "url": _list_url(status__exact=status.value),
            "css": status.value,
        }
        for status in Status
    ]


def _categories(data: Dashboard) -> list[dict[str, Any]]:
    days = data.trend_days
    span = ""
    if days:
        first, last = (date_format(datetime.fromisoformat(d), "d/m") for d in (days[0], days[-1]))
        span = gettext("de %(a)s a %(b)s") % {"a": first, "b": last}
    rows = []
    for category in Category:
        values = data.trend.get(category.value, [])
        label = gettext("%(c)s por dia, %(span)s") % {"c": category.label, "span": span}
        rows.append(
            {
                "key": f"category-{category.value}",
                "label": category.label,
                "value": _n(data.category_counts.get(category.value, 0)),
                "url": _list_url(category__exact=category.value),
                "css": CATEGORY_CLASSES[category.value],
                "chart": sparkline(values, colour=CATEGORY_COLOURS[category.value], label=label),
                "last_day": _n(values[-1]) if values else "0",
            }
        )
    return rows


def dashboard_json() -> dict[str, Any]:
    """The refresh payload: {key: text} for every figure, and the charts as SVG markup."""
    context = dashboard_context()
    values = {
        item["key"]: item["value"]
        for group in ("figures", "statuses", "categories")
        for item in context[group]
    }
    charts = {item["key"]: str(item["chart"]) for item in context["categories"]}
    alerts = context["alerts"]
    return {
        "atualizado_em": context["updated_at"],
        "valores": values,
        "graficos": charts,
        "alertas": alerts.as_dict(),
        # The strip as the page renders it, so the refresh needs no template of its own.
        "alertas_html": render_to_string("admin/dashboard/alerts.html", {"alerts": alerts}),
    }
