"""The rows `comments.generation` loads: synthetic comments, their tag links and search
documents, built column by column with numpy as binary COPY data.

Texts are assembled from phrase pools written for this project (`generation_pools`); what a
comment shows of its classification (category, backend, model) follows from its status.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from django.db import connection

from .binary_copy import Column, field, fixed_fields, fixed_table, joined
from .binary_copy import timestamps as timestamp_values
from .generation_pools import PHRASES, TAG_POOLS
from .models import Category, Source, Status, Tag
from .search import SEARCH_CONFIG

CATEGORY_WEIGHTS = {
    Category.PRAISE: 0.38,
    Category.CRITICISM: 0.27,
    Category.SUGGESTION: 0.14,
    Category.QUESTION: 0.13,
    Category.SPAM: 0.08,
}
STATUS_WEIGHTS = {Status.DONE: 0.96, Status.PENDING: 0.02, Status.PROCESSING: 0.005,
                  Status.FAILED: 0.015}  # fmt: skip
# The binary rows (`chunk_rows`) put the per-row fixed-width fields first and the fields drawn
# from the (status, text) pool last, so the COPY names the columns in that order.
FIXED_COLUMNS = (
    "id", "received_at", "enqueued_at", "attempts", "needs_review", "category_set_by_human",
    "tags_set_by_human", "confidence", "margin", "classified_at", "reviewed_at",
)  # fmt: skip
POOLED_COLUMNS = (
    "source", "status", "category", "classifier_backend", "classifier_model", "prompt_version",
    "last_error", "claimed_at", "text",
)  # fmt: skip
COMMENT_COLUMNS = FIXED_COLUMNS + POOLED_COLUMNS


def _texts(category: str) -> list[str]:
    openings, middles, endings = PHRASES[category]
    return [f"{a} {b}{c}" for a, b, c in itertools.product(openings, middles, endings)]


def _tag_ids() -> dict[str, list[int]]:
    codes = {code for pool in TAG_POOLS.values() for code in pool}
    Tag.objects.bulk_create([Tag(code=code) for code in codes], ignore_conflicts=True)
    ids = dict(Tag.objects.filter(code__in=codes).values_list("code", "id"))
    return {category: [ids[code] for code in pool] for category, pool in TAG_POOLS.items()}


@dataclass(frozen=True)
class RowPools:
    """Everything drawn from, as numpy arrays indexed by a category's number."""

    categories: np.ndarray  # category labels (object)
    weights: np.ndarray
    text_start: np.ndarray  # per category: where its phrases begin among all the texts …
    text_count: np.ndarray  # … and how many there are
    # The pooled fields (POOLED_COLUMNS) of a comment, one entry per status and text:
    # status number × number of texts + text number.
    pooled: np.ndarray
    documents: np.ndarray  # each text's tsvector as a field (one `to_tsvector` per text)
    tags: np.ndarray  # tag ids (int64), one category's pool after the other
    tag_start: np.ndarray
    tag_count: np.ndarray

    @classmethod
    def build(cls) -> RowPools:
        categories = list(CATEGORY_WEIGHTS)
        texts = [_texts(category) for category in categories]
        tag_ids = _tag_ids()
        tags = [tag_ids[category] for category in categories]
        labelled = [
            (str(c), text) for c, pool in zip(categories, texts, strict=True) for text in pool
        ]
        return cls(
            categories=np.array([str(c) for c in categories], dtype=object),
            weights=np.array(list(CATEGORY_WEIGHTS.values())),
            text_start=_starts(texts),
            text_count=np.array([len(pool) for pool in texts]),
            pooled=_pooled_fields(labelled),
            documents=np.array(_documents([text for _c, text in labelled]), dtype=object),
            tags=np.array([tag for pool in tags for tag in pool], dtype=np.int64),
            tag_start=_starts(tags),
            tag_count=np.array([len(pool) for pool in tags]),
        )


def _pooled_fields(labelled: list[tuple[str, str]]) -> np.ndarray:
    """POOLED_COLUMNS as binary fields for every status and every (category, text): what a
    comment shows of its classification follows from its status alone."""
    entries = []
    for status in STATUS_WEIGHTS:
        done = status == Status.DONE
        for category, text in labelled:
            values = (
                Source.API, status, category if done else None,
                "local" if done else "", "tfidf-default" if done else "",
                "local_v1" if done else "", "tempo esgotado" if status == Status.FAILED else "",
                None, text,
            )  # fmt: skip
            entries.append(b"".join(field(None if v is None else v.encode()) for v in values))
    return np.array(entries, dtype=object)


def _documents(texts: list[str]) -> list[bytes]:
    """Each text's search document as a binary COPY field (tsvector's send form).

    The texts repeat from a pool of about a thousand, so analysing each once here and copying
    the result saves PostgreSQL a `to_tsvector` (unaccent, stemmer) per generated comment.
    """
    sql = (
        f"SELECT tsvectorsend(to_tsvector('{SEARCH_CONFIG}'::regconfig, t.text)) "
        "FROM unnest(%s::text[]) WITH ORDINALITY AS t(text, n) ORDER BY t.n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [texts])
        return [field(bytes(document)) for (document,) in cursor.fetchall()]


def _starts(pools: Sequence[Sequence[object]]) -> np.ndarray:
    sizes = np.array([len(pool) for pool in pools])
    return np.cumsum(sizes) - sizes


_STATUS_WEIGHTS = np.array(list(STATUS_WEIGHTS.values()))
_DONE = list(STATUS_WEIGHTS).index(Status.DONE)
EXPLANATION = b"gerado"  # every generated tag link's explanation


@dataclass(frozen=True)
class ChunkRows:
    """One chunk in binary COPY form (no signature or trailer): comments, tag links, search
    documents."""

    comments: bytes
    tag_links: bytes
    documents: bytes
    link_count: int


def chunk_rows(rng: np.random.Generator, received: np.ndarray, pools: RowPools) -> ChunkRows:
    """One COPY's worth of rows, built column by column with numpy (a Python call per value
    would cap the load at a few thousand rows per second)."""
    size = len(received)
    ids = _uuid7s(rng, received)
    instants = timestamp_values(received)
    categories = rng.choice(len(pools.categories), size=size, p=pools.weights)
    statuses = rng.choice(len(_STATUS_WEIGHTS), size=size, p=_STATUS_WEIGHTS)
    confidences = np.clip(rng.beta(8, 2, size), 0.2, 0.999)
    margins = np.clip(confidences - rng.random(size) * 0.5, 0.0, 1.0)
    done = statuses == _DONE
    needs_review = done & ((confidences < 0.6) | (margins < 0.15))
    reviewed = needs_review & (rng.random(size) < 0.3)
    text_index = pools.text_start[categories] + (
        rng.random(size) * pools.text_count[categories]
    ).astype(np.int64)
    not_done = ~done
    fixed = [  # FIXED_COLUMNS
        Column("V16", ids),
        Column(">i8", instants),
        Column(">i8", instants),
        Column(">i2", done.astype(np.int16)),  # attempts
        Column("?", needs_review & ~reviewed),
        Column("?", reviewed),  # category_set_by_human
        Column("?", False),
        # Confidences and margins have 4 decimals, as the classifier stores them.
        Column(">f8", np.rint(confidences * 10_000) / 10_000, null=not_done),
        Column(">f8", np.rint(margins * 10_000) / 10_000, null=not_done),
        Column(">i8", instants, null=not_done),  # classified_at
        Column(">i8", instants, null=~reviewed),
    ]
    pooled = pools.pooled[statuses * len(pools.documents) + text_index]
    comments = joined(fixed_fields(fixed, size, field_count=len(COMMENT_COLUMNS)), pooled)
    links, linked = _tag_rows(rng, ids, categories, done, pools)
    comment_ids = fixed_fields([Column("V16", ids)], size, field_count=2)
    documents = joined(comment_ids, pools.documents[text_index])
    return ChunkRows(comments, links, documents, linked)


def _uuid7s(rng: np.random.Generator, received: np.ndarray) -> np.ndarray:
    """Time-ordered (version 7) UUIDs as 16-byte values: rows arrive in time order, so every
    index on the table is appended to instead of written all over (random ids make COPY
    several times slower)."""
    size = len(received)
    raw = np.frombuffer(rng.bytes(16 * size), dtype=np.uint8).reshape(size, 16).copy()
    millis = received.astype("datetime64[ms]").astype(np.int64).astype(">u8")
    raw[:, :6] = millis.view(np.uint8).reshape(size, 8)[:, 2:]
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x70  # version 7
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 9562 variant
    return raw.view("V16").ravel()


def received_times(rng: np.random.Generator, count: int, weeks: int) -> np.ndarray:
    """`count` instants over the last `weeks` weeks, denser towards today, oldest first."""
    span_us = weeks * 7 * 86400 * 1_000_000
    ages = (span_us * (1 - np.sqrt(rng.random(count)))).astype("timedelta64[us]")
    now = np.datetime64(datetime.now(UTC).replace(tzinfo=None), "us")
    return np.sort(now - ages)


def _tag_rows(
    rng: np.random.Generator,
    ids: np.ndarray,
    categories: np.ndarray,
    done: np.ndarray,
    pools: RowPools,
) -> tuple[bytes, int]:
    """1 to 3 distinct tags of its category's pool for each classified comment, as binary
    COPY rows."""
    rows = np.flatnonzero(done)
    category = categories[rows]
    counts = np.minimum(rng.integers(1, 4, len(rows)), pools.tag_count[category])
    starts = rng.integers(0, 1 << 30, len(rows))
    # One entry per link: its comment, and its position k (0, 1, 2) among that comment's tags.
    link_rows = np.repeat(rows, counts)
    k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    pool = np.repeat(category, counts)
    picked = pools.tag_start[pool] + (np.repeat(starts, counts) + k) % pools.tag_count[pool]
    columns = [
        Column("V16", ids[link_rows]),
        Column(">i8", pools.tags[picked]),
        Column(f"S{len(EXPLANATION)}", EXPLANATION),
    ]
    return fixed_table(columns, len(link_rows)), len(link_rows)
