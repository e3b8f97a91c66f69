"""The metrics both evaluations share: categories, tags, calibration, review catch, per writer.

`insights.evaluation` scores a backend on a dataset and the local model out of writer with
these same functions, so the two sets of figures always mean the same thing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix, f1_score

from insights.classifiers.local.corpus import CorpusItem
from insights.classifiers.local.selection import expected_calibration_error
from insights.domain import CATEGORIES

LABELS: tuple[str, ...] = CATEGORIES  # the fixed row/column order of every confusion matrix


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
