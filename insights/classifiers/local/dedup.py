"""Near-duplicate detection between corpus texts: Jaccard similarity of character shingles.

A training item that repeats an evaluation item (or another training item) with a word swapped
or the punctuation changed measures memory, not generalisation. Texts are normalised as
`dedup_key` does (folded words only), cut into character 4-grams, and compared by Jaccard
similarity of those sets, every candidate pair scored exactly by a sparse matrix product in row
blocks. Two bounds keep it exact and cheap: J ≥ t needs |a ∩ b| ≥ t · max(|a|, |b|), and sizes
within a factor t of each other, so only a band of size-sorted texts meets each block.
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
    texts = [item.text for item in items]
    if reference is None:
        left = right = _binary_matrix(texts)
    else:
        both = _binary_matrix(texts + [item.text for item in reference])
        left, right = both[: len(texts)], both[len(texts) :]
    left_sizes = np.asarray(left.sum(axis=1)).ravel()
    right_sizes = np.asarray(right.sum(axis=1)).ravel()
    # J >= t needs t·|a| <= |b| <= |a|/t: with both sides in size order, a block of rows only
    # meets a contiguous band of columns, and most pairs are never multiplied.
    left_order = np.argsort(left_sizes, kind="stable")
    right_order = np.argsort(right_sizes, kind="stable")
    sorted_right_sizes = right_sizes[right_order]
    right_t = right[right_order].T.tocsc()
    found: list[NearDuplicate] = []
    for start in range(0, left.shape[0], _BLOCK):
        block = left_order[start : start + _BLOCK]
        sizes = left_sizes[block]
        low = int(np.searchsorted(sorted_right_sizes, threshold * sizes.min(), side="left"))
        high = int(np.searchsorted(sorted_right_sizes, sizes.max() / threshold, side="right"))
        shared = (left[block] @ right_t[:, low:high]).tocoo()
        rows, cols = block[shared.row], right_order[shared.col + low]
        keep = shared.data >= threshold * np.maximum(left_sizes[rows], right_sizes[cols])
        if within:
            keep &= cols < rows
        rows, cols, both = rows[keep], cols[keep], shared.data[keep]
        jaccard = both / (left_sizes[rows] + right_sizes[cols] - both)
        best: dict[int, NearDuplicate] = {}
        for row, col, value in zip(rows, cols, jaccard, strict=True):
            # Ties go to the earliest other item, whatever order the product yields pairs in.
            if value >= threshold and (
                row not in best or (value, -col) > (best[row].similarity, -best[row].other)
            ):
                best[int(row)] = NearDuplicate(int(row), int(col), float(value))
        found += best.values()
    return sorted(found, key=lambda duplicate: duplicate.index)


def _binary_matrix(texts: Sequence[str]) -> sparse.csr_matrix:
    """Texts × shingles, 1 where the text has the shingle: the sets `shingles` gives, in numpy.

    Each character becomes a 16-bit id and each 4-gram one 64-bit code, so the shingles of every
    text are cut at once instead of sliced and hashed as strings one by one.
    """
    keys = [f" {dedup_key(text)} " for text in texts]
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    characters = np.frombuffer("".join(keys).encode("utf-32-le"), dtype=np.uint32)
    alphabet, ids = np.unique(characters, return_inverse=True)
    if len(alphabet) >= 1 << 16:
        raise ValueError("more distinct characters than 16-bit ids")
    # Id 0 is padding: a key shorter than a shingle is one shingle of its own, padded.
    ids = np.append(ids.astype(np.uint64) + 1, np.zeros(SHINGLE, dtype=np.uint64))
    row_of = np.repeat(np.arange(len(keys)), lengths)
    position = np.arange(len(characters))
    short = lengths[row_of] <= SHINGLE
    # A shingle starts at every position with a whole window left in its text; a short key
    # has one, at its start, with the characters past its end masked to padding.
    starting = np.where(short, position == starts[row_of], position + SHINGLE <= ends[row_of])
    first = position[starting]
    codes = np.zeros(len(first), dtype=np.uint64)
    for offset in range(SHINGLE):
        inside = first + offset < ends[row_of[first]]
        char = np.where(inside, ids[first + offset], 0)
        codes |= char << np.uint64(16 * (SHINGLE - 1 - offset))
    _, columns = np.unique(codes, return_inverse=True)
    matrix = sparse.csr_matrix(
        (np.ones(len(codes), dtype=np.float32), (row_of[first], columns)),
        shape=(len(keys), int(columns.max(initial=-1)) + 1),
    )
    matrix.data[:] = 1.0  # a shingle repeated in a text was summed: sets, not counts
    return matrix
