"""Read-only admin for the pipeline's records: LLM calls (cost, tokens) and evaluation runs."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.admin import CuratorPermissionsMixin
from common.formatting import local_datetime
from common.pagination import LargeTablePaginator
from insights.admin_operations import (
    AVERAGE_NAMES,
    llm_operations_view,
    n,
    no_calls_message,
    percent,
    score,
    seconds,
)
from insights.models import EvaluationRun, LLMCall
from insights.operations import evaluation_class_scores, evaluation_confusion


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

    change_list_template = "admin/insights/llmcall/change_list.html"

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(partial(llm_operations_view, self))
        extra = [path("operacoes/", view, name="insights_llmcall_operations")]
        return extra + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra = {"empty_message": no_calls_message(), **(extra_context or {})}
        return super().changelist_view(request, extra)

    @admin.display(description=_("quando"), ordering="created_at")
    def when(self, call: LLMCall) -> str:
        return local_datetime(call.created_at, "d/m/y H:i:s")

    @admin.display(description=_("tokens (entrada / saída / raciocínio)"))
    def tokens(self, call: LLMCall) -> str:
        return f"{n(call.input_tokens)} / {n(call.output_tokens)} / {n(call.thinking_tokens)}"

    @admin.display(description=_("custo (US$)"), ordering="cost_usd")
    def cost(self, call: LLMCall) -> str:
        return number_format(call.cost_usd, 6)

    @admin.display(description=_("latência"), ordering="latency_ms")
    def latency(self, call: LLMCall) -> str:
        return seconds(call.latency_ms)


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
        "duration",
    )
    list_filter = ("backend", "dataset")
    ordering = ("-created_at",)
    fields = (
        "created_at",
        "dataset",
        "backend",
        "model",
        "item_count",
        "accuracy_percent",
        "macro_f1_percent",
        "duration",
        "metrics_table",
        "tag_metrics",
        "confusion_table",
        "metrics_json",
    )
    readonly_fields = fields
    change_list_template = "admin/insights/evaluationrun/change_list.html"

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra = {"title": gettext("Avaliações do classificador"), **(extra_context or {})}
        return super().changelist_view(request, extra)

    @admin.display(description=_("duração"), ordering="duration_seconds")
    def duration(self, run: EvaluationRun) -> str:
        return number_format(run.duration_seconds, 1) + " s"

    @admin.display(description=_("acurácia"), ordering="accuracy")
    def accuracy_percent(self, run: EvaluationRun) -> str:
        return percent(run.accuracy)

    @admin.display(description=_("F1 macro"), ordering="macro_f1")
    def macro_f1_percent(self, run: EvaluationRun) -> str:
        return percent(run.macro_f1)

    @admin.display(description=_("métricas por categoria"))
    def metrics_table(self, run: EvaluationRun) -> SafeString | str:
        rows = [
            (
                str(AVERAGE_NAMES.get(row.label, row.label)),
                score(row.precision),
                score(row.recall),
                score(row.f1),
                n(row.support),
            )
            for row in evaluation_class_scores(run)
        ]
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
        return gettext("precisão %(p)s · revocação %(r)s · F1 %(f)s") % {
            "p": score(micro.get("precision", 0)),
            "r": score(micro.get("recall", 0)),
            "f": score(micro.get("f1", 0)),
        }

    @admin.display(description=_("matriz de confusão"))
    def confusion_table(self, run: EvaluationRun) -> SafeString | str:
        labels, matrix = evaluation_confusion(run)
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
