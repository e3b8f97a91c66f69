"""`manage.py generate_comments --count N`: synthetic comments for benchmarks (PostgreSQL)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from comments.generation import comments_generate
from lib.errors import ValidationFailed


class Command(BaseCommand):
    help = _(
        "Insere N comentários sintéticos em pt-BR (categorias, confianças, tags, status, "
        "revisões, 12 semanas de datas) com COPY. Só PostgreSQL; para benchmarks e testes."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, required=True, help=_("Quantos comentários."))
        parser.add_argument("--weeks", type=int, default=12, help=_("Semanas para trás."))
        parser.add_argument("--seed", type=int, default=0, help=_("Semente (reprodutível)."))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = comments_generate(
                count=options["count"],
                weeks=options["weeks"],
                seed=options["seed"],
            )
        except ValidationFailed as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            _("%(comments)d comentários e %(links)d tags inseridos em %(seconds).1f s "
              "(%(rate).0f comentários/s).")
            % {"comments": result.comments, "links": result.tag_links,
               "seconds": result.seconds, "rate": result.rows_per_second}
        )  # fmt: skip
