"""The learned tagger: one linear model per canonical tag, on the classifier's own features.

The category model already turns every comment into TF-IDF features; a tag's decision is then
one sparse-times-dense product and a comparison with that tag's threshold, so tagging costs
almost nothing next to featurising. Thresholds are chosen on out-of-writer predictions
(insights.classifiers.local.tag_training). The keyword rules (tagger.py) no longer decide, they
explain: a tag quotes its rule's phrase when the rule fired, else the comment's word most
associated with the code in the corpus, as written (`menciona "ingresso"`).
"""

from __future__ import annotations

import functools
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
# Annotators prefer fewer, precise tags (most items carry one): a second or third tag is said
# only when its margin is at least this share of the first's. Out of writer this kept recall
# and raised precision (insights/data/MODEL.md, "Etiquetas").
RELATIVE_MARGIN = 0.3


@functools.lru_cache(maxsize=100_000)
def _folded(word: str) -> str:
    return squash_elongations(fold(word))


def allowed_codes(codes: Sequence[str], categories: Sequence[str | None]) -> np.ndarray:
    """Which codes each comment may carry: spam codes only for SPAM, topic codes otherwise."""
    spam = np.array([code in SPAM_CODES for code in codes])
    is_spam = np.array([category == "SPAM" for category in categories])
    unknown = np.array([category is None for category in categories])
    return np.where(is_spam[:, None], spam[None, :], ~spam[None, :]) | unknown[:, None]


def decide(scores: np.ndarray, thresholds: np.ndarray, allowed: np.ndarray) -> list[list[int]]:
    """Per row, the code columns above their threshold, best margin first, at most MAX_TAGS.

    A tag after the first must also clear RELATIVE_MARGIN times the first tag's margin.
    """
    margins = np.where(allowed, scores - thresholds, -np.inf)
    chosen: list[list[int]] = [[] for _ in range(len(margins))]
    rows, columns = np.nonzero(margins > 0)  # row-major: columns ascending within a row
    for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
        chosen[row].append(column)
    for row, found in enumerate(chosen):
        if len(found) > 1:
            found.sort(key=lambda column: -margins[row, column])  # stable: ties keep order
            floor = RELATIVE_MARGIN * margins[row, found[0]]
            found[1:] = [column for column in found[1:MAX_TAGS] if margins[row, column] >= floor]
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
        """Up to MAX_TAGS tags per comment, each with its pt-BR explanation.

        A tag quotes the comment's word most associated with its code in the corpus; failing
        that, the phrase its keyword rule matched; failing both, it says the context decided.
        The rules run only for those leftovers, to keep tagging cheap next to featurising.
        """
        allowed = allowed_codes(self.codes, categories)
        chosen = decide(self.scores(features), self.thresholds, allowed)
        mentions = _('menciona "%s"')
        explained: list[list[TagResult | None]] = []
        unquoted: dict[int, set[str]] = {}
        for row, columns in enumerate(chosen):
            words = _WORD.findall(texts[row]) if columns else []
            folded = [_folded(raw) for raw in words]  # once per comment, not once per tag
            explained.append([])
            for column in columns:
                code = self.codes[column]
                word = self._telling_word(code, words, folded)
                explained[row].append(TagResult(code, mentions % word) if word else None)
                if word is None:
                    unquoted.setdefault(row, set()).add(code)
        self._explain_by_rules(explained, chosen, unquoted, texts)
        return [tuple(tag for tag in row if tag is not None) for row in explained]

    def _explain_by_rules(
        self,
        explained: list[list[TagResult | None]],
        chosen: list[list[int]],
        unquoted: dict[int, set[str]],
        texts: Sequence[str],
    ) -> None:
        rows = list(unquoted)
        quotes = rule_evidence([texts[row] for row in rows], [frozenset(unquoted[r]) for r in rows])
        by_context = _("assunto reconhecido pelo contexto do comentário")
        for row, found in zip(rows, quotes, strict=True):
            for position, column in enumerate(chosen[row]):
                code = self.codes[column]
                if explained[row][position] is None:
                    explained[row][position] = TagResult(code, found.get(code, by_context))

    def _telling_word(self, code: str, words: Sequence[str], folded: Sequence[str]) -> str | None:
        """The comment's word (as written) most associated with `code` in the corpus."""
        lexicon = self.evidence.get(code)
        if not lexicon:
            return None
        best, best_weight = None, 0.0
        for raw, key in zip(words, folded, strict=True):
            weight = lexicon.get(key, 0.0)
            if weight > best_weight:
                best, best_weight = raw, weight
        return best[:_EVIDENCE_LENGTH] if best else None
