"""The learned tagger: one linear model per canonical tag, on the classifier's own features.

The category model already turns every comment into TF-IDF features; a tag's decision is then
one sparse-times-dense product and a comparison with that tag's threshold, so tagging costs
almost nothing next to featurising. Thresholds are chosen on out-of-writer predictions
(insights.classifiers.local.tag_training). The keyword rules (tagger.py) no longer decide, they
explain: a tag quotes its rule's phrase when the rule fired, else the comment's word most
associated with the code in the corpus, as written (`menciona "ingresso"`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _
from scipy import sparse

from insights.classifiers.local.features import fold, squash_elongations
from insights.classifiers.local.tag_rules import SPAM_CODES
from insights.classifiers.local.tagger import MAX_TAGS, rule_evidence
from insights.domain import TagResult

_WORD = re.compile(r"\w+")
_EVIDENCE_LENGTH = 60


def allowed_codes(codes: Sequence[str], categories: Sequence[str | None]) -> np.ndarray:
    """Which codes each comment may carry: spam codes only for SPAM, topic codes otherwise."""
    spam = np.array([code in SPAM_CODES for code in codes])
    is_spam = np.array([category == "SPAM" for category in categories])
    unknown = np.array([category is None for category in categories])
    return np.where(is_spam[:, None], spam[None, :], ~spam[None, :]) | unknown[:, None]


def decide(scores: np.ndarray, thresholds: np.ndarray, allowed: np.ndarray) -> list[list[int]]:
    """Per row, the code columns above their threshold, best margin first, at most MAX_TAGS."""
    margins = np.where(allowed, scores - thresholds, -np.inf)
    chosen: list[list[int]] = []
    for row in margins:
        above = np.flatnonzero(row > 0)
        if len(above) > 1:
            above = above[np.argsort(-row[above], kind="stable")]
        chosen.append(above[:MAX_TAGS].tolist())
    return chosen


@dataclass(frozen=True)
class LearnedTagger:
    """Fitted per-tag linear models over the category model's feature matrix."""

    codes: tuple[str, ...]
    weights: np.ndarray  # (features, codes), float32
    intercepts: np.ndarray  # (codes,)
    thresholds: np.ndarray  # (codes,) decision-score cut-offs; +inf never fires
    evidence: dict[str, dict[str, float]]  # code -> folded word -> association with the code

    def scores(self, features: sparse.spmatrix | np.ndarray) -> np.ndarray:
        """Decision scores, one row per comment, one column per code."""
        return np.asarray(features @ self.weights, dtype=np.float64) + self.intercepts

    def tag(
        self,
        features: sparse.spmatrix | np.ndarray,
        texts: Sequence[str],
        categories: Sequence[str | None],
    ) -> list[tuple[TagResult, ...]]:
        """Up to MAX_TAGS tags per comment, each with its pt-BR explanation."""
        allowed = allowed_codes(self.codes, categories)
        chosen = decide(self.scores(features), self.thresholds, allowed)
        tagged = [row for row, columns in enumerate(chosen) if columns]
        # The rules only explain: they run on the comments that got a tag.
        found = dict(zip(tagged, rule_evidence([texts[row] for row in tagged]), strict=True))
        templates = (_('menciona "%s"'), _("assunto reconhecido pelo contexto do comentário"))
        return [
            tuple(
                self._explained(self.codes[column], texts[row], found[row], templates)
                for column in columns
            )
            for row, columns in enumerate(chosen)
        ]

    def _explained(
        self, code: str, text: str, found: dict[str, str], templates: tuple[str, str]
    ) -> TagResult:
        """The rule's quote when it fired, else the comment's most telling word, else context."""
        if code in found:
            return TagResult(code, found[code])
        mentions, by_context = templates
        word = self._evidence_word(code, text)
        if word is None:
            return TagResult(code, by_context)
        return TagResult(code, mentions % word[:_EVIDENCE_LENGTH])

    def _evidence_word(self, code: str, text: str) -> str | None:
        """The comment's word (as written) most associated with `code` in the corpus."""
        lexicon = self.evidence.get(code, {})
        best, best_weight = None, 0.0
        for raw in _WORD.findall(text):
            weight = lexicon.get(squash_elongations(fold(raw)), 0.0)
            if weight > best_weight:
                best, best_weight = raw, weight
        return best
