"""Model selection on out-of-writer predictions: leave-one-writer-out CV and review thresholds.

A comment's style tells its writer, and a writer who wrote only some labels makes style predict
the label; a random split then rewards memorising writers. Here each writer who wrote every label
is held out in turn and predicted by a model trained on everyone else, so the score is what a
new writer's comments would get. Writers who skipped labels or wrote them in very uneven numbers
(A, B and D, whose hard cases were aimed at the old eval set's weak spots) stay in every training
fold and are never scored: their per-writer score would mostly measure which labels they wrote.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from insights.classifiers.local.corpus import CorpusItem, complete_writers
from insights.classifiers.local.training import ModelSpec, train_model
from insights.domain import CATEGORIES


@dataclass(frozen=True)
class OutOfWriterPredictions:
    """Calibrated probabilities for every held-out item, columns in the order of `labels`."""

    items: list[CorpusItem]
    probabilities: np.ndarray
    labels: tuple[str, ...]

    @property
    def predicted(self) -> list[str]:
        return [self.labels[column] for column in self.probabilities.argmax(axis=1)]

    @property
    def confidence(self) -> np.ndarray:
        return self.probabilities.max(axis=1)

    @property
    def margin(self) -> np.ndarray:
        ordered = np.sort(self.probabilities, axis=1)
        return ordered[:, -1] - ordered[:, -2]


def leave_one_writer_out(
    spec: ModelSpec,
    items: Sequence[CorpusItem],
    writers: Sequence[str] | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    processes: int = 1,
) -> OutOfWriterPredictions:
    """Each complete writer's items predicted by a model trained on all the other items.

    `processes` > 1 trains that many writers' models at once in forked processes (each fold is
    independent and single-threaded, so the predictions are the same as one after another).
    `progress` is called with each writer, in order, once their model has predicted them.
    """
    chosen = list(writers) if writers is not None else complete_writers(items)
    predict = functools.partial(_held_out_probabilities, spec, items)
    held_out: list[CorpusItem] = []
    rows: list[np.ndarray] = []
    labels: tuple[str, ...] = ()
    with contextlib.ExitStack() as stack:
        if processes > 1 and len(chosen) > 1:
            pool = stack.enter_context(
                ProcessPoolExecutor(
                    max_workers=min(processes, len(chosen)),
                    mp_context=multiprocessing.get_context("fork"),
                )
            )
            folds: Iterable[tuple[tuple[str, ...], np.ndarray]] = pool.map(predict, chosen)
        else:
            folds = map(predict, chosen)
        for writer, (fold_labels, fold_rows) in zip(chosen, folds, strict=True):
            labels = fold_labels
            held_out += [item for item in items if item.writer == writer]
            rows.append(fold_rows)
            if progress is not None:
                progress(writer)
    probabilities = np.vstack(rows) if rows else np.empty((0, len(CATEGORIES)))
    return OutOfWriterPredictions(held_out, probabilities, labels or CATEGORIES)


def _held_out_probabilities(
    spec: ModelSpec, items: Sequence[CorpusItem], writer: str
) -> tuple[tuple[str, ...], np.ndarray]:
    """The labels and probabilities of `writer`'s items from a model trained without them."""
    # Categories only: tags have their own out-of-writer pass (tag_training).
    model = train_model(spec, [item for item in items if item.writer != writer], with_tagger=False)
    return model.labels, model.predict_proba([item.text for item in items if item.writer == writer])


def expected_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, bins: int = 10
) -> float:
    """ECE: the item-weighted gap between mean confidence and accuracy over equal-width bins."""
    if not len(confidence):
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    gap = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            gap += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(gap)


@dataclass(frozen=True)
class ReviewThresholds:
    """`needs_review` when confidence < `confidence_below` or margin < `margin_below`."""

    confidence_below: float
    margin_below: float
    errors_caught: float  # share of wrong predictions flagged
    flagged: float  # share of all predictions flagged


def review_rates(
    confidence: np.ndarray,
    margin: np.ndarray,
    correct: np.ndarray,
    confidence_below: float,
    margin_below: float,
) -> ReviewThresholds:
    """What the rule flags on these predictions (as insights.pipeline.review applies it)."""
    flagged = (confidence < confidence_below) | (margin < margin_below)
    wrong = ~correct
    caught = float(flagged[wrong].mean()) if wrong.any() else 1.0
    return ReviewThresholds(confidence_below, margin_below, caught, float(flagged.mean()))


def choose_review_thresholds(
    confidence: np.ndarray, margin: np.ndarray, correct: np.ndarray, max_flagged: float = 0.20
) -> ReviewThresholds:
    """The pair (on a 0.01 grid) catching the most errors while flagging ≤ `max_flagged`.

    Ties go to the pair flagging fewer comments (curators' time), then to the simpler rule.
    """
    grid = np.round(np.arange(0.0, 1.0001, 0.01), 2)
    best: ReviewThresholds | None = None
    for confidence_below in grid:
        for margin_below in grid:
            rates = review_rates(confidence, margin, correct, confidence_below, margin_below)
            if rates.flagged > max_flagged:
                break  # a larger margin threshold only flags more
            if best is None or (rates.errors_caught, -rates.flagged) > (
                best.errors_caught,
                -best.flagged,
            ):
                best = rates
    assert best is not None  # the pair (0, 0) flags nothing
    return best
