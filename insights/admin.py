"""Read-only admin for the pipeline's records: LLM calls (cost, tokens) and evaluation runs."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from comments.admin import CuratorPermissionsMixin, LargeTablePaginator

from .models import EvaluationRun, LLMCall


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
        "created_at",
        "model",
        "outcome",
        "comment_count",
        "input_tokens",
        "output_tokens",
        "thinking_tokens",
        "cost_usd",
        "latency_ms",
        "prompt_version",
    )
    list_filter = ("outcome", "backend", "model", "prompt_version")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_per_page = 100
    show_full_result_count = False
    paginator = LargeTablePaginator
    search_fields = ("error",)
    search_help_text = _("Busca na mensagem de erro.")


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


def _per_label_rows(metrics: Any) -> list[tuple[str, str, str, str, Any]]:
    """Rows of scikit-learn's classification_report dict (label → precision, recall …)."""
    report = metrics.get("classification_report", metrics) if isinstance(metrics, dict) else {}
    rows = []
    for label, values in report.items():
        if isinstance(values, dict) and "f1-score" in values:
            rows.append(
                (
                    label,
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
