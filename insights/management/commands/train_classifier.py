"""`manage.py train_classifier`: train the local model from the corpus and write its artifact."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from insights.classifiers.local.corpus import CorpusError, load_training_corpus, training_files
from insights.classifiers.local.training import (
    SPECS,
    artifact_path,
    cross_validated_macro_f1,
    load_model,
    resolve_variant,
    save_model,
    train_model,
)


class Command(BaseCommand):
    help = _("Treina o classificador local (reprodutível) a partir de insights/data/train/*.jsonl.")

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

    def handle(
        self, *args: Any, model: str, output: str | None, skip_cv: bool, **options: Any
    ) -> None:
        spec = SPECS[resolve_variant(model)]
        try:
            items = load_training_corpus()
        except CorpusError as error:
            raise CommandError(str(error)) from error
        if not items:
            raise CommandError(_("Nenhum item de treino em insights/data/train/."))
        files = ", ".join(path.name for path in training_files())
        self.stdout.write(
            _("Treinando %(modelo)s com %(n)d comentários (%(arquivos)s)…")
            % {"modelo": spec.model_name, "n": len(items), "arquivos": files}
        )
        if not skip_cv:
            score = cross_validated_macro_f1(spec, items)
            self.stdout.write(_("F1 macro (validação cruzada, 5 partes): %.3f") % score)
        path = Path(output) if output else artifact_path(spec.variant, settings.MODEL_DIR)
        self._train_and_save(spec, items, path)

    def _train_and_save(self, spec: Any, items: list[Any], path: Path) -> None:
        started = time.perf_counter()
        trained = train_model(spec, items)
        save_model(trained, path)
        self.stdout.write(
            _("Modelo %(versao)s treinado em %(s).1fs e salvo em %(caminho)s")
            % {"versao": trained.version, "s": time.perf_counter() - started, "caminho": path}
        )
        started = time.perf_counter()
        load_model(path).predict_proba(["aquecendo o modelo"])
        self.stdout.write(
            _("Tempo de carga (com a primeira predição): %.2fs") % (time.perf_counter() - started)
        )
