"""The dashboard's alert strip: the Gemini token budget of the day and the active spike alerts.

Kept apart from the cached figures (selectors.py): both reads are small (today's LLM calls
through their created_at index, the alerts of the last days through theirs), and an alert
that fires should reach an open dashboard at its next refresh, cached only briefly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from insights.selectors import BudgetLevel, LlmBudgetStatus, llm_budget_status
from reports.selectors import alerts_active

CACHE_KEY = "curadoria:dashboard:alerts:v1"
MAX_SPIKES = 5


@dataclass(frozen=True)
class BudgetLine:
    level: str  # BudgetLevel value, also the CSS class
    text: str  # pt-BR, always something to read
    used_percent: int | None  # None without a budget
    url: str


@dataclass(frozen=True)
class SpikeLine:
    subject: str
    text: str
    url: str


@dataclass(frozen=True)
class DashboardAlerts:
    budget: BudgetLine
    spikes: list[SpikeLine]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def dashboard_alerts_get() -> DashboardAlerts:
    """The alert strip, cached for DASHBOARD_CACHE_SECONDS like the figures."""
    cached = cache.get(CACHE_KEY)
    if cached is not None:
        return DashboardAlerts(
            budget=BudgetLine(**cached["budget"]),
            spikes=[SpikeLine(**spike) for spike in cached["spikes"]],
        )
    alerts = DashboardAlerts(budget=_budget_line(llm_budget_status()), spikes=_spike_lines())
    cache.set(CACHE_KEY, alerts.as_dict(), settings.DASHBOARD_CACHE_SECONDS)
    return alerts


def _n(value: int) -> str:
    return number_format(value, force_grouping=True)


def _budget_line(status: LlmBudgetStatus) -> BudgetLine:
    url = reverse("admin:insights_llmcall_operations")
    if status.level == BudgetLevel.UNLIMITED:
        text = _("Sem orçamento diário de tokens do Gemini configurado: %(n)s tokens usados hoje.")
        return BudgetLine(status.level, text % {"n": _n(status.tokens_used)}, None, url)
    percent = min(100, round(100 * status.tokens_used / status.tokens_budget))
    text = status.message or _(
        "Orçamento diário do Gemini: %(usados)s de %(orcamento)s tokens usados hoje (%(p)s %%)."
    ) % {"usados": _n(status.tokens_used), "orcamento": _n(status.tokens_budget), "p": percent}
    return BudgetLine(status.level, text, percent, url)


def _spike_lines() -> list[SpikeLine]:
    lines = []
    for alert in alerts_active()[:MAX_SPIKES]:
        subject = alert.subject or alert.get_kind_display()
        text = _("%(n)s comentários nos últimos 7 dias, %(z)s desvios acima do normal") % {
            "n": _n(alert.comment_count),
            "z": number_format(alert.zscore, 1),
        }
        url = reverse("admin:reports_spikealert_change", args=[alert.pk])
        lines.append(SpikeLine(subject=str(subject), text=text, url=url))
    return lines
