"""`manage.py train_classifier`: train the local model and write (promote) its artifact.

With `--with-reviewed` the curator-reviewed comments join the corpus, and the new artifact
replaces the current one only if it scores at least as well on the frozen fresh set and on the
reviewed gold set (see insights.retraining).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from insights.classifiers.local.artifacts import artifact_path, load_model, save_model
from insights.classifiers.local.corpus import CorpusError, load_training_corpus, training_files
from insights.classifiers.local.training import (
    SPECS,
    ModelSpec,
    TrainedModel,
    cross_validated_macro_f1,
    resolve_variant,
    train_model,
)
from insights.retraining import Comparison, compare_with_current, reviewed_for_training


class Command(BaseCommand):
    help = _(
        "Treina o classificador local (reprodutível) a partir dos escritor_*.jsonl de "
        "LOCAL_CLASSIFIER_CORPUS_DIR (padrão: insights/data/train/)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--model",
            default="default",
            choices=["default", *SPECS],
            help=_("variante do modelo (padrão: a de LOCAL_CLASSIFIER_MODEL 'default')"),
        )
        parser.add_argument("--output", metavar="PATH", help=_("arquivo do artefato (.joblib)"))
        parser.add_argument(
            "--skip-cv",
            action="store_true",
            help=_("não calcular o F1 macro por validação cruzada"),
        )
        parser.add_argument(
            "--with-reviewed",
            action="store_true",
            help=_(
                "acrescenta ao treino os comentários revisados por curadores; o novo modelo só "
                "substitui o atual se não piorar no conjunto novo nem nos revisados"
            ),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("com --with-reviewed, substitui o modelo atual mesmo que o novo seja pior"),
        )

    def handle(
        self,
        *args: Any,
        model: str,
        output: str | None,
        skip_cv: bool,
        with_reviewed: bool,
        force: bool,
        **options: Any,
    ) -> None:
        spec = SPECS[resolve_variant(model)]
        corpus_dir = Path(settings.LOCAL_CLASSIFIER_CORPUS_DIR)
        try:
            items = load_training_corpus(corpus_dir)
        except CorpusError as error:
            raise CommandError(str(error)) from error
        if not items:
            raise CommandError(_("Nenhum item de treino em %s.") % corpus_dir)
        reviewed = reviewed_for_training() if with_reviewed else []
        files = ", ".join(path.name for path in training_files(corpus_dir))
        self.stdout.write(
            _("Treinando %(modelo)s com %(n)d comentários (%(arquivos)s) e %(r)d revisados…")
            % {"modelo": spec.model_name, "n": len(items), "arquivos": files, "r": len(reviewed)}
        )
        if not skip_cv:
            score = cross_validated_macro_f1(spec, items)
            self.stdout.write(_("F1 macro (validação cruzada, 5 partes): %.3f") % score)
        path = Path(output) if output else artifact_path(spec.variant, settings.MODEL_DIR)
        trained = self._train(spec, items, reviewed)
        if with_reviewed:
            self._promote_if_not_worse(trained, path, force)
        self._save(trained, path)

    def _train(self, spec: ModelSpec, items: list[Any], reviewed: list[Any]) -> TrainedModel:
        started = time.perf_counter()
        trained = train_model(spec, items, reviewed)
        self.stdout.write(
            _("Modelo %(versao)s treinado em %(s).1fs")
            % {"versao": trained.version, "s": time.perf_counter() - started}
        )
        return trained

    def _promote_if_not_worse(self, candidate: TrainedModel, path: Path, force: bool) -> None:
        comparison = compare_with_current(candidate, path)
        self._print_comparison(comparison)
        if comparison.not_worse:
            return
        if not force:
            raise CommandError(
                _(
                    "O novo modelo é pior que o atual; nada foi substituído (use --force para "
                    "substituir mesmo assim)."
                )
            )
        self.stdout.write(_("Pior que o atual, mas substituído por --force."))

    def _print_comparison(self, comparison: Comparison) -> None:
        for name, current, candidate in comparison.rows():
            self.stdout.write(
                _("%(conjunto)s: F1 macro atual %(atual)s, novo %(novo).3f")
                % {
                    "conjunto": name,
                    "atual": "—" if current is None else f"{current:.3f}",
                    "novo": candidate,
                }
            )

    def _save(self, trained: TrainedModel, path: Path) -> None:
        save_model(trained, path)
        self.stdout.write(_("Salvo em %s") % path)
        started = time.perf_counter()
        load_model(path).warm_up()
        self.stdout.write(
            _("Tempo de carga (com a primeira predição): %.2fs") % (time.perf_counter() - started)
        )
