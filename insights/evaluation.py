"""Quality metrics of a classifier backend on a labelled dataset, and the run that records them.

`evaluate_backend` sends the dataset through the same path the pipeline uses (the backend's
`classify` in batches, then `validate_batch`), so what it measures is what production stores.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sklearn.metrics import classification_report, confusion_matrix, f1_score

from insights.classifiers.local.corpus import CorpusItem
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
    return Prediction(answer.category, frozenset(t.code for t in answer.tags), answer.confidence)


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
        },
        confusion_matrix={"labels": list(LABELS), "matrix": result.confusion},
        duration_seconds=result.duration_seconds,
    )
