"""The cascade's two models share one fitted TF-IDF step instead of pickling two equal ones."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.pipeline import FeatureUnion, Pipeline

from insights.classifiers.local.vectorizers import WordTfidf


def share_tfidf(pipeline: Pipeline, second: Pipeline) -> bool:
    """Give `second` the fitted TF-IDF step of `pipeline` when both fitted the same one.

    The same parameters fitted on the same texts give the same vocabularies and weights: one
    copy in the artifact instead of two, and half the vocabulary to unpickle when it loads.
    Returns whether the step is now shared.
    """
    ours, theirs = _vectorizers(pipeline), _vectorizers(second)
    same = len(ours) == len(theirs) and all(
        type(a) is type(b)
        and a.get_params() == b.get_params()
        and np.array_equal(a.idf_, b.idf_)
        and _vocabulary(a) == _vocabulary(b)
        for a, b in zip(ours, theirs, strict=False)
    )
    if not same or _union(pipeline).transformer_weights != _union(second).transformer_weights:
        return False
    shared = _tfidf(pipeline)
    union = second.named_steps["features"]
    union.transformer_list = [
        (name, shared if name == "tfidf" else step) for name, step in union.transformer_list
    ]
    return True


def _tfidf(pipeline: Pipeline) -> Pipeline:
    return dict(pipeline.named_steps["features"].transformer_list)["tfidf"]


def _union(pipeline: Pipeline) -> FeatureUnion:
    return _tfidf(pipeline).named_steps["union"]


def _vectorizers(pipeline: Pipeline) -> list[Any]:
    return [step for _, step in _union(pipeline).transformer_list]


def _vocabulary(vectorizer: Any) -> Any:
    if isinstance(vectorizer, WordTfidf):
        return vectorizer.unigrams_, vectorizer.bigrams_
    return vectorizer.vocabulary_
