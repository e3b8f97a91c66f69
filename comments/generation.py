"""Synthetic pt-BR comments for benchmarks and demos, bulk-loaded with PostgreSQL binary COPY.

Rows look like the pipeline's output after 12 weeks of traffic: classified comments with
categories, confidences and tags (plus some pending, processing and failed ones), a review
queue with some reviews done, and a volume that grows towards today. Texts are assembled from
phrase pools written for this project. Not for SQLite: COPY is PostgreSQL's.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils.translation import gettext as _
from psycopg.copy import QueuedLibpqWriter

from common.db import is_postgres
from lib.errors import ValidationFailed

from .binary_copy import SIGNATURE, TRAILER, Column, field, fixed_fields, fixed_table, joined
from .binary_copy import timestamps as timestamp_values
from .bulk_load import indexes_rebuilt_after
from .bulk_side_load import SideLoad, side_loads_possible
from .generation_pools import PHRASES, TAG_POOLS
from .models import Category, Comment, CommentSearch, CommentTag, Source, Status, Tag
from .search import SEARCH_CONFIG

CHUNK = 50_000
CATEGORY_WEIGHTS = {
    Category.PRAISE: 0.38,
    Category.CRITICISM: 0.27,
    Category.SUGGESTION: 0.14,
    Category.QUESTION: 0.13,
    Category.SPAM: 0.08,
}
STATUS_WEIGHTS = {Status.DONE: 0.96, Status.PENDING: 0.02, Status.PROCESSING: 0.005,
                  Status.FAILED: 0.015}  # fmt: skip
# The binary rows (`_chunk`) put the per-row fixed-width fields first and the fields drawn
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


@dataclass(frozen=True)
class GenerationResult:
    comments: int
    tag_links: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.comments / self.seconds if self.seconds else 0.0


def _texts(category: str) -> list[str]:
    openings, middles, endings = PHRASES[category]
    return [f"{a} {b}{c}" for a, b, c in itertools.product(openings, middles, endings)]


def _tag_ids() -> dict[str, list[int]]:
    codes = {code for pool in TAG_POOLS.values() for code in pool}
    Tag.objects.bulk_create([Tag(code=code) for code in codes], ignore_conflicts=True)
    ids = dict(Tag.objects.filter(code__in=codes).values_list("code", "id"))
    return {category: [ids[code] for code in pool] for category, pool in TAG_POOLS.items()}


def comments_generate(*, count: int, weeks: int = 12, seed: int = 0) -> GenerationResult:
    """Insert `count` synthetic comments (and their tags) spread over the last `weeks` weeks,
    in one transaction, oldest first (time-ordered ids keep every index append-only)."""
    if not is_postgres():
        raise ValidationFailed(_("generate_comments precisa do PostgreSQL (usa COPY)."))
    if count < 1:
        raise ValidationFailed(_("Informe uma quantidade positiva de comentários."))
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    pools = _Pools.build()
    # Into a table at least as big as the load, rebuilding its indexes would cost more than
    # keeping them up to date.
    rebuild = Comment.objects.count() < count
    received = received_times(rng, count, weeks)
    if rebuild and side_loads_possible(connection):
        links = _load_in_parallel(rng, received, pools)
        return GenerationResult(count, links, time.perf_counter() - started)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL gin_pending_list_limit = '256MB'")
        loading = indexes_rebuilt_after(cursor, LOADED_TABLES) if rebuild else nullcontext()
        with loading:
            links = _load(cursor.cursor, rng, received, pools)
    return GenerationResult(count, links, time.perf_counter() - started)


BINARY = "(FORMAT binary)"
COMMENT_COPY = f"COPY comments_comment ({', '.join(COMMENT_COLUMNS)}) FROM STDIN {BINARY}"
TAG_COPY = f"COPY comments_commenttag (comment_id, tag_id, explanation) FROM STDIN {BINARY}"
SEARCH_COPY = f"COPY {CommentSearch._meta.db_table} (comment_id, document) FROM STDIN {BINARY}"
LOADED_TABLES = ("comments_comment", "comments_commenttag", CommentSearch._meta.db_table)


def _load(cursor: Any, rng: np.random.Generator, received: np.ndarray, pools: _Pools) -> int:
    """COPY every comment, then every tag link and search document; return the number of links.

    One COPY for all the comments, fed by a writer thread: the server parses and indexes a
    chunk while numpy assembles the next. The links and documents wait in memory (~80 and
    ~90 MB at 1M comments) because a connection runs one COPY at a time.
    """
    later: dict[str, list[bytes]] = {TAG_COPY: [], SEARCH_COPY: []}
    sinks = {statement: blocks.append for statement, blocks in later.items()}
    linked = _copy_chunks(cursor, rng, received, pools, sinks)
    for statement, blocks in later.items():
        with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
            while blocks:
                copy.write(blocks.pop(0))
    return linked


def _load_in_parallel(rng: np.random.Generator, received: np.ndarray, pools: _Pools) -> int:
    """The same rows, the tag links and search documents each over a connection of its own
    (comments/bulk_side_load.py): three backends COPY and rebuild indexes at once, and the
    two side tables commit right after the comments do."""
    sides: dict[str, SideLoad] = {}
    try:
        for statement, table in ((TAG_COPY, CommentTag), (SEARCH_COPY, CommentSearch)):
            sides[statement] = SideLoad(connection, table._meta.db_table, statement)
        with (
            ThreadPoolExecutor(max_workers=len(sides)) as builders,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET LOCAL synchronous_commit = off")
            with indexes_rebuilt_after(cursor, (Comment._meta.db_table,)):
                sinks = {statement: side.write for statement, side in sides.items()}
                links = _copy_chunks(cursor.cursor, rng, received, pools, sinks)
                # The side tables rebuild their indexes while the comments' are rebuilt here.
                builds = [builders.submit(side.build) for side in sides.values()]
            for build in builds:
                build.result()  # a failed build rolls the comments back too
        for side in sides.values():
            side.commit()
    finally:
        for side in sides.values():
            side.close()
    return links


def _copy_chunks(
    cursor: Any,
    rng: np.random.Generator,
    received: np.ndarray,
    pools: _Pools,
    sinks: Mapping[str, Callable[[bytes], object]],
) -> int:
    """COPY the comments chunk by chunk; each chunk's tag links and search documents go to
    `sinks` (kept for later, or streamed to a side connection)."""
    linked = 0
    with cursor.copy(COMMENT_COPY, writer=QueuedLibpqWriter(cursor)) as copy:
        for write in (copy.write, *sinks.values()):
            write(SIGNATURE)
        for offset in range(0, len(received), CHUNK):
            rows = _chunk(rng, received[offset : offset + CHUNK], pools)
            copy.write(rows.comments)
            sinks[TAG_COPY](rows.tag_links)
            sinks[SEARCH_COPY](rows.documents)
            linked += rows.link_count
        for write in (copy.write, *sinks.values()):
            write(TRAILER)
    return linked


@dataclass(frozen=True)
class _Pools:
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
    def build(cls) -> _Pools:
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
class _ChunkRows:
    """One chunk in binary COPY form (no signature or trailer): comments, tag links, search
    documents."""

    comments: bytes
    tag_links: bytes
    documents: bytes
    link_count: int


def _chunk(rng: np.random.Generator, received: np.ndarray, pools: _Pools) -> _ChunkRows:
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
    return _ChunkRows(comments, links, documents, linked)


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
    pools: _Pools,
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
