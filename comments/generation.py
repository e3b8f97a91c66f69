"""Synthetic pt-BR comments for benchmarks and demos, bulk-loaded with PostgreSQL binary COPY.

Rows look like the pipeline's output after 12 weeks of traffic: classified comments with
categories, confidences and tags (plus some pending, processing and failed ones), a review
queue with some reviews done, and a volume that grows towards today. Texts are assembled from
phrase pools written for this project. Not for SQLite: COPY is PostgreSQL's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils.translation import gettext as _
from psycopg.copy import QueuedLibpqWriter

from common.db import is_postgres
from lib.errors import ValidationFailed

from .binary_copy import SIGNATURE, TRAILER
from .bulk_load import indexes_rebuilt_after
from .bulk_side_load import SideLoad, side_loads_possible
from .generation_rows import COMMENT_COLUMNS, RowPools, chunk_rows, received_times
from .models import Comment, CommentSearch, CommentTag

CHUNK = 50_000


@dataclass(frozen=True)
class GenerationResult:
    comments: int
    tag_links: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.comments / self.seconds if self.seconds else 0.0


def comments_generate(*, count: int, weeks: int = 12, seed: int = 0) -> GenerationResult:
    """Insert `count` synthetic comments (and their tags) spread over the last `weeks` weeks,
    in one transaction, oldest first (time-ordered ids keep every index append-only)."""
    if not is_postgres():
        raise ValidationFailed(_("generate_comments precisa do PostgreSQL (usa COPY)."))
    if count < 1:
        raise ValidationFailed(_("Informe uma quantidade positiva de comentários."))
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    pools = RowPools.build()
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


def _load(cursor: Any, rng: np.random.Generator, received: np.ndarray, pools: RowPools) -> int:
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


def _load_in_parallel(rng: np.random.Generator, received: np.ndarray, pools: RowPools) -> int:
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
    pools: RowPools,
    sinks: Mapping[str, Callable[[bytes], object]],
) -> int:
    """COPY the comments chunk by chunk; each chunk's tag links and search documents go to
    `sinks` (kept for later, or streamed to a side connection)."""
    linked = 0
    with cursor.copy(COMMENT_COPY, writer=QueuedLibpqWriter(cursor)) as copy:
        for write in (copy.write, *sinks.values()):
            write(SIGNATURE)
        for offset in range(0, len(received), CHUNK):
            rows = chunk_rows(rng, received[offset : offset + CHUNK], pools)
            copy.write(rows.comments)
            sinks[TAG_COPY](rows.tag_links)
            sinks[SEARCH_COPY](rows.documents)
            linked += rows.link_count
        for write in (copy.write, *sinks.values()):
            write(TRAILER)
    return linked
