"""The demo data behind `make demo`: the demo comments ingested and classified in this process.

Comments go through the ingestion service like any other file; each chunk is then classified
here by the pipeline service (which claims its rows, so a worker that later receives the
enqueued tasks finds nothing left to do). No Celery setting is changed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from comments.ingestion.files import ImportSummary, comments_import_file
from comments.ingestion.readers import ParsedRow, read_items
from comments.models import Comment, Source, Status
from insights.pipeline.classify import comments_classify

if TYPE_CHECKING:
    from accounts.models import User

DEMO_FILE = Path(__file__).resolve().parent / "demo" / "comentarios_demo.csv"
# Stable ids make the demo load idempotent: a second run finds every comment already known.
DEMO_NAMESPACE = uuid.UUID("5d1f7c2e-8a43-4b8e-9f0a-a1a2b3c4d5e6")
DEMO_HISTORY_DAYS = 14
DEMO_CHUNK = 50


def demo_comment_id(row: ParsedRow) -> str:
    """The stable id of a demo row (its line number and text)."""
    return str(uuid.uuid5(DEMO_NAMESPACE, f"{row.number}:{row.item.get('texto', '')}"))


def demo_ids(file: Path) -> list[str]:
    """Every demo comment's id, in file order."""
    with file.open("rb") as handle:
        return [demo_comment_id(row) for row in read_items(handle, filename=file.name)]


def demo_comments_load(
    *,
    file: Path,
    curator: User,
    on_chunk: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    """Ingest the demo file (ids stable), classify each chunk here, date it over two weeks."""

    def prepare(row: ParsedRow) -> dict[str, Any]:
        return {**row.item, "id": demo_comment_id(row)}

    def classify_chunk(summary: ImportSummary) -> None:
        comments_classify(comment_ids=summary.stored_ids[-DEMO_CHUNK:])
        if on_chunk:
            on_chunk(summary)

    with file.open("rb") as handle:
        summary = comments_import_file(
            file=handle,
            filename=file.name,
            source=Source.IMPORT,
            user=curator,
            chunk_size=DEMO_CHUNK,
            prepare=prepare,
            on_chunk=classify_chunk,
        )
    _spread_over_history(summary.stored_ids)
    return summary


def demo_pending_classify(*, ids: list[str]) -> int:
    """Classify demo comments an earlier run left PENDENTE (e.g. the model was missing)."""
    pending = [
        str(pk)
        for pk in Comment.objects.filter(pk__in=ids, status=Status.PENDING).values_list(
            "pk", flat=True
        )
    ]
    for start in range(0, len(pending), DEMO_CHUNK):
        comments_classify(comment_ids=pending[start : start + DEMO_CHUNK])
    return len(pending)


def _spread_over_history(stored_ids: list[str]) -> None:
    """Date the demo comments over the last two weeks so the report has a history."""
    now = timezone.now()
    step = timedelta(days=DEMO_HISTORY_DAYS) / max(len(stored_ids), 1)
    comments = list(Comment.objects.filter(pk__in=stored_ids).only("pk"))
    for position, comment in enumerate(sorted(comments, key=lambda c: str(c.pk))):
        comment.received_at = now - step * position
    Comment.objects.bulk_update(comments, ["received_at"], batch_size=500)
