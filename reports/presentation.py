"""What the report page shows, derived from a stored snapshot (no query, no aggregation)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from comments.models import Category

from .formatting import decimal, integer
from .models import ReportSnapshot

ALERTS_SHOWN = 4  # the strongest; the JSON has them all


def _percent(part: int, whole: int) -> str:
    return f"{part / whole * 100:.0f}%" if whole else "—"


def headline_figures(payload: dict[str, Any]) -> list[dict[str, str]]:
    """The cards at the top of the report."""
    by_category = payload["por_categoria"]
    classified = sum(by_category.values())
    means = [v for v in payload["confianca_media"].values() if v is not None]
    last_week = sum(values[-1] for values in payload["volume_semanal"]["series"].values())
    return [
        {"label": _("Comentários"), "value": integer(payload["total_comentarios"]),
         "hint": _("%(n)s nesta semana") % {"n": integer(last_week)}},
        {"label": _("Elogios"), "value": _percent(by_category[Category.PRAISE], classified),
         "hint": _("dos classificados")},
        {"label": _("Críticas"), "value": _percent(by_category[Category.CRITICISM], classified),
         "hint": _("dos classificados")},
        {"label": _("Aguardando revisão"), "value": integer(payload["revisao_pendente"]),
         "hint": _("pela curadoria")},
        {"label": _("Confiança média"),
         "value": decimal(sum(means) / len(means)) if means else "—",
         "hint": _("média das categorias")},
    ]  # fmt: skip


def page_context(snapshot: ReportSnapshot) -> dict[str, Any]:
    payload = snapshot.payload
    # The SVG is matplotlib's output (it escapes every label it draws), not user markup.
    charts = [{**chart, "svg": mark_safe(chart["svg"])} for chart in snapshot.charts]
    return {
        "snapshot": snapshot,
        "built_at": timezone.localtime(snapshot.built_at),
        "figures": headline_figures(payload),
        "charts": charts,
        "alerts": payload.get("alertas", [])[:ALERTS_SHOWN],
        "more_alerts": max(0, len(payload.get("alertas", [])) - ALERTS_SHOWN),
        "direction": payload["elogio_critica"]["direcao"],
    }
