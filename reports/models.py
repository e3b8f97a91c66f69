"""Report snapshots and their daily rollups, weekly summaries, stakeholders and spike alerts."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportSnapshot(models.Model):
    """Everything `/relatorio/` and `/api/relatorio/semana` show, built by the beat task."""

    built_at = models.DateTimeField(_("gerado em"), default=timezone.now)
    build_ms = models.PositiveIntegerField(_("tempo de geração (ms)"), default=0)
    # The numbers (`dados` on the wire) and the charts drawn from them, once per build:
    # [{"chave", "titulo", "descricao", "svg", "png_base64", "tabela": {"colunas", "linhas"}}].
    payload = models.JSONField(_("dados"), default=dict)
    charts = models.JSONField(_("gráficos"), default=list)
    digest = models.CharField(_("resumo (ETag)"), max_length=64)
    # Whether this build recomputed every day of the rollup, not only the recent ones.
    full_rollup = models.BooleanField(_("recalculou todos os dias"), default=False)

    class Meta:
        verbose_name = _("retrato do relatório")
        verbose_name_plural = _("retratos do relatório")
        ordering = ("-built_at", "-id")
        indexes = [models.Index(fields=["-built_at", "-id"], name="snapshot_latest_idx")]

    def __str__(self) -> str:
        return f"{self.built_at:%Y-%m-%d %H:%M:%S}"


class DailyRollup(models.Model):
    """Comments per São Paulo calendar day, category, status and confidence decile.

    The snapshot aggregates these few thousand rows instead of a million comments; recent days
    are recomputed on every build and all days periodically (reports.rollup).
    """

    day = models.DateField(_("dia"))
    category = models.CharField(_("categoria"), max_length=10, blank=True)  # "" = unclassified
    status = models.CharField(_("status"), max_length=12)
    confidence_bucket = models.SmallIntegerField(_("faixa de confiança"))  # 0..9, -1 = none
    comment_count = models.PositiveIntegerField(_("comentários"))
    confidence_sum = models.FloatField(_("soma das confianças"), default=0)
    review_count = models.PositiveIntegerField(_("aguardando revisão"), default=0)

    class Meta:
        verbose_name = _("consolidado diário")
        verbose_name_plural = _("consolidados diários")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "category", "status", "confidence_bucket"],
                name="dailyrollup_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.category or '-'} {self.status}: {self.comment_count}"


class DailyTagRollup(models.Model):
    """Comments per day, canonical tag and category."""

    day = models.DateField(_("dia"))
    tag_code = models.CharField(_("tag"), max_length=60)
    category = models.CharField(_("categoria"), max_length=10, blank=True)
    comment_count = models.PositiveIntegerField(_("comentários"))

    class Meta:
        verbose_name = _("consolidado diário de tags")
        verbose_name_plural = _("consolidados diários de tags")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "tag_code", "category"], name="dailytagrollup_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.tag_code}: {self.comment_count}"


class Stakeholder(models.Model):
    """Someone at AluMusic who receives the weekly summary (and, if opted in, spike alerts)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("e-mail"))
    name = models.CharField(_("nome"), max_length=120, blank=True)
    active = models.BooleanField(_("recebe o resumo"), default=True)
    alerts_opt_in = models.BooleanField(_("recebe alertas de pico"), default=False)
    created_at = models.DateTimeField(_("criado em"), auto_now_add=True)
    unsubscribed_at = models.DateTimeField(_("descadastrado em"), null=True, blank=True)

    class Meta:
        verbose_name = _("destinatário do resumo")
        verbose_name_plural = _("destinatários do resumo")
        ordering = ("email",)
        constraints = [
            models.UniqueConstraint(Lower("email"), name="stakeholder_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.email


class SummaryBackend(models.TextChoices):
    GEMINI = "gemini", _("Gemini")
    OFFLINE = "offline", _("Offline (a partir dos números)")


class WeeklySummary(models.Model):
    """The summary of one ISO week (Monday to Sunday, São Paulo time)."""

    week = models.CharField(_("semana"), max_length=8, unique=True)  # "2026-W48"
    week_start = models.DateField(_("início da semana"))
    text = models.TextField(_("texto"))
    numbers = models.JSONField(_("números"), default=dict)
    backend = models.CharField(_("backend"), max_length=10, choices=SummaryBackend.choices)
    model = models.CharField(_("modelo"), max_length=100, blank=True)
    prompt_version = models.CharField(_("versão do prompt"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("criado em"), auto_now_add=True)

    class Meta:
        verbose_name = _("resumo semanal")
        verbose_name_plural = _("resumos semanais")
        ordering = ("-week_start",)

    def __str__(self) -> str:
        return self.week


class SummaryDelivery(models.Model):
    """One summary sent to one stakeholder: the row makes re-sending a week a no-op."""

    summary = models.ForeignKey(
        WeeklySummary, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.CASCADE, related_name="deliveries"
    )
    sent_at = models.DateTimeField(_("enviado em"), default=timezone.now)

    class Meta:
        verbose_name = _("envio do resumo")
        verbose_name_plural = _("envios do resumo")
        constraints = [
            models.UniqueConstraint(
                fields=["summary", "stakeholder"], name="summarydelivery_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.summary_id} → {self.stakeholder_id}"


class AlertKind(models.TextChoices):
    TAG = "tag", _("Tag em pico")
    CRITICISM_SHARE = "criticism_share", _("Parcela de críticas em alta")


class SpikeAlert(models.Model):
    """A tag or the criticism share rising past the z-score threshold, once per ISO week."""

    kind = models.CharField(_("tipo"), max_length=20, choices=AlertKind.choices)
    subject = models.CharField(_("assunto"), max_length=60, blank=True)  # the tag code
    week = models.CharField(_("semana"), max_length=8)
    value = models.FloatField(_("valor nos últimos 7 dias"))
    baseline = models.FloatField(_("média das semanas anteriores"))
    zscore = models.FloatField(_("z-score"))
    comment_count = models.PositiveIntegerField(_("comentários nos últimos 7 dias"))
    detected_at = models.DateTimeField(_("detectado em"), default=timezone.now)
    updated_at = models.DateTimeField(_("atualizado em"), default=timezone.now)
    notified_at = models.DateTimeField(_("avisado em"), null=True, blank=True)

    class Meta:
        verbose_name = _("alerta de pico")
        verbose_name_plural = _("alertas de pico")
        ordering = ("-updated_at",)
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject", "week"], name="spikealert_unique"),
        ]
        indexes = [
            models.Index(
                fields=["detected_at"], condition=Q(notified_at__isnull=True), name="alert_unsent"
            ),
            models.Index(fields=["-updated_at"], name="alert_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.subject} {self.week}"
