"""Records kept by the classification pipeline: every LLM call and every evaluation run."""

from __future__ import annotations

from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _


class CallOutcome(models.TextChoices):
    OK = "ok", _("Sucesso")
    PARTIAL = "partial", _("Parcial")
    RATE_LIMITED = "rate_limited", _("Limite de taxa (429)")
    SERVER_ERROR = "server_error", _("Erro do servidor")
    TIMEOUT = "timeout", _("Tempo esgotado")
    INVALID_OUTPUT = "invalid_output", _("Resposta inválida")
    TRUNCATED = "truncated", _("Resposta truncada")
    BLOCKED = "blocked", _("Bloqueada (segurança)")
    CLIENT_ERROR = "client_error", _("Erro do cliente")


class LLMCall(models.Model):
    created_at = models.DateTimeField(_("quando"), auto_now_add=True, db_index=True)
    backend = models.CharField(_("backend"), max_length=20)
    model = models.CharField(_("modelo"), max_length=100)
    model_version = models.CharField(_("versão informada"), max_length=100, blank=True)
    prompt_version = models.CharField(_("versão do prompt"), max_length=50)
    comment_count = models.PositiveIntegerField(_("comentários"))
    input_tokens = models.PositiveIntegerField(_("tokens de entrada"), default=0)
    output_tokens = models.PositiveIntegerField(_("tokens de saída"), default=0)
    thinking_tokens = models.PositiveIntegerField(_("tokens de raciocínio"), default=0)
    latency_ms = models.PositiveIntegerField(_("latência (ms)"), default=0)
    cost_usd = models.DecimalField(
        _("custo estimado (US$)"), max_digits=12, decimal_places=6, default=0
    )
    outcome = models.CharField(_("resultado"), max_length=20, choices=CallOutcome.choices)
    error = models.TextField(_("erro"), blank=True)

    class Meta:
        verbose_name = _("chamada ao LLM")
        verbose_name_plural = _("chamadas ao LLM")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.model} {self.outcome} ({self.comment_count})"


class EvaluationRun(models.Model):
    created_at = models.DateTimeField(_("quando"), auto_now_add=True)
    dataset = models.CharField(_("conjunto"), max_length=255)
    backend = models.CharField(_("backend"), max_length=20)
    model = models.CharField(_("modelo"), max_length=100, blank=True)
    item_count = models.PositiveIntegerField(_("itens"))
    accuracy = models.FloatField(_("acurácia"))
    macro_f1 = models.FloatField(_("F1 macro"))
    metrics = models.JSONField(_("métricas"), default=dict)  # per-class report and tag metrics
    confusion_matrix = models.JSONField(_("matriz de confusão"), default=dict)
    duration_seconds = models.FloatField(_("duração (s)"), default=0)

    class Meta:
        verbose_name = _("avaliação")
        verbose_name_plural = _("avaliações")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        # The admin's page title: pt-BR decimal comma.
        f1 = number_format(self.macro_f1, 3)
        return f"{self.dataset} · {self.backend} · F1 macro {f1}"
