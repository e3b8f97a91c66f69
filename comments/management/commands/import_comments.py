"""`manage.py import_comments FILE…`: stream CSV/JSON/XLSX files through the ingestion service."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from accounts.models import User
from accounts.selectors import user_get_by_email
from comments.ingestion.files import DEFAULT_CHUNK, ImportSummary, comments_import_file
from comments.models import Source
from lib.errors import DomainError

REASONS_SHOWN = 10


class Command(BaseCommand):
    help = (
        "Importa comentários de arquivos .csv, .json ou .xlsx, em lotes, pelo serviço de ingestão."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--chunk-size", type=int, default=DEFAULT_CHUNK, help="linhas por transação"
        )
        parser.add_argument("--user", metavar="EMAIL", help="conta registrada como remetente")

    def handle(
        self, *args: Any, files: list[str], chunk_size: int, user: str | None, **options: Any
    ) -> None:
        if chunk_size < 1:
            raise CommandError(_("--chunk-size deve ser positivo."))
        submitter = _find_user(user) if user else None
        totals = ImportSummary()
        for name in files:
            summary = self._import(Path(name), submitter, chunk_size)
            self._report(name, summary)
            totals.stored += summary.stored
            totals.already_known += summary.already_known
            totals.rejected += summary.rejected
        if len(files) > 1:
            self._report(_("Total"), totals, reasons=False)

    def _import(self, path: Path, submitter: User | None, chunk_size: int) -> ImportSummary:
        # tqdm rewrites its line with "\r"; Django's OutputWrapper would add newlines.
        stream = getattr(self.stderr, "_out", sys.stderr)
        with (
            _open(path) as file,
            tqdm(desc=path.name, unit=" linhas", file=stream, leave=False) as bar,
        ):
            try:
                return comments_import_file(
                    file=file,
                    filename=path.name,
                    source=Source.IMPORT,
                    user=submitter,
                    chunk_size=chunk_size,
                    on_chunk=lambda summary: bar.update(summary.rows - bar.n),
                )
            except DomainError as exc:
                raise CommandError(
                    _("%(file)s: %(error)s (lotes anteriores já gravados permanecem).")
                    % {"file": path, "error": exc.message}
                ) from exc

    def _report(self, name: str, summary: ImportSummary, *, reasons: bool = True) -> None:
        self.stdout.write(
            _("%(name)s: %(stored)d armazenados, %(known)d já conhecidos, %(rejected)d rejeitados")
            % {
                "name": name,
                "stored": summary.stored,
                "known": summary.already_known,
                "rejected": len(summary.rejected),
            }
        )
        if not reasons:
            return
        for number, reason in summary.rejected[:REASONS_SHOWN]:
            self.stdout.write(
                _("  linha %(number)d: %(reason)s") % {"number": number, "reason": reason}
            )
        if len(summary.rejected) > REASONS_SHOWN:
            self.stdout.write(
                _("  … e mais %(count)d rejeitados")
                % {"count": len(summary.rejected) - REASONS_SHOWN}
            )


def _find_user(email: str) -> User:
    user = user_get_by_email(email=email)
    if user is None:
        raise CommandError(_("Usuário não encontrado: %(email)s") % {"email": email})
    return user


def _open(path: Path) -> Any:
    try:
        return path.open("rb")
    except OSError as exc:
        raise CommandError(
            _("Não foi possível abrir %(file)s: %(error)s") % {"file": path, "error": exc.strerror}
        ) from exc
