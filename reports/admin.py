"""Admin pages of the reports: stakeholders, weekly summaries (preview, send), alerts, snapshots."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import CuratorPermissionsMixin

from . import mail, summaries
from .models import ReportSnapshot, SpikeAlert, Stakeholder, WeeklySummary


@admin.register(Stakeholder)
class StakeholderAdmin(CuratorPermissionsMixin, admin.ModelAdmin):
    curator_rights = frozenset({"view", "add", "change", "delete"})
    list_display = ("email", "name", "active", "alerts_opt_in", "created_at", "unsubscribed_at")
    list_filter = ("active", "alerts_opt_in")
    search_fields = ("email", "name")
    readonly_fields = ("created_at", "unsubscribed_at")
    fields = ("email", "name", "active", "alerts_opt_in", "created_at", "unsubscribed_at")

    def save_model(self, request: HttpRequest, obj: Stakeholder, form: Any, change: bool) -> None:
        obj.email = obj.email.strip().lower()
        super().save_model(request, obj, form, change)


@admin.register(WeeklySummary)
class WeeklySummaryAdmin(CuratorPermissionsMixin, admin.ModelAdmin):
    curator_rights = frozenset({"view", "change"})
    list_display = ("week", "week_start", "backend", "model", "prompt_version", "deliveries_count",
                    "preview_link", "created_at")  # fmt: skip
    list_filter = ("backend",)
    readonly_fields = ("week", "week_start", "numbers", "backend", "model", "prompt_version",
                       "created_at", "preview_link")  # fmt: skip
    actions = ("send_pending", "resend_all")

    @admin.display(description=_("envios"))
    def deliveries_count(self, obj: WeeklySummary) -> int:
        return obj.deliveries.count()

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
    list_display = ("kind", "subject", "week", "comment_count", "value", "baseline", "zscore",
                    "updated_at", "notified_at")  # fmt: skip
    list_filter = ("kind", "week")
    search_fields = ("subject",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReportSnapshot)
class ReportSnapshotAdmin(CuratorPermissionsMixin, admin.ModelAdmin):
    list_display = ("built_at", "build_ms", "full_rollup", "digest")
    fields = ("built_at", "build_ms", "full_rollup", "digest", "payload")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
