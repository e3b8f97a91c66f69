"""`manage.py evaluate`: score a classifier backend on labelled data and store each run.

Without `--dataset` or `--gold` it scores the four frozen fresh sets (each on its own, with
per-writer figures), the older eval.jsonl and, for the local backend, leave-one-writer-out
cross-validation on the corpus.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from insights.classifiers import BACKEND_NAMES, get_backend
from insights.classifiers.local.corpus import (
    EVAL_PATH,
    FROZEN_DIRS,
    CorpusError,
    CorpusItem,
    complete_writers,
    load_fresh_eval,
    load_jsonl,
    load_training_corpus,
)
from insights.classifiers.local.training import SPECS, resolve_variant
from insights.domain import ClassifierBackend
from insights.evaluation import (
    LABELS,
    EvaluationResult,
    evaluate_backend,
    evaluate_out_of_writer,
    evaluation_run_create,
)
from insights.selectors import reviewed_gold_items

FAILURES_SHOWN = 20
LOWO_DATASET = "lowo"  # EvaluationRun.dataset of leave-one-writer-out runs
LOWO_PROCESSES_MAX = 4
GOLD_DATASET = "reviewed"
# Headings of the frozen sets, in the order of FROZEN_DIRS.
FROZEN_ORDINALS = (_("Primeiro"), _("Segundo"), _("Terceiro"), _("Quarto"))


@dataclass(frozen=True)
class _Dataset:
    name: str
    items: list[CorpusItem]
    checked: bool  # --fail-under applies to it
    title: str = ""  # pt-BR heading above its report, so two sets in one run read apart


class Command(BaseCommand):
    help = _(
        "Avalia um backend de classificação pelo mesmo caminho do pipeline e registra cada "
        "avaliação. Sem --dataset nem --gold: os quatro conjuntos novos congelados (cada um com "
        "os números por redator), o eval.jsonl e, no backend local, a validação cruzada "
        "deixando um redator de fora."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dataset", metavar="PATH", help=_("avalia só este arquivo JSON Lines rotulado")
        )
        parser.add_argument(
            "--gold",
            choices=[GOLD_DATASET],
            help=_("avalia só os comentários cuja categoria um curador definiu"),
        )
        parser.add_argument(
            "--backend", choices=BACKEND_NAMES, help=_("padrão: CLASSIFIER_BACKEND")
        )
        parser.add_argument(
            "--skip-lowo",
            action="store_true",
            help=_("não rodar a validação cruzada por redator (treina um modelo por redator)"),
        )
        parser.add_argument("--fail-under", type=float, default=0.90, metavar="F1")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(
        self,
        *args: Any,
        dataset: str | None,
        gold: str | None,
        backend: str | None,
        skip_lowo: bool,
        fail_under: float,
        batch_size: int,
        **options: Any,
    ) -> None:
        if batch_size < 1:
            raise CommandError(_("--batch-size deve ser positivo."))
        datasets = _datasets(dataset, gold)
        chosen = get_backend(backend)
        below = []
        for data in datasets:
            result = self._evaluate(data, chosen, batch_size)
            if data.checked and result.macro_f1 < fail_under:
                below.append((data.name, result.macro_f1))
        if dataset is None and gold is None and chosen.name == "local" and not skip_lowo:
            result = self._out_of_writer()
            if result.macro_f1 < fail_under:
                below.append((LOWO_DATASET, result.macro_f1))
        if below:
            raise CommandError(
                " ".join(
                    _("%(conjunto)s: F1 macro %(f1).3f abaixo do mínimo %(minimo).3f.")
                    % {"conjunto": name, "f1": f1, "minimo": fail_under}
                    for name, f1 in below
                )
            )

    def _evaluate(
        self, data: _Dataset, backend: ClassifierBackend, batch_size: int
    ) -> EvaluationResult:
        with tqdm(
            total=len(data.items),
            desc=_("avaliando"),
            unit=_(" itens"),
            file=self._progress_stream(),
        ) as bar:
            result = evaluate_backend(
                data.items, backend, batch_size=batch_size, progress=bar.update
            )
        evaluation_run_create(dataset=data.name, backend_name=backend.name, result=result)
        if data.title:
            self.stdout.write("\n" + "=" * 12 + f" {data.title} " + "=" * 12)
        self._print(data.name, backend.name, result)
        return result

    def _out_of_writer(self) -> EvaluationResult:
        spec = SPECS[resolve_variant(settings.LOCAL_CLASSIFIER_MODEL)]
        self.stdout.write(
            _("Validação cruzada deixando um redator de fora (%s): um modelo por redator…")
            % spec.model_name
        )
        corpus = load_training_corpus(Path(settings.LOCAL_CLASSIFIER_CORPUS_DIR))
        writers = complete_writers(corpus)
        with tqdm(
            total=len(writers),
            desc=_("redatores"),
            unit=_(" redator"),
            file=self._progress_stream(),
        ) as bar:

            def advance(writer: str) -> None:
                bar.set_postfix_str(writer)
                bar.update()

            result = evaluate_out_of_writer(
                spec, corpus, progress=advance, processes=_lowo_processes()
            )
        evaluation_run_create(dataset=LOWO_DATASET, backend_name="local", result=result)
        self._print(LOWO_DATASET, "local", result)
        return result

    def _progress_stream(self) -> Any:
        # tqdm rewrites its line with "\r"; Django's OutputWrapper would add newlines.
        return getattr(self.stderr, "_out", sys.stderr)

    def _print(self, dataset: str, backend: str, result: EvaluationResult) -> None:
        write = self.stdout.write
        write(
            "\n"
            + _("Conjunto %(d)s: %(n)d itens; backend %(b)s, modelo %(m)s; %(s).1fs")
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
        for writer, f1 in result.per_writer.items():
            write(_("Redator %(w)s: F1 macro %(f).3f") % {"w": writer, "f": f1})
        write(_("Calibração: ECE %.3f (10 faixas)") % result.ece)
        review = result.review
        write(
            _(
                "Revisão: %(pegos).1f%% dos %(erros)d erros marcados para revisão; "
                "%(marcados).1f%% de todos os itens marcados"
            )
            % {
                "pegos": 100 * review.get("errors_flagged", 0.0),
                "erros": review.get("errors", 0.0),
                "marcados": 100 * review.get("flagged", 0.0),
            }
        )
        tags = result.tags
        write(
            _("Tags micro: precisão %(p).3f, revocação %(r).3f, F1 %(f).3f")
            % {"p": tags.micro_precision, "r": tags.micro_recall, "f": tags.micro_f1}
        )
        write(
            _("Tags macro: precisão %(p).3f, revocação %(r).3f, F1 %(f).3f")
            % {"p": tags.macro_precision, "r": tags.macro_recall, "f": tags.macro_f1}
        )
        self._print_tags_per_code(result)
        write(_("Itens reprovados na validação: %d") % len(result.problems))
        for item, problem in result.problems[:FAILURES_SHOWN]:
            write(f"  - {item.text[:80]!r}: {problem.reason}")
        write(_("F1 macro: %.3f") % result.macro_f1)

    def _print_tags_per_code(self, result: EvaluationResult) -> None:
        per_code = result.tags.per_code
        if not per_code:
            return
        width = max(len(code) for code in per_code) + 2
        self.stdout.write(
            _("Tags por código:")
            + "\n"
            + f"{'':<{width}}"
            + "".join(
                f"{header:>11}"
                for header in (_("precisão"), _("revocação"), _("anotadas"), _("previstas"))
            )
        )
        for code, figures in per_code.items():
            self.stdout.write(
                f"{code:<{width}}{figures['precision']:>11.3f}{figures['recall']:>11.3f}"
                f"{int(figures['support']):>11d}{int(figures['predicted']):>11d}"
            )


def _datasets(dataset: str | None, gold: str | None) -> list[_Dataset]:
    """What to score: one file, the reviewed comments, or the project's evaluation sets."""
    if dataset is not None:
        return [_Dataset(dataset, _load(Path(dataset)), checked=True)]
    if gold is not None:
        items = reviewed_gold_items()
        if not items:
            raise CommandError(_("Nenhum comentário revisado por curador ainda."))
        return [_Dataset(GOLD_DATASET, items, checked=True)]
    frozen = [
        _Dataset(
            str(directory),
            _load_frozen(directory),
            checked=True,
            title=_("%(ordinal)s conjunto novo congelado (%(name)s/)")
            % {"ordinal": ordinal, "name": directory.name},
        )
        for ordinal, directory in zip(FROZEN_ORDINALS, FROZEN_DIRS, strict=True)
    ]
    return [
        *frozen,
        _Dataset(
            str(EVAL_PATH),
            _load(EVAL_PATH),
            checked=False,
            title=_("Conjunto de avaliação antigo (eval.jsonl)"),
        ),
    ]


def _load_frozen(directory: Path) -> list[CorpusItem]:
    try:
        items = load_fresh_eval(directory)
    except CorpusError as error:
        raise CommandError(str(error)) from error
    return _non_empty(items, directory)


def _load(path: Path) -> list[CorpusItem]:
    try:
        items = load_jsonl(path)
    except FileNotFoundError as error:
        raise CommandError(_("Arquivo não encontrado: %s") % path) from error
    except CorpusError as error:
        raise CommandError(str(error)) from error
    return _non_empty(items, path)


def _non_empty(items: Sequence[CorpusItem], path: Path) -> list[CorpusItem]:
    if not items:
        raise CommandError(_("O conjunto %s está vazio.") % path)
    return list(items)


def _lowo_processes() -> int:
    """Writers trained at once: one per core this process may use (a writer's model waits on one
    core for most of its training), at most LOWO_PROCESSES_MAX: each writer holds ~1.5 GB in its
    process and its sentence-encoder child."""
    return max(1, min(len(os.sched_getaffinity(0)), LOWO_PROCESSES_MAX))


def _matrix_text(matrix: list[list[int]]) -> str:
    width = max(len(label) for label in LABELS) + 2
    lines = [" " * width + "".join(f"{label:>{width}}" for label in LABELS)]
    for label, row in zip(LABELS, matrix, strict=True):
        lines.append(f"{label:<{width}}" + "".join(f"{count:>{width}}" for count in row))
    return "\n".join(lines)
