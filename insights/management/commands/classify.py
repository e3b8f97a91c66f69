"""`manage.py classify`: (re)classify PENDENTE or FALHOU comments, queued or in-process."""

from __future__ import annotations

from argparse import ArgumentTypeError
from collections import Counter
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from comments.models import Status
from insights import selectors
from insights.classifiers import BACKEND_NAMES
from insights.pipeline.classify import comments_classify
from insights.pipeline.enqueue import comments_enqueue_pending, comments_requeue_failed


class Command(BaseCommand):
    help = _(
        "Classifica comentários PENDENTE (ou reprocessa os FALHOU): enfileira para os workers "
        "ou, com --sync, classifica neste processo."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--status", choices=[Status.PENDING, Status.FAILED], default=Status.PENDING
        )
        parser.add_argument("--since", type=_parse_date, help=_("Recebidos a partir de AAAA-MM-DD"))
        parser.add_argument("--backend", choices=BACKEND_NAMES, default=None)
        parser.add_argument("--sync", action="store_true", help=_("Classificar neste processo"))
        parser.add_argument("--batch-size", type=int, default=settings.CLASSIFY_BATCH_SIZE)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError(_("--batch-size deve ser positivo."))
        since = options["since"]
        since_at = timezone.make_aware(datetime.combine(since, time.min)) if since else None
        total = selectors.comments_in_status(status=options["status"], since=since_at).count()
        if not total:
            self.stdout.write(_("Nenhum comentário %(status)s a classificar.") % options)
            return
        pages = self._pages(options["status"], since_at, options["batch_size"])
        if options["sync"]:
            self._classify_here(pages, total, options)
        else:
            self._enqueue(pages, options)

    def _pages(self, status: str, since: datetime | None, size: int):
        after = None
        while ids := selectors.comment_ids_page(
            status=status, since=since, after=after, limit=size
        ):
            after = ids[-1]
            yield [str(pk) for pk in ids]

    def _enqueue(self, pages, options: dict) -> None:
        enqueued = 0
        for ids in pages:
            if options["status"] == Status.FAILED:
                enqueued += len(
                    comments_requeue_failed(comment_ids=ids, backend_name=options["backend"])
                )
            else:
                enqueued += comments_enqueue_pending(
                    comment_ids=ids,
                    backend_name=options["backend"],
                    batch_size=options["batch_size"],
                )
        self.stdout.write(
            self.style.SUCCESS(
                _("%(n)d comentários enfileirados para classificação.") % {"n": enqueued}
            )
        )

    def _classify_here(self, pages, total: int, options: dict) -> None:
        totals: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        with tqdm(total=total, unit=_("coment."), disable=None) as bar:
            for ids in pages:
                if options["status"] == Status.FAILED:
                    ids = comments_requeue_failed(comment_ids=ids, enqueue=False)
                outcome = comments_classify(comment_ids=ids, backend_name=options["backend"])
                totals.update(
                    classified=outcome.classified,
                    retrying=outcome.retrying,
                    failed=outcome.failed,
                    skipped=outcome.requested - outcome.claimed,
                )
                errors.update(outcome.errors)
                bar.update(len(ids))
        self._summary(totals, errors)

    def _summary(self, totals: Counter[str], errors: Counter[str]) -> None:
        self.stdout.write(
            _(
                "Classificados: %(classified)d · aguardando nova tentativa: %(retrying)d · "
                "falharam: %(failed)d · já tratados por outro worker: %(skipped)d"
            )
            % {key: totals[key] for key in ("classified", "retrying", "failed", "skipped")}
        )
        for reason, count in errors.most_common(5):
            self.stdout.write(f"  {count:>6}  {reason}")


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        message = _("data inválida %(valor)r; use AAAA-MM-DD") % {"valor": value}
        raise ArgumentTypeError(message) from error
