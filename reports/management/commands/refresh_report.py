"""`manage.py refresh_report [--full]`: build the report snapshot now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports.services import snapshot_build


class Command(BaseCommand):
    help = _("Gera agora o retrato do relatório público (o beat faz isso a cada minuto).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--full", action="store_true", help=_("Recalcula todos os dias, não só os recentes.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        snapshot = snapshot_build(full=True if options["full"] else None)
        if snapshot is None:
            raise CommandError(_("Outra geração do relatório está em andamento; tente de novo."))
        self.stdout.write(
            _("Relatório gerado em %(ms)d ms: %(total)d comentários, %(charts)d gráficos.")
            % {
                "ms": snapshot.build_ms,
                "total": snapshot.payload["total_comentarios"],
                "charts": len(snapshot.charts),
            }
        )
