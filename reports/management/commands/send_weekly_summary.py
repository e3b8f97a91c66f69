"""`manage.py send_weekly_summary [--week AAAA-Wss] [--dry-run]`: build and e-mail a summary."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from lib.errors import ValidationFailed
from reports import selectors, summaries
from reports.rollup import local_today
from reports.weeks import iso_week_label, previous_week_monday, week_parse


class Command(BaseCommand):
    help = _(
        "Gera (se preciso) o resumo de uma semana e o envia aos destinatários ativos que ainda "
        "não o receberam. Sem --week, a semana anterior."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--week", help=_("Semana ISO, ex.: 2026-W48."))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Mostra o resumo e os destinatários sem gravar nem enviar nada."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            monday = week_parse(options["week"]) if options["week"] else None
        except ValidationFailed as error:
            raise CommandError(error.message) from error
        monday = monday or previous_week_monday(local_today())
        if options["dry_run"]:
            self._dry_run(monday)
            return
        summary = summaries.summary_build(monday=monday)
        result = summaries.summary_send(summary=summary)
        self.stdout.write(
            _("Resumo %(week)s (%(backend)s): %(sent)d enviados, %(skipped)d já tinham recebido, "
              "%(failed)d falharam.")
            % {"week": summary.week, "backend": summary.backend, "sent": len(result.sent),
               "skipped": len(result.already_sent), "failed": len(result.failed)}
        )  # fmt: skip
        for email in result.sent:
            self.stdout.write(f"  → {email}")
        if result.failed:
            raise CommandError(_("Falhou para: %s") % ", ".join(result.failed))

    def _dry_run(self, monday: Any) -> None:
        week = iso_week_label(monday)
        stored = selectors.summary_for_week(week)
        summary = stored or summaries.summary_compose(monday=monday)
        state = _("já gravado") if stored else _("seria gerado agora")
        self.stdout.write(_("Resumo %(week)s (%(state)s):") % {"week": week, "state": state})
        self.stdout.write(summary.text)
        recipients = summaries.summary_recipients_pending(week=week)
        self.stdout.write(_("Seria enviado para %(n)d destinatários:") % {"n": len(recipients)})
        for email in recipients:
            self.stdout.write(f"  → {email}")
