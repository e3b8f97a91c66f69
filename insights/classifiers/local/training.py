"""Build the local classifier's model: the variants, the pipeline, training and its version.

Training is reproducible: fixed seeds, files read in name order, single-threaded solvers. A
model records a version hashed from the corpus, the model's parameters, its code and the library
versions; artifacts.py saves it and rebuilds an artifact whose version differs from what the
current corpus would produce, so editing the corpus never leaves a stale model in use.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from threadpoolctl import threadpool_limits

from insights.classifiers.local.cascade import share_tfidf
from insights.classifiers.local.corpus import (
    CorpusItem,
    corpus_digest,
)
from insights.classifiers.local.features import normalise_many
from insights.classifiers.local.tag_model import LearnedTagger
from insights.classifiers.local.tag_training import train_tagger
from insights.classifiers.local.tagger import tag_comments
from insights.classifiers.local.vectorizers import CachedCharTfidf, WordTfidf
from insights.domain import CATEGORIES, TagResult

logger = logging.getLogger(__name__)

SEED = 20240601
CALIBRATION_FOLDS = 5
# The code that shapes the model: a change to any of these files changes the artifact version.
_MODEL_SOURCES = ("training.py", "cascade.py", "features.py", "vectorizers.py", "embeddings.py")
# The learned tagger's code (the keyword rules only explain its tags, at run time).
_TAGGER_SOURCES = ("tag_model.py", "tag_training.py")
# Words, single punctuation marks ("?", "!") and each emoji are tokens.
TOKEN_PATTERN = r"(?u)\w+|[^\w\s]"


@dataclass(frozen=True)
class ModelSpec:
    """The parameters of one model variant; all of them enter the artifact version."""

    variant: str
    model_name: str
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    char_min_df: int = 2
    regularisation: float = 20.0  # chosen by leave-one-writer-out (MODEL.md)
    balanced: bool = False  # class weights inversely proportional to label frequency
    use_weight: float = 0.0  # > 0 adds USE sentence embeddings to the TF-IDF features
    word_weight: float = 1.0  # scale of the word block against the char block (both L2-normed)
    # A second model (another variant) asked only about the comments this one is unsure of
    # (top probability below `second_opinion_below`); its distribution replaces this one's.
    second_opinion: str = ""
    second_opinion_below: float = 0.0


SPECS: dict[str, ModelSpec] = {
    # Word block x2: measured by leave-one-writer-out only (MODEL.md, third and fourth rounds).
    "fast": ModelSpec(variant="fast", model_name="local-tfidf-lr", word_weight=2.0),
    "use": ModelSpec(
        variant="use", model_name="local-use-tfidf-lr", use_weight=0.5, word_weight=2.0
    ),
    # `fast`, with `use` answering the ~10 % of comments `fast` gives less than 0.8: nearly all
    # of the USE model's out-of-writer gain for a tenth of its cost (MODEL.md, fourth round;
    # replacing rather than averaging since the sixth).
    "cascade": ModelSpec(
        variant="cascade",
        model_name="local-tfidf-lr+use",
        word_weight=2.0,
        second_opinion="use",
        second_opinion_below=0.8,
    ),
}
# What LOCAL_CLASSIFIER_MODEL="default" means; see insights/data/MODEL.md for why.
DEFAULT_VARIANT = "cascade"


@dataclass(frozen=True)
class TrainedModel:
    """A fitted pipeline (texts -> class probabilities) and what it was built from."""

    spec: ModelSpec
    version: str
    pipeline: Pipeline
    labels: tuple[str, ...]
    trained_on: int
    built_at: float = field(default_factory=time.time)
    # The version the corpus alone would give: an artifact also trained on curator-reviewed
    # comments stays current until the corpus itself changes.
    corpus_version: str = ""
    reviewed: int = 0  # curator-reviewed comments added to the corpus
    # Per-tag models on the same features (insights/classifiers/local/tag_model.py); None in
    # models trained only for their categories (leave-one-writer-out folds).
    tagger: LearnedTagger | None = None
    # The model of `spec.second_opinion`, trained on the same items (categories only).
    second_opinion: TrainedModel | None = None

    @property
    def model_name(self) -> str:
        return self.spec.model_name

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per text, columns in the order of `labels`."""
        return self.probabilities(self.features(texts), texts)

    def warm_up(self) -> None:
        """One prediction through every model, so weights load now and not in a first batch."""
        self.predict_proba(["aquecendo o modelo"])
        if self.second_opinion is not None:
            self.second_opinion.warm_up()

    def features(self, texts: Sequence[str]) -> Any:
        """The feature matrix the classifier (and the tagger) read, one row per text."""
        return model_features(self.pipeline, texts)

    def probabilities(self, features: Any, texts: Sequence[str]) -> np.ndarray:
        """`predict_proba` from an already computed feature matrix of `texts`."""
        probabilities = self.pipeline[-1].predict_proba(features)
        if self.second_opinion is None:
            return probabilities
        unsure = np.flatnonzero(probabilities.max(axis=1) < self.spec.second_opinion_below)
        if len(unsure):
            second = self.second_opinion.predict_proba([texts[row] for row in unsure.tolist()])
            probabilities[unsure] = second
        return probabilities

    def tags(
        self, features: Any, texts: Sequence[str], categories: Sequence[str | None]
    ) -> list[tuple[TagResult, ...]]:
        """Tags from the learned tagger, or from the keyword rules when it has none."""
        if self.tagger is None:
            return tag_comments(texts, categories)
        return self.tagger.tag(features, texts, categories)


def resolve_variant(variant: str) -> str:
    """'default' -> the default variant's name; raises ValueError on an unknown one."""
    name = DEFAULT_VARIANT if variant == "default" else variant
    if name not in SPECS:
        raise ValueError(f"Unknown local model {variant!r}; expected default, {', '.join(SPECS)}.")
    return name


def model_version(spec: ModelSpec, items: Sequence[CorpusItem]) -> str:
    """`<variant>-<hash>` of the parameters, corpus, model code and scikit-learn version."""
    second = asdict(SPECS[spec.second_opinion]) if spec.second_opinion else None
    payload = json.dumps(
        [asdict(spec), second, corpus_digest(items), _source_digest(), sklearn.__version__],
        sort_keys=True,
    )
    return f"{spec.variant}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"


@functools.cache
def _source_digest() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in (*_MODEL_SOURCES, *_TAGGER_SOURCES):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def build_pipeline(spec: ModelSpec, *, memoize_embeddings: bool = False) -> Pipeline:
    """The untrained pipeline: features (TF-IDF words + chars, optional USE) -> calibrated LR."""
    tfidf = [
        ("words", _word_vectorizer(spec)),
        ("chars", _char_vectorizer(spec)),
    ]
    features: list[tuple[str, object]] = [
        ("tfidf", Pipeline([("normalise", _normaliser()), ("union", _union(tfidf, spec))]))
    ]
    if spec.use_weight > 0:
        from insights.classifiers.local.embeddings import UseEmbedder

        features.append(("use", UseEmbedder(weight=spec.use_weight, memoize=memoize_embeddings)))
    classifier = CalibratedClassifierCV(
        # newton-cg converges in a handful of steps on this problem (lbfgs needs ~50).
        LogisticRegression(
            C=spec.regularisation,
            solver="newton-cg",
            max_iter=500,
            random_state=SEED,
            class_weight="balanced" if spec.balanced else None,
        ),
        # Temperature scaling: one parameter fitted on out-of-fold logits. It keeps the
        # arg-max (the label) and fixes LR's over/under-confidence on a small corpus.
        method="temperature",
        cv=StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=SEED),
        ensemble=False,
    )
    return Pipeline([("features", FeatureUnion(features)), ("classifier", classifier)])


def _union(tfidf: list[tuple[str, object]], spec: ModelSpec) -> FeatureUnion:
    if spec.word_weight == 1.0:
        return FeatureUnion(tfidf)
    return FeatureUnion(tfidf, transformer_weights={"words": spec.word_weight})


def _normaliser() -> FunctionTransformer:
    return FunctionTransformer(_normalise_all)


def _normalise_all(texts: Sequence[str]) -> list[str]:
    return normalise_many(texts)


def _word_vectorizer(spec: ModelSpec) -> WordTfidf:
    return WordTfidf(token_pattern=TOKEN_PATTERN, bigrams=spec.word_ngrams == (1, 2))


def _char_vectorizer(spec: ModelSpec) -> CachedCharTfidf:
    return CachedCharTfidf(ngram_range=spec.char_ngrams, min_df=spec.char_min_df)


def train_model(
    spec: ModelSpec,
    items: Sequence[CorpusItem],
    reviewed: Sequence[CorpusItem] = (),
    *,
    with_tagger: bool = True,
) -> TrainedModel:
    """Fit `spec` on `items` plus `reviewed` gold comments (deterministic for the same inputs).

    `with_tagger=False` skips the learned tagger (its own out-of-writer pass costs about as
    much as the category model), for models that only predict categories.
    """
    everything = [*items, *reviewed]
    pending = (
        _train_elsewhere(SPECS[spec.second_opinion], items, reviewed)
        if spec.second_opinion
        else None
    )
    pipeline = build_pipeline(spec, memoize_embeddings=True)
    # One BLAS thread: faster on small matrices (no oversubscription) and bit-for-bit repeatable.
    with threadpool_limits(1):
        pipeline.fit([item.text for item in everything], [item.category for item in everything])
        tagger = _train_tagger(pipeline, items) if with_tagger else None
    _stop_memoizing(pipeline)
    labels = tuple(str(label) for label in pipeline.classes_)
    second_opinion = None
    if pending is not None:
        second_opinion = pending.result()
        # Replacing columns needs one label order; both sort the same labels.
        assert second_opinion.labels == labels
        share_tfidf(pipeline, second_opinion.pipeline)
    corpus_version = model_version(spec, items)
    version = model_version(spec, everything) if reviewed else corpus_version
    return TrainedModel(
        spec,
        version,
        pipeline,
        labels,
        len(everything),
        corpus_version=corpus_version,
        reviewed=len(reviewed),
        tagger=tagger,
        second_opinion=second_opinion,
    )


def _train_elsewhere(
    spec: ModelSpec, items: Sequence[CorpusItem], reviewed: Sequence[CorpusItem]
) -> Future[TrainedModel]:
    """`train_model(spec, items, reviewed, with_tagger=False)` in a forked process of its own.

    The cascade's two models are independent: the sentence-encoder model fits on the other
    core while this process fits the TF-IDF model and its tagger (a third of a cascade build's
    time on two cores). Same code, seeds and single-threaded solvers, so the same model.
    """
    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    pending = executor.submit(train_model, spec, items, reviewed, with_tagger=False)
    executor.shutdown(wait=False)  # the process exits once its one job is done
    return pending


def _train_tagger(pipeline: Pipeline, items: Sequence[CorpusItem]) -> LearnedTagger | None:
    # Corpus items only: a reviewed comment's tags may be the machine's own, unchecked.
    return train_tagger(model_features(pipeline, [item.text for item in items]), items)


def model_features(pipeline: Pipeline, texts: Sequence[str]) -> Any:
    """The fitted `pipeline`'s steps before the classifier, applied to `texts`.

    Step by step rather than `pipeline[:-1].transform`: a sliced pipeline checks it is fitted,
    and the stateless USE embedder has no fitted attribute to show.
    """
    data: Any = list(texts)
    for _, step in pipeline.steps[:-1]:
        data = step.transform(data)
    return data


def _stop_memoizing(pipeline: Pipeline) -> None:
    for name, transformer in pipeline.named_steps["features"].transformer_list:
        if name == "use":
            transformer.memoize = False


def cross_validated_macro_f1(spec: ModelSpec, items: Sequence[CorpusItem], folds: int = 5) -> float:
    """Macro-F1 of out-of-fold predictions on the training items (stratified, seeded)."""
    with threadpool_limits(1):
        predictions = cross_val_predict(
            build_pipeline(spec, memoize_embeddings=True),
            [item.text for item in items],
            [item.category for item in items],
            cv=StratifiedKFold(folds, shuffle=True, random_state=SEED),
        )
    truth = [item.category for item in items]
    return float(f1_score(truth, predictions, labels=list(CATEGORIES), average="macro"))
