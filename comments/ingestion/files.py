"""Ingest a whole file (CSV, JSON, XLSX) through `comments_ingest`: as one request, or chunked.

Used by the admin's "Importar arquivo" page, `import_comments` and the demo loader. A file may hold
more rows than one request may carry (INGEST_MAX_ITEMS), so rows are read lazily and sent in
chunks; a chunk with no valid row is reported row by row instead of stopping the import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings

from comments.ingestion.readers import ParsedRow, check_file_size, read_items
from comments.services import IngestResult, comments_ingest, comments_ingest_check
from lib.errors import Rejection, ValidationFailed

if TYPE_CHECKING:
    from accounts.models import User

DEFAULT_CHUNK = 1_000


@dataclass
class ImportSummary:
    stored: int = 0
    already_known: int = 0
    rejected: list[Rejection] = field(default_factory=list)  # by file row number
    stored_ids: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.stored + self.already_known + len(self.rejected)


@dataclass(frozen=True)
class ImportPreview:
    """A file read whole and checked by the ingestion service, nothing stored (the dry run)."""

    rows: int
    valid: int
    already_known: int
    rejected: tuple[Rejection, ...]  # by file row number
    samples: tuple[ParsedRow, ...]  # the first rows, as the import would read them

    @property
    def accepted(self) -> bool:
        """Whether the file may be imported: every row valid (a rejected file stores nothing)."""
        return self.valid > 0 and not self.rejected


def comments_import_preview(*, file: IO[bytes], filename: str, samples: int = 5) -> ImportPreview:
    """Read every row of `file` and check it as `comments_import_file` would, storing nothing.

    Raises ValidationFailed (or LimitExceeded) when the file itself cannot be read.
    """
    check_file_size(getattr(file, "size", 0) or 0)
    rows = list(read_items(file, filename=filename))
    check = comments_ingest_check(
        items=[row.item for row in rows], item_numbers=[row.number for row in rows]
    )
    return ImportPreview(
        rows=len(rows),
        valid=check.valid,
        already_known=check.already_known,
        rejected=check.rejected,
        samples=tuple(rows[:samples]),
    )


def comments_ingest_file(
    *,
    file: IO[bytes],
    filename: str,
    size: int,
    source: str,
    submitted_by: User | None,
    enforce_quota: bool = False,
) -> IngestResult:
    """Ingest an uploaded CSV/JSON/XLSX file as one request; rejections name file rows.

    The whole file is read before anything is stored, so an unreadable file stores nothing.
    """
    check_file_size(size)
    rows = list(islice(read_items(file, filename=filename), settings.INGEST_MAX_ITEMS + 1))
    return comments_ingest(
        items=[row.item for row in rows],
        source=source,
        submitted_by=submitted_by,
        item_numbers=[row.number for row in rows],
        enforce_quota=enforce_quota,
    )


def comments_import_file(
    *,
    file: IO[bytes],
    filename: str,
    source: str,
    user: User | None,
    chunk_size: int = DEFAULT_CHUNK,
    prepare: Callable[[ParsedRow], Any] | None = None,
    on_chunk: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    """Ingest every row of `file`; return how many were stored, already known or rejected.

    Raises ValidationFailed (or LimitExceeded) when the file itself cannot be read; rows
    already ingested by then stay stored. `prepare` may rewrite each row's item (e.g. to give
    it a stable id); `on_chunk` is called with the running summary after each chunk.
    """
    check_file_size(getattr(file, "size", 0) or 0)
    summary = ImportSummary()
    size = min(chunk_size, settings.INGEST_MAX_ITEMS)
    for chunk in _chunks(read_items(file, filename=filename), size):
        items = [prepare(row) if prepare else row.item for row in chunk]
        _ingest_chunk(chunk, items, source=source, user=user, summary=summary)
        if on_chunk:
            on_chunk(summary)
    return summary


def _ingest_chunk(
    chunk: list[ParsedRow],
    items: list[Any],
    *,
    source: str,
    user: User | None,
    summary: ImportSummary,
) -> None:
    numbers = [row.number for row in chunk]
    try:
        result = comments_ingest(
            items=items, source=source, submitted_by=user, item_numbers=numbers
        )
    except ValidationFailed as error:
        if not error.rejections:  # e.g. ids repeated inside the chunk: the file is at fault
            raise
        summary.rejected += error.rejections
        return
    summary.stored += len(result.stored_ids)
    summary.stored_ids += result.stored_ids
    summary.already_known += len(result.already_known_ids)
    summary.rejected += list(result.rejected)


def _chunks(rows: Iterable[ParsedRow], size: int) -> Iterator[list[ParsedRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk
