"""Learning from curators: reviewed comments join the corpus; a new model must not be worse.

A retrained artifact replaces the current one only if its macro-F1 is at least the current
one's on the frozen fresh evaluation set AND on the curator-reviewed gold set. Reviewed comments
that repeat an evaluation text (any frozen set, or eval.jsonl) are never trained on. The later
frozen sets (eval_fresh2 … eval_fresh4) are not part of this gate: an automatic gate
would score them at every retraining and slowly tune on them; `manage.py evaluate` scores them
once per final candidate.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from insights.classifiers.local.artifacts import load_model
from insights.classifiers.local.backend import LocalBackend
from insights.classifiers.local.corpus import (
    EVAL_PATH,
    CorpusItem,
    dedup_key,
    load_every_frozen_eval,
    load_fresh_eval,
    load_jsonl,
)
from insights.classifiers.local.training import TrainedModel
from insights.evaluation import evaluate_backend
from insights.selectors import reviewed_gold_items

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Comparison:
    """Macro-F1 of the current artifact (None when there is none) and of the candidate."""

    fresh_current: float | None
    fresh_candidate: float
    gold_current: float | None
    gold_candidate: float | None  # None when no comment has been reviewed yet

    @property
    def not_worse(self) -> bool:
        """True when the candidate matches or beats the current model on both sets."""
        if self.fresh_current is not None and self.fresh_candidate < self.fresh_current:
            return False
        return not (
            self.gold_current is not None
            and self.gold_candidate is not None
            and self.gold_candidate < self.gold_current
        )

    def rows(self) -> list[tuple[str, float | None, float]]:
        """(set, current, candidate) for printing; the gold row only when there is gold."""
        rows = [("fresh", self.fresh_current, self.fresh_candidate)]
        if self.gold_candidate is not None:
            rows.append(("reviewed", self.gold_current, self.gold_candidate))
        return rows


def reviewed_for_training() -> list[CorpusItem]:
    """The reviewed gold comments, minus any that repeat an evaluation text."""
    evaluation = {
        dedup_key(item.text) for item in [*load_every_frozen_eval(), *load_jsonl(EVAL_PATH)]
    }
    gold = reviewed_gold_items()
    kept = [item for item in gold if dedup_key(item.text) not in evaluation]
    if len(kept) < len(gold):
        skipped = len(gold) - len(kept)
        logger.warning("%d reviewed comments repeat evaluation texts; not trained on", skipped)
    return kept


def compare_with_current(candidate: TrainedModel, current_path: Path) -> Comparison:
    """Score the candidate and the artifact at `current_path` on the fresh and gold sets."""
    try:
        current: TrainedModel | None = load_model(current_path)
    except FileNotFoundError:
        current = None
    fresh, gold = load_fresh_eval(), reviewed_gold_items()
    return Comparison(
        fresh_current=_macro_f1(current, fresh),
        fresh_candidate=_macro_f1(candidate, fresh) or 0.0,
        gold_current=_macro_f1(current, gold),
        gold_candidate=_macro_f1(candidate, gold),
    )


def _macro_f1(model: TrainedModel | None, items: Sequence[CorpusItem]) -> float | None:
    """Macro-F1 through the pipeline's path (backend, validation), None without model or items."""
    if model is None or not items:
        return None
    return evaluate_backend(items, LocalBackend.for_model(model)).macro_f1
