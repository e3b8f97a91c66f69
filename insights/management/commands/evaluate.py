"""`manage.py evaluate`: score a classifier backend on a labelled dataset and store the run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from insights.classifiers import BACKEND_NAMES, get_backend
from insights.classifiers.local.corpus import EVAL_PATH, CorpusError, load_jsonl
from insights.evaluation import LABELS, EvaluationResult, evaluate_backend, evaluation_run_create

FAILURES_SHOWN = 20


class Command(BaseCommand):
    help = _(
        "Avalia um backend de classificação num conjunto rotulado (padrão: o conjunto de "
        "avaliação do projeto) pelo mesmo caminho do pipeline e registra a avaliação."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset", default=str(EVAL_PATH), metavar="PATH")
        parser.add_argument(
            "--backend", choices=BACKEND_NAMES, help=_("padrão: CLASSIFIER_BACKEND")
        )
        parser.add_argument("--fail-under", type=float, default=0.90, metavar="F1")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(
        self,
        *args: Any,
        dataset: str,
        backend: str | None,
        fail_under: float,
        batch_size: int,
        **options: Any,
    ) -> None:
        if batch_size < 1:
            raise CommandError(_("--batch-size deve ser positivo."))
        items = _load(Path(dataset))
        chosen = get_backend(backend)
        # tqdm rewrites its line with "\r"; Django's OutputWrapper would add newlines.
        stream = getattr(self.stderr, "_out", sys.stderr)
        with tqdm(total=len(items), desc=_("avaliando"), unit=_(" itens"), file=stream) as bar:
            result = evaluate_backend(items, chosen, batch_size=batch_size, progress=bar.update)
        evaluation_run_create(dataset=dataset, backend_name=chosen.name, result=result)
        self._print(dataset, chosen.name, result)
        if result.macro_f1 < fail_under:
            raise CommandError(
                _("F1 macro %(f1).3f abaixo do mínimo %(minimo).3f.")
                % {"f1": result.macro_f1, "minimo": fail_under}
            )

    def _print(self, dataset: str, backend: str, result: EvaluationResult) -> None:
        write = self.stdout.write
        write(
            _("Conjunto %(d)s: %(n)d itens; backend %(b)s, modelo %(m)s; %(s).1fs")
            % {
                "d": dataset,
                "n": result.item_count,
                "b": backend,
                "m": result.model,
                "s": result.duration_seconds,
            }
        )
        write("\n" + result.report_text)
        write(_("Matriz de confusão (linhas: esperado; colunas: previsto):"))
        write(_matrix_text(result.confusion))
        tags = result.tags
        write(
            _("Tags micro: precisão %(p).3f, revocação %(r).3f, F1 %(f).3f")
            % {"p": tags.micro_precision, "r": tags.micro_recall, "f": tags.micro_f1}
        )
        write(
            _("Tags macro: precisão %(p).3f, revocação %(r).3f, F1 %(f).3f")
            % {"p": tags.macro_precision, "r": tags.macro_recall, "f": tags.macro_f1}
        )
        write(_("Itens reprovados na validação: %d") % len(result.problems))
        for item, problem in result.problems[:FAILURES_SHOWN]:
            write(f"  - {item.text[:80]!r}: {problem.reason}")
        write(_("F1 macro: %.3f") % result.macro_f1)


def _load(path: Path) -> list[Any]:
    try:
        items = load_jsonl(path)
    except FileNotFoundError as error:
        raise CommandError(_("Arquivo não encontrado: %s") % path) from error
    except CorpusError as error:
        raise CommandError(str(error)) from error
    if not items:
        raise CommandError(_("O conjunto %s está vazio.") % path)
    return items


def _matrix_text(matrix: list[list[int]]) -> str:
    width = max(len(label) for label in LABELS) + 2
    lines = [" " * width + "".join(f"{label:>{width}}" for label in LABELS)]
    for label, row in zip(LABELS, matrix, strict=True):
        lines.append(f"{label:<{width}}" + "".join(f"{count:>{width}}" for count in row))
    return "\n".join(lines)
