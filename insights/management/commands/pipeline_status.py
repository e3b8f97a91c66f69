"""`manage.py pipeline_status`: the classification pipeline's health at a glance."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from insights import selectors


class Command(BaseCommand):
    help = _("Mostra contagens por status, pendências, filas, falhas e custo do LLM.")

    def handle(self, *args: object, **options: object) -> None:
        health = selectors.pipeline_health()
        self.stdout.write(_("Comentários por status:"))
        for status, count in health.status_counts.items():
            self.stdout.write(f"  {status:<12} {_number(count):>12}")
        self.stdout.write(_("Pendente mais antigo: %(idade)s") % {"idade": _age(health)})
        self.stdout.write(_("Aguardando revisão: %(n)s") % {"n": _number(health.needs_review)})
        self.stdout.write(_("Filas no broker: %(filas)s") % {"filas": _queues(health)})
        self._failures(health)
        self.stdout.write(
            _("Chamadas ao LLM nas últimas 24 h: %(n)s (custo estimado US$ %(custo)s)")
            % {
                "n": _number(health.llm_calls_24h),
                "custo": number_format(health.llm_cost_24h, 4, use_l10n=True),
            }
        )

    def _failures(self, health: selectors.PipelineHealth) -> None:
        if not health.failures_by_error:
            self.stdout.write(_("Falhas: nenhuma"))
            return
        self.stdout.write(_("Falhas por erro (as 10 mais comuns):"))
        for error, count in health.failures_by_error:
            self.stdout.write(f"  {_number(count):>8}  {error or _('(sem mensagem)')}")


def _number(value: int) -> str:
    return number_format(value, use_l10n=True, force_grouping=True)


def _age(health: selectors.PipelineHealth) -> str:
    if health.oldest_pending_at is None:
        return _("nenhum")
    received = timezone.localtime(health.oldest_pending_at).strftime("%d/%m/%Y %H:%M:%S")
    return _("há %(idade)s (recebido em %(quando)s)") % {
        "idade": timesince(health.oldest_pending_at),
        "quando": received,
    }


def _queues(health: selectors.PipelineHealth) -> str:
    if health.queue_lengths is None:
        return _("sem broker (modo embutido) ou indisponível")
    return ", ".join(f"{queue}={_number(n)}" for queue, n in health.queue_lengths.items())
