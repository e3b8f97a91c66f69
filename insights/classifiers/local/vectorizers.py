"""A character n-gram TF-IDF vectorizer fast enough for ten thousand comments per second.

Character n-grams taken inside word boundaries (scikit-learn's `char_wb`) depend only on each
word, and comments reuse the same few thousand words. So each distinct word is analysed once into
the column indices of its n-grams and cached; a comment's row is then a concatenation of cached
arrays. The result equals `TfidfVectorizer(analyzer="char_wb", sublinear_tf=True)` on the same
vocabulary, at several times its speed (profiling showed its per-n-gram Python loop dominating).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

# Beyond this many distinct words the cache starts over, bounding a long-lived worker's memory.
MAX_CACHED_WORDS = 200_000
_NO_COLUMNS = np.empty(0, dtype=np.int32)


def word_char_ngrams(word: str, low: int, high: int) -> list[str]:
    """The n-grams (low..high) of `word` padded with one space each side, as `char_wb` does."""
    padded = f" {word} "
    if len(padded) <= low:
        return [padded]
    return [
        padded[start : start + size]
        for size in range(low, min(high, len(padded)) + 1)
        for start in range(len(padded) - size + 1)
    ]


# Vocabularies are pickled as one joined string and an index array: joblib unpickles with the
# pure-Python Unpickler, which spends microseconds per object; 200,000 dict entries cost ~0.5 s.
_KEY_SEPARATOR = "\x00"
_TEXT_SEPARATOR = "\x00"  # a token of its own for the word pattern, and in no vocabulary
_PAIR_SEPARATOR = "\x01"


def pack_vocabulary(vocabulary: dict[str, int]) -> tuple[str, np.ndarray]:
    """A str -> column dict as (keys joined by NUL, columns) for a fast pickle."""
    return _KEY_SEPARATOR.join(vocabulary), np.fromiter(vocabulary.values(), dtype=np.int32)


def unpack_vocabulary(packed: tuple[str, np.ndarray]) -> dict[str, int]:
    """The dict `pack_vocabulary` packed (an empty vocabulary stays empty)."""
    keys, columns = packed
    if not len(columns):
        return {}
    return dict(zip(keys.split(_KEY_SEPARATOR), columns.tolist(), strict=True))


def _tfidf_rows(indices: np.ndarray, indptr: np.ndarray, idf: np.ndarray) -> sparse.csr_matrix:
    """Rows of column occurrences -> sublinear TF-IDF, unit length (as TfidfVectorizer does)."""
    data = np.ones(len(indices), dtype=np.float32)
    matrix = sparse.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, len(idf)))
    matrix.sum_duplicates()
    np.log(matrix.data, out=matrix.data)
    matrix.data += 1.0
    matrix.data *= idf[matrix.indices]
    return normalize(matrix, copy=False)


class CharNgramAnalyzer:
    """Picklable analyzer: a text's word-bounded character n-grams."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def __call__(self, text: str) -> list[str]:
        return [
            ngram for word in text.split() for ngram in word_char_ngrams(word, self.low, self.high)
        ]


_WORD_SEPARATOR = f" {_TEXT_SEPARATOR} "


class _WordColumns:
    """Per-word n-gram columns in one flat array: word -> id, and each id's run in `columns`."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {_TEXT_SEPARATOR: 0}  # the marker between texts: no columns
        self.columns = _NO_COLUMNS
        self.starts = np.zeros(1, dtype=np.int64)
        self.lengths = np.zeros(1, dtype=np.int64)

    def add(self, unseen: set[str], analyse: Callable[[str], list[int]]) -> None:
        words = list(unseen)
        found = [analyse(word) for word in words]
        sizes = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        starts = len(self.columns) + np.cumsum(sizes) - sizes
        first = len(self.ids)
        self.ids.update(zip(words, range(first, first + len(words)), strict=True))
        new = np.fromiter(chain.from_iterable(found), dtype=np.int32, count=int(sizes.sum()))
        self.columns = np.concatenate([self.columns, new])
        self.starts = np.concatenate([self.starts, starts])
        self.lengths = np.concatenate([self.lengths, sizes])


class CachedCharTfidf(TransformerMixin, BaseEstimator):
    """Sublinear TF-IDF over word-bounded character n-grams, with a per-word cache."""

    def __init__(self, ngram_range: tuple[int, int] = (2, 5), min_df: int = 1) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df

    def fit(self, texts: Sequence[str], y: Any = None) -> CachedCharTfidf:
        vectorizer = TfidfVectorizer(
            analyzer=CharNgramAnalyzer(*self.ngram_range), min_df=self.min_df, sublinear_tf=True
        ).fit(texts)
        self.vocabulary_: dict[str, int] = dict(vectorizer.vocabulary_)
        self.idf_ = vectorizer.idf_.astype(np.float32)
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        cache = self._word_cache()
        # The batch as one list of words, texts apart by a marker word that has no n-grams.
        joined = _WORD_SEPARATOR.join(texts)
        if joined.count(_WORD_SEPARATOR) != max(len(texts) - 1, 0):
            joined = _WORD_SEPARATOR.join(t.replace(_TEXT_SEPARATOR, " ") for t in texts)
        words = joined.split()
        unseen = set(words).difference(cache.ids)
        if unseen:  # only the batch's new words are analysed; the rest are lookups in C (map)
            cache.add(unseen, self._columns)
        ids = np.fromiter(map(cache.ids.__getitem__, words), dtype=np.int64, count=len(words))
        lengths, starts = cache.lengths[ids], cache.starts[ids]
        # Each word's run of columns out of the flat store, gathered in one fancy index.
        ends = np.cumsum(lengths)
        total = int(ends[-1]) if len(ends) else 0
        gather = np.arange(total) + np.repeat(starts - ends + lengths, lengths)
        text_of_word = np.cumsum(ids == 0)  # id 0 is the marker between texts
        per_text = np.bincount(text_of_word, weights=lengths, minlength=len(texts))
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(per_text.astype(np.int64), out=indptr[1:])
        return _tfidf_rows(cache.columns[gather], indptr, self.idf_)

    def _word_cache(self) -> _WordColumns:
        cache: _WordColumns | None = self.__dict__.get("_cache")
        if cache is None or len(cache.ids) > MAX_CACHED_WORDS:
            cache = self.__dict__["_cache"] = _WordColumns()
        return cache

    def _columns(self, word: str) -> list[int]:
        low, high = self.ngram_range
        vocabulary = self.vocabulary_
        return [vocabulary[g] for g in word_char_ngrams(word, low, high) if g in vocabulary]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_cache", None)
        if "vocabulary_" in state:
            state["vocabulary_"] = pack_vocabulary(state["vocabulary_"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if isinstance(state.get("vocabulary_"), tuple):
            state["vocabulary_"] = unpack_vocabulary(state["vocabulary_"])
        self.__dict__.update(state)


class WordTfidf(TransformerMixin, BaseEstimator):
    """Sublinear TF-IDF over word unigrams and bigrams, with dictionary lookups only.

    Fitted by scikit-learn's TfidfVectorizer (same tokens, same vocabulary and idf); the
    transform looks up unigrams and (word, word) pairs directly instead of building every
    n-gram string first, which roughly halves its cost.
    """

    def __init__(self, token_pattern: str = r"(?u)\b\w\w+\b", bigrams: bool = True) -> None:
        self.token_pattern = token_pattern
        self.bigrams = bigrams

    def fit(self, texts: Sequence[str], y: Any = None) -> WordTfidf:
        vectorizer = TfidfVectorizer(
            lowercase=False,
            token_pattern=self.token_pattern,
            ngram_range=(1, 2 if self.bigrams else 1),
            sublinear_tf=True,
        ).fit(texts)
        self.unigrams_: dict[str, int] = {}
        self.bigrams_: dict[tuple[str, str], int] = {}
        for term, column in vectorizer.vocabulary_.items():
            first, _, second = term.partition(" ")
            if second:
                self.bigrams_[(first, second)] = int(column)
            else:
                self.unigrams_[term] = int(column)
        self.idf_ = vectorizer.idf_.astype(np.float32)
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        # The batch is tokenized as one string, texts apart by a NUL token that is in no
        # vocabulary (so no n-gram spans two texts); lookups run in C through map().
        joined = _TEXT_SEPARATOR.join(texts)
        if joined.count(_TEXT_SEPARATOR) != max(len(texts) - 1, 0):
            joined = _TEXT_SEPARATOR.join(text.replace(_TEXT_SEPARATOR, " ") for text in texts)
        tokens = re.compile(self.token_pattern).findall(joined)
        count = len(tokens)
        row = np.cumsum(np.fromiter(map(_TEXT_SEPARATOR.__eq__, tokens), dtype=bool, count=count))
        unigrams = np.fromiter(map(self.unigrams_.get, tokens, repeat(-1)), np.int64, count)
        rows, columns = [row], [unigrams]
        if self.bigrams and count > 1:
            rows.append(row[:-1])
            columns.append(self._bigram_columns(unigrams[:-1], unigrams[1:]))
        row, column = np.concatenate(rows), np.concatenate(columns)
        known = column >= 0
        row, column = row[known], column[known]
        order = np.argsort(row, kind="stable")
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(np.bincount(row, minlength=len(texts)), out=indptr[1:])
        return _tfidf_rows(column[order].astype(np.int32), indptr, self.idf_)

    def _bigram_columns(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """The column of each (left, right) unigram-column pair that is a known bigram, else -1.

        Both words of a known bigram are known unigrams (the fit keeps every term), so a
        bigram is the number left * width + right, found by binary search in numpy instead of
        hashing a tuple of strings per pair.
        """
        keys, columns = self._bigram_index()
        if not len(keys):
            return np.full(len(left), -1, dtype=np.int64)
        wanted = left * len(self.idf_) + right
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        found = (left >= 0) & (right >= 0) & (keys[at] == wanted)
        return np.where(found, columns[at], -1)

    def _bigram_index(self) -> tuple[np.ndarray, np.ndarray]:
        index: tuple[np.ndarray, np.ndarray] | None = self.__dict__.get("_bigram_lookup")
        if index is None:
            width, unigram = len(self.idf_), self.unigrams_
            pairs = [
                (unigram[a] * width + unigram[b], column)
                for (a, b), column in self.bigrams_.items()
                if a in unigram and b in unigram
            ]
            keys = np.array([key for key, _ in pairs], dtype=np.int64)
            columns = np.array([column for _, column in pairs], dtype=np.int64)
            order = np.argsort(keys)
            index = self.__dict__["_bigram_lookup"] = (keys[order], columns[order])
        return index

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_bigram_lookup", None)  # rebuilt from bigrams_ on first use
        if "unigrams_" in state:
            state["unigrams_"] = pack_vocabulary(state["unigrams_"])
            pairs = {_PAIR_SEPARATOR.join(pair): column for pair, column in self.bigrams_.items()}
            state["bigrams_"] = pack_vocabulary(pairs)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if isinstance(state.get("unigrams_"), tuple):
            state["unigrams_"] = unpack_vocabulary(state["unigrams_"])
            pairs = unpack_vocabulary(state["bigrams_"])
            state["bigrams_"] = {
                tuple(key.split(_PAIR_SEPARATOR, 1)): column for key, column in pairs.items()
            }
        self.__dict__.update(state)
