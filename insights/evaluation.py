"""Quality metrics of a classifier backend on a labelled dataset, and the run that records them.

`evaluate_backend` sends the dataset through the same path the pipeline uses (the backend's
`classify` in batches, `validate_batch`, then the review rule), so what it measures is what
production stores. `evaluate_out_of_writer` scores the local model by leave-one-writer-out
cross-validation (insights.classifiers.local.selection) with the same metrics
(insights.metrics).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from insights.classifiers.local.corpus import CorpusItem
from insights.classifiers.local.selection import (
    OutOfWriterPredictions,
    leave_one_writer_out,
)
from insights.classifiers.local.tag_training import out_of_writer_tags
from insights.classifiers.local.tagger import tag_comments
from insights.classifiers.local.training import ModelSpec, build_pipeline
from insights.domain import (
    BackendError,
    BatchResult,
    Classification,
    ClassificationFailure,
    ClassifierBackend,
    CommentInput,
)
from insights.metrics import LABELS, Prediction, TagScores, score
from insights.models import EvaluationRun
from insights.pipeline.review import review_needed
from insights.pipeline.validation import Problem, validate_batch

logger = logging.getLogger(__name__)

NO_PREDICTION = "—"  # the prediction recorded for an item that failed validation


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


def evaluate_out_of_writer(
    spec: ModelSpec,
    items: Sequence[CorpusItem],
    *,
    progress: Callable[[str], None] | None = None,
    processes: int = 1,
) -> EvaluationResult:
    """Leave-one-writer-out scores of `spec` on the training `items` (trains one model a writer,
    `processes` writers at a time).

    Tags come from the tagger given the predicted label, and the review flag from the same rule
    the pipeline applies, so every figure matches what `evaluate_backend` reports for a dataset.
    `progress` is called with each writer once they are predicted.
    """
    started = time.perf_counter()
    held_out = leave_one_writer_out(spec, items, progress=progress, processes=processes)
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
