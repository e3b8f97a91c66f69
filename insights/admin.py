"""Read-only admin for the pipeline's records: LLM calls (cost, tokens) and evaluation runs."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.admin import CuratorPermissionsMixin
from common.pagination import LargeTablePaginator
from insights.domain import CATEGORIES
from insights.models import EvaluationRun, LLMCall


class ReadOnlyAdmin(CuratorPermissionsMixin, admin.ModelAdmin):
    """Records the pipeline writes; people only read them (superusers may delete)."""

    curator_rights = frozenset({"view"})

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LLMCall)
class LLMCallAdmin(ReadOnlyAdmin):
    list_display = (
        "when",
        "model",
        "outcome",
        "comment_count",
        "tokens",
        "cost",
        "latency",
    )
    list_filter = ("outcome", "backend", "model", "prompt_version")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_per_page = 100
    show_full_result_count = False
    paginator = LargeTablePaginator
    search_fields = ("error",)
    search_help_text = _("Busca na mensagem de erro.")

    @admin.display(description=_("quando"), ordering="created_at")
    def when(self, call: LLMCall) -> str:
        return date_format(localtime(call.created_at), "d/m/y H:i:s")

    @admin.display(description=_("tokens (entrada / saída / raciocínio)"))
    def tokens(self, call: LLMCall) -> str:
        return f"{call.input_tokens} / {call.output_tokens} / {call.thinking_tokens}"

    @admin.display(description=_("custo (US$)"), ordering="cost_usd")
    def cost(self, call: LLMCall) -> str:
        return f"{call.cost_usd:.6f}"

    @admin.display(description=_("latência"), ordering="latency_ms")
    def latency(self, call: LLMCall) -> str:
        return f"{call.latency_ms / 1000:.2f} s"


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "dataset",
        "backend",
        "model",
        "item_count",
        "accuracy_percent",
        "macro_f1_percent",
        "duration_seconds",
    )
    list_filter = ("backend", "dataset")
    ordering = ("-created_at",)
    fields = (
        "created_at",
        "dataset",
        "backend",
        "model",
        "item_count",
        "accuracy",
        "macro_f1",
        "duration_seconds",
        "metrics_table",
        "tag_metrics",
        "confusion_table",
        "metrics_json",
    )
    readonly_fields = fields

    @admin.display(description=_("acurácia"), ordering="accuracy")
    def accuracy_percent(self, run: EvaluationRun) -> str:
        return f"{run.accuracy:.1%}"

    @admin.display(description=_("F1 macro"), ordering="macro_f1")
    def macro_f1_percent(self, run: EvaluationRun) -> str:
        return f"{run.macro_f1:.1%}"

    @admin.display(description=_("métricas por categoria"))
    def metrics_table(self, run: EvaluationRun) -> SafeString | str:
        rows = _per_label_rows(run.metrics)
        if not rows:
            return "—"
        header = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("categoria"),
            _("precisão"),
            _("revocação"),
            _("F1"),
            _("itens"),
        )
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            rows,
        )
        return format_html("<table>{}{}</table>", header, body)

    @admin.display(description=_("tags (micro)"))
    def tag_metrics(self, run: EvaluationRun) -> str:
        micro = (run.metrics.get("tags") or {}).get("micro") if run.metrics else None
        if not micro:
            return "—"
        return gettext("precisão %(p).3f · revocação %(r).3f · F1 %(f).3f") % {
            "p": micro.get("precision", 0),
            "r": micro.get("recall", 0),
            "f": micro.get("f1", 0),
        }

    @admin.display(description=_("matriz de confusão"))
    def confusion_table(self, run: EvaluationRun) -> SafeString | str:
        labels, matrix = _confusion(run.confusion_matrix)
        if not labels:
            return "—"
        header = format_html_join("", "<th>{}</th>", ((label,) for label in labels))
        body = format_html_join(
            "",
            "<tr><th>{}</th>{}</tr>",
            (
                (label, format_html_join("", "<td>{}</td>", ((cell,) for cell in row)))
                for label, row in zip(labels, matrix, strict=False)
            ),
        )
        return format_html(
            '<table><tr><th title="{}">{}</th>{}</tr>{}</table>',
            _("linhas: esperado; colunas: previsto"),
            _("esperado \\ previsto"),
            header,
            body,
        )

    @admin.display(description=_("métricas (JSON)"))
    def metrics_json(self, run: EvaluationRun) -> SafeString:
        text = json.dumps(run.metrics, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', text)


# scikit-learn names its average rows in English; curators read pt-BR.
_AVERAGE_NAMES = {
    "macro avg": _("média macro"),
    "weighted avg": _("média ponderada"),
    "micro avg": _("média micro"),
}


def _per_label_rows(metrics: Any) -> list[tuple[str, str, str, str, Any]]:
    """Rows of scikit-learn's classification_report dict, labels first, then the averages.

    The report is stored in a jsonb column, which does not keep key order.
    """
    if not isinstance(metrics, dict):
        return []
    report = metrics.get("report") or metrics.get("classification_report") or {}
    order = [*CATEGORIES, "macro avg", "weighted avg", "micro avg"]
    names = [name for name in order if name in report] + sorted(set(report) - set(order))
    rows = []
    for name in names:
        values = report[name]
        if isinstance(values, dict) and "f1-score" in values:
            rows.append(
                (
                    str(_AVERAGE_NAMES.get(name, name)),
                    f"{values.get('precision', 0):.3f}",
                    f"{values.get('recall', 0):.3f}",
                    f"{values['f1-score']:.3f}",
                    values.get("support", ""),
                )
            )
    return rows


def _confusion(data: Any) -> tuple[list[str], list[list[Any]]]:
    """Accept `{"labels": [...], "matrix": [[...]]}` or `{expected: {predicted: n}}`."""
    if not isinstance(data, dict) or not data:
        return [], []
    if "labels" in data and "matrix" in data:
        return list(data["labels"]), [list(row) for row in data["matrix"]]
    labels = list(data)
    matrix = [[(data.get(row) or {}).get(col, 0) for col in labels] for row in labels]
    return labels, matrix
