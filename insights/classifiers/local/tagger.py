"""Keyword rules for taxonomy codes, each match with its evidence quoted from the comment.

The shipped model tags with its learned tagger (tag_model.py) and uses these rules to explain
tags (`evidence_many`); `tag` still tags alone for a model trained without a tagger.

Matching is accent-, case- and elongation-insensitive ("ÁUDIO", "audio", "audiooo" are one
word), prefix terms cover inflections ("trav*": travou, travando) and long words tolerate one
typo ("ingreso", "sincronisada"). Every tag says why in pt-BR, quoting the words of the comment
that triggered it: `menciona "audio chiando"`. Precision matters more than recall here: a
wrong tag misleads curators and reports, a missing one only hides a detail.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.utils.translation import gettext as _

from insights.classifiers.local.features import fold, squash_elongations
from insights.classifiers.local.tag_rules import CONTEXT_CODES, IMPLIED_BY, RULES, SPAM_CODES
from insights.domain import TagResult

MAX_TAGS = 3
# Words shorter than this never match with a typo: too many real words are one edit apart.
FUZZY_MIN_LENGTH = 7
MAX_CACHED_TOKENS = 100_000
_TOKEN = re.compile(r"\w+")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|br|ly|me|io|gg|link|shop)\b\S*")
_EVIDENCE_LENGTH = 60
# Keyboard rows, or five consonants in a row (Portuguese words have at most four: "nstr").
_MASHING = re.compile(r"qwer|asdf|sdfg|zxcv|hjkl|jkl|[bcdfghjklmnpqrstvwxz]{5}")


@dataclass(frozen=True)
class _Term:
    code: str
    words: tuple[str, ...]  # a trailing "*" makes a word a prefix


class _Match(NamedTuple):  # a tuple: made for every candidate, so it must be cheap
    code: str
    first: int  # token positions, inclusive
    last: int


def within_one_edit(a: str, b: str) -> bool:
    """True when `a` and `b` differ by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    if len(a) == len(b):
        swapped = a[start : start + 2] == b[start : start + 2][::-1]
        return a[start + 1 :] == b[start + 1 :] or (swapped and a[start + 2 :] == b[start + 2 :])
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer[start + 1 :] == shorter[start:]


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Tagger:
    """Compiled rules; `tag(text, category)` is thread-safe and caches per-word analysis."""

    def __init__(self, rules: dict[str, tuple[str, ...]]) -> None:
        self._priority = {code: rank for rank, code in enumerate(rules)}
        self._terms = [_Term(code, tuple(t.split())) for code, ts in rules.items() for t in ts]
        self._exact: dict[str, set[tuple[int, int]]] = {}
        self._prefixes: dict[str, set[tuple[int, int]]] = {}
        self._fuzzy: dict[str, set[tuple[str, int, int]]] = {}
        for term_index, term in enumerate(self._terms):
            for position, word in enumerate(term.words):
                self._index_word(word, (term_index, position))
        self._prefix_lengths = sorted({len(prefix) for prefix in self._prefixes})
        self._cache: dict[str, frozenset[tuple[int, int]]] = {}
        self._lock = threading.Lock()

    def _index_word(self, word: str, slot: tuple[int, int]) -> None:
        if word.endswith("*"):
            self._prefixes.setdefault(word[:-1], set()).add(slot)
            return
        self._exact.setdefault(word, set()).add(slot)
        if len(word) >= FUZZY_MIN_LENGTH:
            for variant in _deletions(word) | {word}:
                self._fuzzy.setdefault(variant, set()).add((word, *slot))

    def tag(self, text: str, category: str | None = None) -> tuple[TagResult, ...]:
        """Up to MAX_TAGS tags for `text`; spam codes only for SPAM, topic codes only otherwise."""
        return self.tag_many([text], [category])[0]

    def tag_many(
        self, texts: Sequence[str], categories: Sequence[str | None]
    ) -> list[tuple[TagResult, ...]]:
        """`tag` for a batch (the pt-BR explanation templates are looked up once)."""
        templates = _Templates.current()
        return [
            self._tag(text, category, templates)
            for text, category in zip(texts, categories, strict=True)
        ]

    def evidence_many(
        self, texts: Sequence[str], wanted: Sequence[frozenset[str]]
    ) -> list[dict[str, str]]:
        """Per text, which of its `wanted` codes' rules fire, each with its pt-BR explanation.

        Unlike `tag`, nothing is capped or left out by priority: the learned tagger has already
        chosen the codes, and quotes these as their explanations (see tag_model.py).
        """
        templates = _Templates.current()
        return [
            self._evidence(text, codes, templates)
            for text, codes in zip(texts, wanted, strict=True)
        ]

    def _evidence(self, text: str, wanted: frozenset[str], templates: _Templates) -> dict[str, str]:
        cached = self._cache.get
        slots = [
            found if (found := cached(raw)) is not None else self._slots(raw)
            for raw in _TOKEN.findall(text)
        ]
        quotes: dict[str, str] = {}
        spans: list[tuple[int, int]] = []
        for match in self._matches(slots, wanted):  # in text order: the first phrase is quoted
            if match.code in quotes:
                continue
            spans = spans or [m.span() for m in _TOKEN.finditer(text)]
            evidence = text[spans[match.first][0] : spans[match.last][1]]
            quotes[match.code] = templates.mentions % evidence[:_EVIDENCE_LENGTH]
        url = _URL.search(text) if "link_externo" in wanted - quotes.keys() else None
        if url:
            quotes["link_externo"] = templates.link % url[0][:_EVIDENCE_LENGTH]
        meaningless = "conteudo_sem_sentido" in wanted - quotes.keys()
        if meaningless and looks_meaningless(text):
            excerpt = " ".join(text.split())[:_EVIDENCE_LENGTH]
            quotes["conteudo_sem_sentido"] = templates.meaningless % excerpt
        return quotes

    def _tag(self, text: str, category: str | None, templates: _Templates) -> tuple[TagResult, ...]:
        cached = self._cache.get
        slots = [
            found if (found := cached(raw)) is not None else self._slots(raw)
            for raw in _TOKEN.findall(text)
        ]
        allowed = self._allowed_codes(category)
        matches = sorted(
            self._matches(slots, allowed), key=lambda m: (self._priority[m.code], m.first)
        )
        tags = []
        if matches:
            spans = [m.span() for m in _TOKEN.finditer(text)]
            for match in self._choose(matches):
                evidence = text[spans[match.first][0] : spans[match.last][1]]
                tags.append(TagResult(match.code, templates.mentions % evidence[:_EVIDENCE_LENGTH]))
        if category == "SPAM":
            tags = _with_spam_fallbacks(text, tags, templates)
        return tuple(tags[:MAX_TAGS])

    def _allowed_codes(self, category: str | None) -> frozenset[str] | None:
        if category is None:
            return None
        if category == "SPAM":
            return SPAM_CODES
        return frozenset(self._priority) - SPAM_CODES

    def _matches(
        self, slots: list[frozenset[tuple[int, int]]], allowed: frozenset[str] | None
    ) -> Iterable[_Match]:
        for first, found in enumerate(slots):
            if not found:
                continue
            for term_index, position in found:
                term = self._terms[term_index]
                if position or (allowed is not None and term.code not in allowed):
                    continue
                last = first + len(term.words) - 1
                if last < len(slots) and all(
                    (term_index, k) in slots[first + k] for k in range(1, len(term.words))
                ):
                    yield _Match(term.code, first, last)

    def _choose(self, matches: list[_Match]) -> list[_Match]:
        """One match per code, by priority, never reusing tokens quoted for an earlier code."""
        chosen: dict[str, _Match] = {}
        used: set[int] = set()
        for match in matches:
            span = set(range(match.first, match.last + 1))
            if match.code in chosen or span & used:
                continue
            chosen[match.code] = match
            used |= span
        codes = set(chosen)
        if codes - CONTEXT_CODES:
            codes -= CONTEXT_CODES
        return [
            m
            for code, m in chosen.items()
            if code in codes and not IMPLIED_BY.get(code, set()) & codes
        ]

    def _slots(self, raw: str) -> frozenset[tuple[int, int]]:
        """The (term, word position) pairs a raw token can fill; cached per token."""
        cached = self._cache.get(raw)
        if cached is not None:
            return cached
        word = squash_elongations(fold(raw))
        found = set(self._exact.get(word, ()))
        for length in self._prefix_lengths:
            if length > len(word):
                break
            found |= self._prefixes.get(word[:length], set())
        if len(word) >= FUZZY_MIN_LENGTH - 1:
            found |= self._fuzzy_slots(word)
        result = frozenset(found)
        with self._lock:
            if len(self._cache) > MAX_CACHED_TOKENS:
                self._cache.clear()
            self._cache[raw] = result
        return result

    def _fuzzy_slots(self, word: str) -> set[tuple[int, int]]:
        found: set[tuple[int, int]] = set()
        for variant in _deletions(word) | {word}:
            for target, term_index, position in self._fuzzy.get(variant, ()):
                if within_one_edit(word, target):
                    found.add((term_index, position))
        return found


@dataclass(frozen=True)
class _Templates:
    """The explanations' pt-BR templates in the active language (one `%s` each)."""

    mentions: str
    link: str
    meaningless: str

    @classmethod
    def current(cls) -> _Templates:
        return cls(
            mentions=_('menciona "%s"'),
            link=_('contém o link "%s"'),
            meaningless=_('texto repetitivo ou sem sentido: "%s"'),
        )


def _with_spam_fallbacks(
    text: str, tags: list[TagResult], templates: _Templates
) -> list[TagResult]:
    """A link is evidence of `link_externo` even without the word; gibberish is its own sign."""
    codes = {tag.code for tag in tags}
    url = _URL.search(text)
    if url and "link_externo" not in codes:
        tags.append(TagResult("link_externo", templates.link % url[0]))
    if "conteudo_sem_sentido" not in codes and looks_meaningless(text):
        excerpt = " ".join(text.split())[:_EVIDENCE_LENGTH]
        tags.insert(0, TagResult("conteudo_sem_sentido", templates.meaningless % excerpt))
    return tags


def looks_meaningless(text: str) -> bool:
    """No words at all, the same few words repeated, or keyboard mashing."""
    # Lower-casing is enough here: accents change neither repetition nor keyboard rows.
    words = _TOKEN.findall(squash_elongations(text.lower()))
    if not words:
        return True
    if len(words) >= 3 and len(set(words)) <= len(words) / 2:
        return True
    return any(_MASHING.search(word) for word in words)


_shared: Tagger | None = None
_shared_lock = threading.Lock()


def shared_tagger() -> Tagger:
    """The process-wide tagger built from insights.classifiers.local.tag_rules."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Tagger(RULES)
        return _shared


def tag_comment(text: str, category: str | None = None) -> tuple[TagResult, ...]:
    """Tags of one comment, given its category when known (see Tagger.tag)."""
    return shared_tagger().tag(text, category)


def tag_comments(
    texts: Sequence[str], categories: Sequence[str | None]
) -> list[tuple[TagResult, ...]]:
    """Tags of a batch of comments (see Tagger.tag_many)."""
    return shared_tagger().tag_many(texts, categories)


def rule_evidence(texts: Sequence[str], wanted: Sequence[frozenset[str]]) -> list[dict[str, str]]:
    """The rules of the `wanted` codes that fire on each text (see Tagger.evidence_many)."""
    return shared_tagger().evidence_many(texts, wanted)
