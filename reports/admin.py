"""Admin pages of the reports: stakeholders, weekly summaries (preview, send), alerts, snapshots."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from common.admin import CuratorPermissionsMixin
from common.formatting import local_datetime

from . import mail, summaries
from .models import ReportSnapshot, SpikeAlert, Stakeholder, WeeklySummary


@admin.register(Stakeholder)
class StakeholderAdmin(CuratorPermissionsMixin, admin.ModelAdmin):
    curator_rights = frozenset({"view", "add", "change", "delete"})
    list_display = ("email", "name", "receives_summary", "receives_alerts", "created",
                    "unsubscribed")  # fmt: skip
    list_filter = ("active", "alerts_opt_in")
    search_fields = ("email", "name")
    readonly_fields = ("created_at", "unsubscribed_at")
    fields = ("email", "name", "active", "alerts_opt_in", "created_at", "unsubscribed_at")

    @admin.display(description=_("recebe o resumo"), ordering="active")
    def receives_summary(self, stakeholder: Stakeholder) -> str:
        return gettext("sim") if stakeholder.active else gettext("não")

    @admin.display(description=_("recebe alertas"), ordering="alerts_opt_in")
    def receives_alerts(self, stakeholder: Stakeholder) -> str:
        return gettext("sim") if stakeholder.alerts_opt_in else gettext("não")

    @admin.display(description=_("criado em"), ordering="created_at")
    def created(self, stakeholder: Stakeholder) -> str:
        return local_datetime(stakeholder.created_at, "d/m/Y")

    @admin.display(description=_("descadastrado em"), ordering="unsubscribed_at")
    def unsubscribed(self, stakeholder: Stakeholder) -> str:
        at = stakeholder.unsubscribed_at
        return local_datetime(at, "d/m/Y")

    def save_model(self, request: HttpRequest, obj: Stakeholder, form: Any, change: bool) -> None:
        obj.email = obj.email.strip().lower()
        super().save_model(request, obj, form, change)


@admin.register(WeeklySummary)
class WeeklySummaryAdmin(CuratorPermissionsMixin, admin.ModelAdmin):
    curator_rights = frozenset({"view", "change"})
    list_display = ("week", "week_start_short", "written_by", "deliveries_count", "preview_link",
                    "created")  # fmt: skip
    list_filter = ("backend",)
    readonly_fields = ("week", "week_start", "numbers", "backend", "model", "prompt_version",
                       "created_at", "preview_link")  # fmt: skip
    actions = ("send_pending", "resend_all")

    def get_queryset(self, request: HttpRequest) -> QuerySet[WeeklySummary]:
        # The list's delivery counts in the page's one query, not one COUNT per row.
        return super().get_queryset(request).annotate(delivery_total=Count("deliveries"))

    @admin.display(description=_("envios"), ordering="delivery_total")
    def deliveries_count(self, obj: WeeklySummary) -> int:
        total = getattr(obj, "delivery_total", None)
        return obj.deliveries.count() if total is None else total

    @admin.display(description=_("início"), ordering="week_start")
    def week_start_short(self, obj: WeeklySummary) -> str:
        return date_format(obj.week_start, "d/m/Y")

    @admin.display(description=_("escrito por"), ordering="backend")
    def written_by(self, obj: WeeklySummary) -> str:
        parts = [str(obj.get_backend_display()), obj.model, obj.prompt_version]
        return " · ".join(part for part in parts if part)

    @admin.display(description=_("criado em"), ordering="created_at")
    def created(self, obj: WeeklySummary) -> str:
        return local_datetime(obj.created_at)

    @admin.display(description=_("prévia do e-mail"))
    def preview_link(self, obj: WeeklySummary) -> str:
        url = reverse("admin:reports_weeklysummary_preview", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("ver e-mail"))

    def get_urls(self) -> list[Any]:
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("<int:pk>/previa/", preview, name="reports_weeklysummary_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The HTML e-mail as a stakeholder would see it (the unsubscribe link is a sample)."""
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        summary = get_object_or_404(WeeklySummary, pk=pk)
        sample = Stakeholder(email="exemplo@alumusic.com.br")
        message = mail.summary_message(summary=summary, stakeholder=sample)
        return HttpResponse(message.alternatives[0][0], content_type="text/html; charset=utf-8")

    @admin.action(description=_("Enviar a quem ainda não recebeu"))
    def send_pending(self, request: HttpRequest, queryset: QuerySet[WeeklySummary]) -> None:
        self._report(request, [summaries.summary_send(summary=s) for s in queryset])

    @admin.action(description=_("Reenviar para todos os destinatários ativos"))
    def resend_all(self, request: HttpRequest, queryset: QuerySet[WeeklySummary]) -> None:
        self._report(request, [summaries.summary_resend(summary=s) for s in queryset])

    def _report(self, request: HttpRequest, results: list[summaries.SendResult]) -> None:
        sent = sum(len(r.sent) for r in results)
        failed = sum(len(r.failed) for r in results)
        self.message_user(
            request,
            ngettext("%(n)d e-mail enviado.", "%(n)d e-mails enviados.", sent) % {"n": sent},
            messages.SUCCESS if not failed else messages.WARNING,
        )


@admin.register(SpikeAlert)
class SpikeAlertAdmin(CuratorPermissionsMixin, admin.ModelAdmin):
    list_display = ("subject_text", "kind", "week", "comments", "rise", "deviations", "updated",
                    "notified")  # fmt: skip
    list_filter = ("kind", "week")
    ordering = ("-updated_at",)
    search_fields = ("subject",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("assunto"), ordering="subject")
    def subject_text(self, alert: SpikeAlert) -> str:
        return alert.subject or str(alert.get_kind_display())

    @admin.display(description=_("comentários (7 dias)"), ordering="comment_count")
    def comments(self, alert: SpikeAlert) -> str:
        return number_format(alert.comment_count, force_grouping=True)

    @admin.display(description=_("7 dias / média"))
    def rise(self, alert: SpikeAlert) -> str:
        return f"{number_format(alert.value, 1)} / {number_format(alert.baseline, 1)}"

    @admin.display(description=_("desvios"), ordering="zscore")
    def deviations(self, alert: SpikeAlert) -> str:
        return number_format(alert.zscore, 1)

    @admin.display(description=_("atualizado"), ordering="updated_at")
    def updated(self, alert: SpikeAlert) -> str:
        return local_datetime(alert.updated_at)

    @admin.display(description=_("e-mail"), ordering="notified_at")
    def notified(self, alert: SpikeAlert) -> str:
        if alert.notified_at is None:
            return gettext("ainda não")
        return local_datetime(alert.notified_at)


@admin.register(ReportSnapshot)
class ReportSnapshotAdmin(CuratorPermissionsMixin, admin.ModelAdmin):
    list_display = ("built_at", "build_time", "full_rollup", "digest")
    fields = ("built_at", "build_time", "full_rollup", "digest", "payload")
    readonly_fields = fields

    @admin.display(description=_("tempo de geração"), ordering="build_ms")
    def build_time(self, snapshot: ReportSnapshot) -> str:
        return number_format(snapshot.build_ms, force_grouping=True) + " ms"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
