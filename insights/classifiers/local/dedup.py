"""Near-duplicate detection between corpus texts: Jaccard similarity of character shingles.

A training item that repeats an evaluation item (or another training item) with a word swapped
or the punctuation changed measures memory, not generalisation. Texts are normalised as
`dedup_key` does (folded words only), cut into character 4-grams, and compared by Jaccard
similarity of those sets, every pair scored exactly by a sparse matrix product in row blocks
(J ≥ t needs |a ∩ b| ≥ t · max(|a|, |b|), a cheap first cut).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from insights.classifiers.local.corpus import CorpusItem, dedup_key

SHINGLE = 4
# Two texts sharing ≥ 70 % of their 4-grams are the same comment re-worded (measured on the
# corpus: at 0.7 the pairs are still one question with a word added; below, merely on topic).
# insights/data/README.md, "Deduplicação", states the same cut.
NEAR_DUPLICATE_JACCARD = 0.7
_BLOCK = 1_000


@dataclass(frozen=True)
class NearDuplicate:
    """Item `index` of the checked list is a near-copy of item `other` (of the reference list)."""

    index: int
    other: int
    similarity: float


def shingles(text: str) -> set[str]:
    """The character 4-grams of the normalised text (the whole key when it is shorter)."""
    key = f" {dedup_key(text)} "
    if len(key) <= SHINGLE:
        return {key}
    return {key[start : start + SHINGLE] for start in range(len(key) - SHINGLE + 1)}


def near_duplicates(
    items: Sequence[CorpusItem],
    reference: Sequence[CorpusItem] | None = None,
    threshold: float = NEAR_DUPLICATE_JACCARD,
) -> list[NearDuplicate]:
    """Items with a near-copy in `reference`, or (no reference) in an EARLIER item of `items`.

    Within one list only the later item of a pair is reported, so dropping every reported
    index keeps one copy of each comment.
    """
    within = reference is None
    vocabulary: dict[str, int] = {}
    left = _binary_matrix([item.text for item in items], vocabulary)
    right = left if reference is None else _binary_matrix([i.text for i in reference], vocabulary)
    left, right = _widen(left, len(vocabulary)), _widen(right, len(vocabulary))
    left_sizes = np.asarray(left.sum(axis=1)).ravel()
    right_sizes = np.asarray(right.sum(axis=1)).ravel()
    right_t = right.T.tocsc()
    found: list[NearDuplicate] = []
    for start in range(0, left.shape[0], _BLOCK):
        shared = (left[start : start + _BLOCK] @ right_t).tocoo()
        rows, cols = shared.row + start, shared.col
        keep = shared.data >= threshold * np.maximum(left_sizes[rows], right_sizes[cols])
        if within:
            keep &= cols < rows
        rows, cols, both = rows[keep], cols[keep], shared.data[keep]
        jaccard = both / (left_sizes[rows] + right_sizes[cols] - both)
        best: dict[int, NearDuplicate] = {}
        for row, col, value in zip(rows, cols, jaccard, strict=True):
            if value >= threshold and (row not in best or value > best[row].similarity):
                best[int(row)] = NearDuplicate(int(row), int(col), float(value))
        found += sorted(best.values(), key=lambda duplicate: duplicate.index)
    return found


def _binary_matrix(texts: Sequence[str], vocabulary: dict[str, int]) -> sparse.csr_matrix:
    """Texts × shingles, 1 where the text has the shingle (new shingles join `vocabulary`)."""
    rows, columns = [], []
    for row, text in enumerate(texts):
        for gram in shingles(text):
            rows.append(row)
            columns.append(vocabulary.setdefault(gram, len(vocabulary)))
    data = np.ones(len(rows), dtype=np.float32)
    return sparse.csr_matrix((data, (rows, columns)), shape=(len(texts), len(vocabulary)))


def _widen(matrix: sparse.csr_matrix, width: int) -> sparse.csr_matrix:
    """The same rows with `width` columns (shingles first seen in the other list)."""
    matrix = matrix.copy()
    matrix.resize((matrix.shape[0], width))
    return matrix
