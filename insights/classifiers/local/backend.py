"""The offline backend: a scikit-learn model trained on the project's corpus, plus the tagger.

One instance per process and model variant (`LocalBackend.shared()`); the model artifact is
loaded on first use, under a lock, and built from the corpus when missing or stale (see
insights/training.py). Confidence is the calibrated probability of the chosen label.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
from django.conf import settings

from insights.classifiers.local.artifacts import load_or_build
from insights.classifiers.local.training import TrainedModel, resolve_variant
from insights.domain import BatchResult, Classification, CommentInput

logger = logging.getLogger(__name__)


class LocalBackend:
    """Classifies a batch in one model pass; never calls the network."""

    name = "local"
    _instances: ClassVar[dict[tuple[str, str], LocalBackend]] = {}
    _instances_lock = threading.Lock()

    def __init__(
        self,
        *,
        variant: str | None = None,
        model_dir: Path | None = None,
        train_dir: Path | None = None,
    ) -> None:
        self.variant = resolve_variant(variant or settings.LOCAL_CLASSIFIER_MODEL)
        self.model_dir = Path(model_dir or settings.MODEL_DIR)
        self.train_dir = Path(train_dir or settings.LOCAL_CLASSIFIER_CORPUS_DIR)
        self._model: TrainedModel | None = None
        self._model_lock = threading.Lock()
        self.load_seconds: float | None = None

    @classmethod
    def for_model(cls, model: TrainedModel) -> LocalBackend:
        """A backend answering with an already loaded `model` (a candidate being compared)."""
        backend = cls(variant=model.spec.variant)
        backend._model = model
        return backend

    @classmethod
    def shared(cls) -> LocalBackend:
        """The process-wide instance for the configured model variant and model directory."""
        key = (resolve_variant(settings.LOCAL_CLASSIFIER_MODEL), str(settings.MODEL_DIR))
        with cls._instances_lock:
            if key not in cls._instances:
                cls._instances[key] = cls(variant=key[0], model_dir=Path(key[1]))
            return cls._instances[key]

    @property
    def model(self) -> TrainedModel:
        """The trained model, loaded (or built) once, on first use."""
        if self._model is None:
            with self._model_lock:
                if self._model is None:
                    started = time.perf_counter()
                    self._model = load_or_build(self.variant, self.model_dir, self.train_dir)
                    self._model.warm_up()
                    self.load_seconds = time.perf_counter() - started
                    logger.info(
                        "Local model %s ready in %.2fs", self._model.version, self.load_seconds
                    )
        return self._model

    def classify(self, items: Sequence[CommentInput]) -> BatchResult:
        """One label, calibrated confidence, margin and tags for every item."""
        if not items:
            return BatchResult()
        model = self.model
        texts = [item.text for item in items]
        # Featurised once: the category model and the tagger read the same matrix.
        features = model.features(texts)
        probabilities = model.probabilities(features, texts)
        # Plain Python floats and labels in one numpy pass each: per-item numpy scalars cost
        # more than the model's own work at ten thousand comments per second.
        chosen = probabilities.argmax(axis=1)
        ordered = np.sort(probabilities, axis=1)
        confidence = np.clip(ordered[:, -1], 0.0, 1.0).tolist()
        margin = np.clip(ordered[:, -1] - ordered[:, -2], 0.0, 1.0).tolist()
        categories = [model.labels[column] for column in chosen.tolist()]
        tags = model.tags(features, texts, categories)
        backend, model_name, version = self.name, model.model_name, model.version
        return BatchResult(
            classifications=[
                Classification(
                    id=item.id,
                    category=category,
                    confidence=best,
                    margin=gap,
                    tags=item_tags,
                    backend=backend,
                    model=model_name,
                    prompt_version=version,
                )
                for item, category, best, gap, item_tags in zip(
                    items, categories, confidence, margin, tags, strict=True
                )
            ]
        )
