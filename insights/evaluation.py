"""Quality metrics of a classifier backend on a labelled dataset, and the run that records them.

`evaluate_backend` sends the dataset through the same path the pipeline uses (the backend's
`classify` in batches, `validate_batch`, then the review rule), so what it measures is what
production stores. `evaluate_out_of_writer` scores the local model by leave-one-writer-out
cross-validation (insights.classifiers.local.selection) with the same metrics. It stays whole
(just over 300 lines) so both scores are computed by one set of metric functions.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix, f1_score

from insights.classifiers.local.corpus import CorpusItem
from insights.classifiers.local.selection import (
    OutOfWriterPredictions,
    expected_calibration_error,
    leave_one_writer_out,
)
from insights.classifiers.local.tag_training import out_of_writer_tags
from insights.classifiers.local.tagger import tag_comments
from insights.classifiers.local.training import ModelSpec, build_pipeline
from insights.domain import (
    CATEGORIES,
    BackendError,
    BatchResult,
    Classification,
    ClassificationFailure,
    ClassifierBackend,
    CommentInput,
)
from insights.models import EvaluationRun
from insights.pipeline.review import review_needed
from insights.pipeline.validation import Problem, validate_batch

logger = logging.getLogger(__name__)

LABELS: tuple[str, ...] = CATEGORIES  # the fixed row/column order of every confusion matrix
NO_PREDICTION = "—"  # the prediction recorded for an item that failed validation


@dataclass(frozen=True)
class TagScores:
    """Precision, recall and F1 of predicted tag sets against annotated ones."""

    micro_precision: float
    micro_recall: float
    micro_f1: float
    macro_precision: float
    macro_recall: float
    macro_f1: float
    per_code: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Prediction:
    """What the backend answered for one dataset item (category "—" when it failed)."""

    category: str
    tags: frozenset[str] = frozenset()
    confidence: float = 0.0
    flagged: bool = True  # needs_review, as the pipeline would set it (a failure is flagged)


@dataclass(frozen=True)
class EvaluationResult:
    """Everything `manage.py evaluate` prints and stores."""

    accuracy: float
    macro_f1: float
    per_class_f1: dict[str, float]
    report_text: str
    report: dict[str, Any]
    confusion: list[list[int]]
    tags: TagScores
    problems: list[tuple[CorpusItem, Problem]]
    item_count: int
    ece: float = 0.0
    review: dict[str, float] = field(default_factory=dict)
    per_writer: dict[str, float] = field(default_factory=dict)
    model: str = ""
    duration_seconds: float = 0.0


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return _ratio(2 * precision * recall, precision + recall)


def tag_scores(truth: Sequence[Iterable[str]], predicted: Sequence[Iterable[str]]) -> TagScores:
    """Micro scores pool every (item, code) decision; macro averages the codes seen in either."""
    hits: Counter[str] = Counter()
    said: Counter[str] = Counter()
    meant: Counter[str] = Counter()
    for expected, answered in zip(truth, predicted, strict=True):
        expected_set, answered_set = set(expected), set(answered)
        hits.update(expected_set & answered_set)
        said.update(answered_set)
        meant.update(expected_set)
    per_code = {
        code: {
            "precision": _ratio(hits[code], said[code]),
            "recall": _ratio(hits[code], meant[code]),
            "support": float(meant[code]),
            "predicted": float(said[code]),
        }
        for code in sorted(set(said) | set(meant))
    }
    micro_p = _ratio(sum(hits.values()), sum(said.values()))
    micro_r = _ratio(sum(hits.values()), sum(meant.values()))
    macro_p = _ratio(sum(s["precision"] for s in per_code.values()), len(per_code))
    macro_r = _ratio(sum(s["recall"] for s in per_code.values()), len(per_code))
    return TagScores(
        micro_p, micro_r, _f1(micro_p, micro_r), macro_p, macro_r, _f1(macro_p, macro_r), per_code
    )


def score(items: Sequence[CorpusItem], predictions: Sequence[Prediction]) -> dict[str, Any]:
    """Classification and tag metrics of `predictions` against the items' annotations."""
    truth = [item.category for item in items]
    answered = [p.category for p in predictions]
    report = classification_report(
        truth, answered, labels=list(LABELS), output_dict=True, zero_division=0
    )
    return {
        "accuracy": _ratio(sum(t == a for t, a in zip(truth, answered, strict=True)), len(truth)),
        "macro_f1": float(
            f1_score(truth, answered, labels=list(LABELS), average="macro", zero_division=0)
        ),
        "per_class_f1": {label: float(report[label]["f1-score"]) for label in LABELS},
        "report": report,
        "report_text": classification_report(
            truth, answered, labels=list(LABELS), digits=3, zero_division=0
        ),
        "confusion": confusion_matrix(truth, answered, labels=list(LABELS)).tolist(),
        "tags": tag_scores([item.tags for item in items], [p.tags for p in predictions]),
        "ece": expected_calibration_error(
            np.array([p.confidence for p in predictions]),
            np.array([t == a for t, a in zip(truth, answered, strict=True)]),
        ),
        "review": review_catch(truth, predictions),
        "per_writer": per_writer_macro_f1(items, answered),
    }


def review_catch(truth: Sequence[str], predictions: Sequence[Prediction]) -> dict[str, float]:
    """Share of wrong predictions flagged for review, and share of all predictions flagged."""
    wrong = [p.flagged for t, p in zip(truth, predictions, strict=True) if p.category != t]
    return {
        "errors": float(len(wrong)),
        "errors_flagged": _ratio(sum(wrong), len(wrong)),
        "flagged": _ratio(sum(p.flagged for p in predictions), len(predictions)),
    }


def per_writer_macro_f1(items: Sequence[CorpusItem], answered: Sequence[str]) -> dict[str, float]:
    """Macro-F1 of each writer's items (only when the items come from more than one writer)."""
    by_writer: dict[str, tuple[list[str], list[str]]] = {}
    for item, category in zip(items, answered, strict=True):
        truth, predicted = by_writer.setdefault(item.writer, ([], []))
        truth.append(item.category)
        predicted.append(category)
    if len(by_writer) < 2:
        return {}
    return {
        writer: float(f1_score(t, p, labels=list(LABELS), average="macro", zero_division=0))
        for writer, (t, p) in sorted(by_writer.items())
    }


def evaluate_backend(
    items: Sequence[CorpusItem],
    backend: ClassifierBackend,
    *,
    batch_size: int = 500,
    progress: Callable[[int], object] | None = None,
) -> EvaluationResult:
    """Classify `items` with `backend` in batches, validate each answer, and score the result."""
    started = time.perf_counter()
    predictions: list[Prediction] = []
    problems: list[tuple[CorpusItem, Problem]] = []
    models: Counter[str] = Counter()
    for offset in range(0, len(items), batch_size):
        chunk = items[offset : offset + batch_size]
        # Ids are dataset positions, so a problem points straight back at its item.
        inputs = [CommentInput(id=str(offset + i), text=item.text) for i, item in enumerate(chunk)]
        validated = validate_batch(inputs, _classify(backend, inputs))
        answers = {c.id: c for c in validated.accepted}
        models.update(c.model for c in validated.accepted)
        problems += [(items[int(p.id)], p) for p in validated.problems]
        predictions += [_prediction(answers.get(sent.id)) for sent in inputs]
        if progress:
            progress(len(chunk))
    metrics = score(items, predictions)
    return EvaluationResult(
        **metrics,
        problems=problems,
        item_count=len(items),
        model=models.most_common(1)[0][0] if models else "",
        duration_seconds=time.perf_counter() - started,
    )


def _classify(backend: ClassifierBackend, inputs: Sequence[CommentInput]) -> BatchResult:
    """The backend's answer; a failed call fails its items instead of losing the whole run."""
    try:
        return backend.classify(inputs)
    except BackendError as error:
        logger.warning(
            "Backend %s failed on %d evaluation items: %s", backend.name, len(inputs), error
        )
        failures = [ClassificationFailure(i.id, str(error), error.retryable) for i in inputs]
        return BatchResult(failures=failures)


def _prediction(answer: Classification | None) -> Prediction:
    if answer is None:
        return Prediction(NO_PREDICTION)
    return Prediction(
        answer.category,
        frozenset(t.code for t in answer.tags),
        answer.confidence,
        flagged=review_needed(answer),
    )


def evaluate_out_of_writer(spec: ModelSpec, items: Sequence[CorpusItem]) -> EvaluationResult:
    """Leave-one-writer-out scores of `spec` on the training `items` (trains one model a writer).

    Tags come from the tagger given the predicted label, and the review flag from the same rule
    the pipeline applies, so every figure matches what `evaluate_backend` reports for a dataset.
    """
    started = time.perf_counter()
    held_out = leave_one_writer_out(spec, items)
    tags = _learned_tags_out_of_writer(spec, items, held_out)
    result = score_out_of_writer(held_out, spec.model_name, tags)
    return replace(result, duration_seconds=time.perf_counter() - started)


def _learned_tags_out_of_writer(
    spec: ModelSpec, items: Sequence[CorpusItem], held_out: OutOfWriterPredictions
) -> list[frozenset[str]]:
    """The learned tagger's out-of-writer tags of `held_out.items`, given their predicted labels."""
    position = {id(item): index for index, item in enumerate(items)}
    categories = [item.category for item in items]  # only held-out rows are read, below
    for item, category in zip(held_out.items, held_out.predicted, strict=True):
        categories[position[id(item)]] = category
    # Vocabulary and idf fitted on every text (no labels), as train_model's tagger pass does.
    features = build_pipeline(spec)[:-1].fit_transform([item.text for item in items])
    tags = out_of_writer_tags(features, items, categories)
    return [tags[position[id(item)]] or frozenset() for item in held_out.items]


def score_out_of_writer(
    held_out: OutOfWriterPredictions,
    model_name: str,
    tags: Sequence[frozenset[str]] | None = None,
) -> EvaluationResult:
    """The metrics of held-out predictions (review flags as the pipeline sets them).

    `tags` are the held-out items' tag codes; without them the keyword rules tag each item.
    """
    categories = held_out.predicted
    if tags is None:
        texts = [item.text for item in held_out.items]
        tags = [frozenset(t.code for t in found) for found in tag_comments(texts, categories)]
    predictions = [
        Prediction(
            category,
            item_tags,
            float(confidence),
            flagged=review_needed(
                Classification(
                    id=str(n), category=category, confidence=float(confidence), margin=float(gap)
                )
            ),
        )
        for n, (category, item_tags, confidence, gap) in enumerate(
            zip(categories, tags, held_out.confidence, held_out.margin, strict=True)
        )
    ]
    return EvaluationResult(
        **score(held_out.items, predictions),
        problems=[],
        item_count=len(held_out.items),
        model=model_name,
    )


def evaluation_run_create(
    *, dataset: str, backend_name: str, result: EvaluationResult
) -> EvaluationRun:
    """Store `result` as an EvaluationRun (metrics, confusion matrix, failed items)."""
    tags = result.tags
    return EvaluationRun.objects.create(
        dataset=dataset,
        backend=backend_name,
        model=result.model[:100],
        item_count=result.item_count,
        accuracy=result.accuracy,
        macro_f1=result.macro_f1,
        metrics={
            "report": result.report,
            "per_class_f1": result.per_class_f1,
            "tags": {
                "micro": {
                    "precision": tags.micro_precision,
                    "recall": tags.micro_recall,
                    "f1": tags.micro_f1,
                },
                "macro": {
                    "precision": tags.macro_precision,
                    "recall": tags.macro_recall,
                    "f1": tags.macro_f1,
                },
                "per_code": tags.per_code,
            },
            "failed": [{"texto": item.text, "motivo": p.reason} for item, p in result.problems],
            "ece": result.ece,
            "review": result.review,
            "per_writer": result.per_writer,
        },
        confusion_matrix={"labels": list(LABELS), "matrix": result.confusion},
        duration_seconds=result.duration_seconds,
    )
