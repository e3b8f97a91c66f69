"""`manage.py setup_demo`: the curator account and the demo comments behind `make demo`.

Idempotent: the curator is created once (its password kept unless one is given), and the demo
file is loaded only while some of its comments are missing. The work is `insights.demo`'s; this
command prints what it does.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.services import curator_ensure
from comments.ingestion.files import ImportSummary
from comments.models import Comment, Status
from insights.demo import DEMO_FILE, demo_comments_load, demo_ids, demo_pending_classify


class Command(BaseCommand):
    help = "Cria a conta de curadoria e carrega os comentários de demonstração (make demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=DEMO_FILE, help="CSV com coluna 'texto'.")
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000", help="Endereço mostrado no final."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Roda mesmo com DEBUG desligado (cria uma conta de equipe e mostra a senha).",
        )

    def handle(self, *args: Any, file: Path, url: str, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            # A staff account with a printed password has no place on a production site.
            raise CommandError(
                "setup_demo cria uma conta de equipe e mostra a senha: é só para demonstração. "
                "Com DEBUG desligado, ele só roda com --force."
            )
        # One "task succeeded" line per batch would bury the progress lines below.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        curator, password = self._ensure_curator()
        self._load_demo_comments(file, curator)
        self._print_access(url, curator.email, password)

    # -- the curator ---------------------------------------------------------------------

    def _ensure_curator(self) -> tuple[User, str | None]:
        """Create or update the curator; return it and the password to show (if new)."""
        account = curator_ensure(
            email=settings.DEMO_CURATOR_EMAIL, password=settings.DEMO_CURATOR_PASSWORD or None
        )
        email = account.user.email
        verb = "criada" if account.created else "já existia"
        self.stdout.write(f"Conta de curadoria {email} {verb}.")
        if not account.password:
            self.stdout.write(
                "  A senha existente foi mantida. Para trocá-la: "
                f".venv/bin/python manage.py changepassword {email}"
            )
        return account.user, account.password

    # -- the demo comments -------------------------------------------------------------------

    def _load_demo_comments(self, file: Path, curator: Any) -> None:
        ids = demo_ids(file)
        known = Comment.objects.filter(pk__in=ids).count()
        if known == len(ids):
            self.stdout.write(f"Os {known} comentários de demonstração já estão carregados.")
            self._classify_leftovers(ids)
            self._print_statuses(ids)
            return
        self._announce_classification(len(ids) - known)
        summary = self._ingest(file, curator, total=len(ids))
        self.stdout.write(
            f"Comentários: {summary.stored} novos, {summary.already_known} já conhecidos, "
            f"{len(summary.rejected)} rejeitados."
        )
        for number, reason in summary.rejected:
            self.stdout.write(f"  linha {number}: {reason}")
        self._print_statuses(ids)

    def _announce_classification(self, missing: int) -> None:
        backend = settings.CLASSIFIER_BACKEND
        self.stdout.write(
            f"Carregando {missing} comentários; classificação aqui mesmo ({backend})."
        )
        if backend == "local" and not any(Path(settings.MODEL_DIR).glob("*")):
            self.stdout.write(
                "  O modelo local ainda não existe em "
                f"{settings.MODEL_DIR}: ele será treinado agora (leva alguns segundos)…"
            )

    def _ingest(self, file: Path, curator: Any, *, total: int) -> ImportSummary:
        def progress(summary: ImportSummary) -> None:
            self.stdout.write(f"  {summary.rows}/{total} processados")

        return demo_comments_load(file=file, curator=curator, on_chunk=progress)

    def _print_statuses(self, ids: list[str]) -> None:
        rows = Comment.objects.filter(pk__in=ids).values_list("status", "category")
        statuses = Counter(status for status, _ in rows)
        categories = Counter(category for _, category in rows if category)
        self.stdout.write("Por status: " + _counts(statuses))
        if categories:
            self.stdout.write("Por categoria: " + _counts(categories))
        if statuses[Status.FAILED]:
            self.stdout.write(
                f"  {statuses[Status.FAILED]} falharam; para tentar de novo: "
                ".venv/bin/python manage.py classify --status FALHOU --sync"
            )

    def _classify_leftovers(self, ids: list[str]) -> None:
        pending = Comment.objects.filter(pk__in=ids, status=Status.PENDING).count()
        if pending:
            self.stdout.write(f"{pending} comentários ainda pendentes; classificando agora…")
            demo_pending_classify(ids=ids)

    # -- the end -------------------------------------------------------------------------

    def _print_access(self, url: str, email: str, password: str | None) -> None:
        shown = password or "(a senha existente foi mantida)"
        self.stdout.write(
            self.style.SUCCESS(
                "\nPronto! AluMusic Insights de demonstração:\n"
                f"  Site:    {url}/\n"
                f"  Admin:   {url}/admin/\n"
                f"  E-mail:  {email}\n"
                f"  Senha:   {shown}\n"
            )
        )


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{key} {value}" for key, value in counter.most_common())
