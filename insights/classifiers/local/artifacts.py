"""The model artifact on disk: where it lives, atomic saves, and loading or rebuilding it.

An artifact whose version differs from what the current corpus and code would produce is
rebuilt (`load_or_build`), so editing the corpus never leaves a stale model in use.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from pathlib import Path

import joblib

from insights.classifiers.local.corpus import TRAIN_DIR, load_training_corpus
from insights.classifiers.local.training import (
    SPECS,
    TrainedModel,
    model_version,
    resolve_variant,
    train_model,
)

logger = logging.getLogger(__name__)


def artifact_path(variant: str, model_dir: Path) -> Path:
    """Where the artifact of `variant` lives under `model_dir`."""
    return Path(model_dir) / f"local-{resolve_variant(variant)}.joblib"


def save_model(model: TrainedModel, path: Path) -> None:
    """Write `model` to `path` atomically, so a concurrent reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    try:
        joblib.dump(model, temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def load_model(path: Path) -> TrainedModel:
    """The artifact at `path` (raises FileNotFoundError when absent)."""
    model = joblib.load(path)
    if not isinstance(model, TrainedModel):
        raise TypeError(f"{path} does not hold a TrainedModel")
    return model


_BUILD_LOCK = threading.Lock()


def load_or_build(variant: str, model_dir: Path, train_dir: Path = TRAIN_DIR) -> TrainedModel:
    """The artifact of `variant`, rebuilt from the corpus when missing, unreadable or stale."""
    spec = SPECS[resolve_variant(variant)]
    path = artifact_path(variant, model_dir)
    items = load_training_corpus(train_dir)
    expected = model_version(spec, items) if items else None
    with _BUILD_LOCK:
        model = _load_if_current(path, expected)
        if model is not None:
            return model
        if not items:
            raise FileNotFoundError(f"No model at {path} and no training corpus in {train_dir}")
        logger.info("Training local model %s on %d items into %s", expected, len(items), path)
        model = train_model(spec, items)
        save_model(model, path)
        return model


def _load_if_current(path: Path, expected: str | None) -> TrainedModel | None:
    try:
        model = load_model(path)
    except FileNotFoundError:
        return None
    except Exception:  # a truncated or foreign file: rebuild rather than refuse to classify
        logger.exception("Could not load model artifact %s; rebuilding it", path)
        return None
    if expected is not None and (model.corpus_version or model.version) != expected:
        logger.warning("Model %s is stale (corpus wants %s); rebuilding", model.version, expected)
        return None
    return model
